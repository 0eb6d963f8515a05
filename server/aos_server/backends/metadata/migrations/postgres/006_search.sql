-- Full-text search (PostgreSQL): one weighted tsvector per resource, kept by a trigger in the
-- same transaction as every change. Weights: A name and title, B key-values, C authors,
-- D description. The 'simple' configuration (no stemming) matches the SQLite index; names are
-- split on punctuation first so that "table_2024.csv" yields table, 2024 and csv.
CREATE FUNCTION aos_search_words(t TEXT) RETURNS TEXT AS $$
    SELECT regexp_replace(coalesce(t, ''), '[^[:alnum:]]+', ' ', 'g')
$$ LANGUAGE sql IMMUTABLE;

CREATE TABLE resource_search (
    resource_id TEXT COLLATE "C" PRIMARY KEY,
    doc         TSVECTOR NOT NULL
);
CREATE INDEX resource_search_doc ON resource_search USING GIN (doc);
CREATE INDEX resources_lower_title ON resources (lower(title));
CREATE INDEX resources_lower_name ON resources (lower(name));

CREATE FUNCTION aos_search_doc(r resources) RETURNS TSVECTOR AS $$
    SELECT
        setweight(to_tsvector('simple', aos_search_words(r.name) || ' ' ||
                                        aos_search_words(r.title)), 'A') ||
        setweight(to_tsvector('simple', aos_search_words(
            (SELECT string_agg(coalesce(kv->>'key', '') || ' ' || coalesce(kv->>'value', ''), ' ')
               FROM jsonb_array_elements(r.key_values) kv))), 'B') ||
        setweight(to_tsvector('simple', aos_search_words(
            (SELECT string_agg(coalesce(a->>'name', '') || ' ' || coalesce(a->>'email', '') ||
                               ' ' || coalesce(a->>'orcid', ''), ' ')
               FROM jsonb_array_elements(r.authors) a))), 'C') ||
        setweight(to_tsvector('simple', aos_search_words(r.description)), 'D')
$$ LANGUAGE sql STABLE;

CREATE FUNCTION aos_search_sync() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM resource_search WHERE resource_id = OLD.id;
        RETURN OLD;
    END IF;
    INSERT INTO resource_search (resource_id, doc) VALUES (NEW.id, aos_search_doc(NEW))
    ON CONFLICT (resource_id) DO UPDATE SET doc = EXCLUDED.doc;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER resources_search_insert AFTER INSERT ON resources
    FOR EACH ROW EXECUTE FUNCTION aos_search_sync();
CREATE TRIGGER resources_search_update
    AFTER UPDATE OF name, title, description, key_values, authors ON resources
    FOR EACH ROW EXECUTE FUNCTION aos_search_sync();
CREATE TRIGGER resources_search_delete AFTER DELETE ON resources
    FOR EACH ROW EXECUTE FUNCTION aos_search_sync();

INSERT INTO resource_search (resource_id, doc) SELECT r.id, aos_search_doc(r) FROM resources r;
