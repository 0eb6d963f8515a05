"""Several data endpoints: blob transfer between them, the replication worker, fetch-through."""
