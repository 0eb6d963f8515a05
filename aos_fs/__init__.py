"""aos_fs: the aos:// fsspec filesystem and the typed client."""
