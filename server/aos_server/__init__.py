"""AOS-Py server: the embedded storage service (JSON API + S3 data endpoint)."""

from __future__ import annotations

__version__ = "0.1.0"
