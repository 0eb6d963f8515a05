-- Full-text search over names, titles, descriptions, key-values and authors (FTS5, bm25 ranking).
-- Kept current by triggers in the same transaction as every change, so the index can never lag
-- behind or miss a write. `search_ids` gives each resource a stable integer rowid for FTS5
-- (implicit rowids of `resources` may be renumbered by VACUUM).
CREATE TABLE search_ids (
    rowid       INTEGER PRIMARY KEY,
    resource_id TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE resource_search USING fts5(
    name, title, description, key_values, authors,
    tokenize = "unicode61 remove_diacritics 2",
    prefix = '2 3'
);

CREATE TRIGGER resources_search_insert AFTER INSERT ON resources BEGIN
    INSERT INTO search_ids (resource_id) VALUES (new.id);
    INSERT INTO resource_search (rowid, name, title, description, key_values, authors)
    VALUES (
        last_insert_rowid(), new.name, new.title, new.description,
        (SELECT group_concat(json_extract(value, '$.key') || ' ' ||
                             COALESCE(json_extract(value, '$.value'), ''), ' ')
           FROM json_each(new.key_values)),
        (SELECT group_concat(COALESCE(json_extract(value, '$.name'), '') || ' ' ||
                             COALESCE(json_extract(value, '$.email'), '') || ' ' ||
                             COALESCE(json_extract(value, '$.orcid'), ''), ' ')
           FROM json_each(new.authors))
    );
END;

CREATE TRIGGER resources_search_update
AFTER UPDATE OF name, title, description, key_values, authors ON resources BEGIN
    DELETE FROM resource_search
     WHERE rowid = (SELECT rowid FROM search_ids WHERE resource_id = old.id);
    INSERT INTO resource_search (rowid, name, title, description, key_values, authors)
    VALUES (
        (SELECT rowid FROM search_ids WHERE resource_id = new.id),
        new.name, new.title, new.description,
        (SELECT group_concat(json_extract(value, '$.key') || ' ' ||
                             COALESCE(json_extract(value, '$.value'), ''), ' ')
           FROM json_each(new.key_values)),
        (SELECT group_concat(COALESCE(json_extract(value, '$.name'), '') || ' ' ||
                             COALESCE(json_extract(value, '$.email'), '') || ' ' ||
                             COALESCE(json_extract(value, '$.orcid'), ''), ' ')
           FROM json_each(new.authors))
    );
END;

CREATE TRIGGER resources_search_delete AFTER DELETE ON resources BEGIN
    DELETE FROM resource_search
     WHERE rowid = (SELECT rowid FROM search_ids WHERE resource_id = old.id);
    DELETE FROM search_ids WHERE resource_id = old.id;
END;

-- Index what exists already.
INSERT INTO search_ids (resource_id) SELECT id FROM resources ORDER BY id;
INSERT INTO resource_search (rowid, name, title, description, key_values, authors)
SELECT si.rowid, r.name, r.title, r.description,
       (SELECT group_concat(json_extract(value, '$.key') || ' ' ||
                            COALESCE(json_extract(value, '$.value'), ''), ' ')
          FROM json_each(r.key_values)),
       (SELECT group_concat(COALESCE(json_extract(value, '$.name'), '') || ' ' ||
                            COALESCE(json_extract(value, '$.email'), '') || ' ' ||
                            COALESCE(json_extract(value, '$.orcid'), ''), ' ')
          FROM json_each(r.authors))
  FROM resources r JOIN search_ids si ON si.resource_id = r.id;

-- Exact title or name matches rank first; these find them without a scan.
CREATE INDEX resources_lower_title ON resources (lower(title));
CREATE INDEX resources_lower_name ON resources (lower(name));
