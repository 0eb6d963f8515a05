-- Part sizes of revisions written by multipart upload (S3 GetObject ?partNumber=).
ALTER TABLE object_versions ADD COLUMN parts JSONB NOT NULL DEFAULT '[]';
-- The S3 ETag of an object's latest revision, for listings.
ALTER TABLE resources ADD COLUMN etag TEXT;
