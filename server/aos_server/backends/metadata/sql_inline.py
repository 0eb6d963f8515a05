"""Small objects' bytes in the metadata database (`inline_blobs`), beside their revisions."""

from __future__ import annotations

from .sql_conn import SQLConnection


class InlineBlobsSQL:
    c: SQLConnection

    async def put_inline_blob(self, blob_key: str, data: bytes) -> None:
        await self.c.write(
            "INSERT INTO inline_blobs (blob_key, data) VALUES (?, ?)", [blob_key, data]
        )

    async def get_inline_blob(self, blob_key: str) -> bytes | None:
        row = await self.c.fetchone("SELECT data FROM inline_blobs WHERE blob_key = ?", [blob_key])
        return bytes(row["data"]) if row is not None else None

    async def delete_inline_blob(self, blob_key: str) -> None:
        await self.c.execute("DELETE FROM inline_blobs WHERE blob_key = ?", [blob_key])

    async def inline_blob_keys(self, *, after: str, limit: int) -> list[str]:
        rows = await self.c.fetchall(
            "SELECT blob_key FROM inline_blobs WHERE blob_key > ? ORDER BY blob_key LIMIT ?",
            [after, limit],
        )
        return [row["blob_key"] for row in rows]
