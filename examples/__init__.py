"""Examples that run against AOS-Py (importable, so tests exercise them)."""
