-- The bytes of small objects, kept in the database beside their revision (committed in the
-- same transaction): no file, no file fsync, no directory fsync per small write.
CREATE TABLE inline_blobs (
    blob_key TEXT PRIMARY KEY,
    data     BLOB NOT NULL
);
