"""A small hook receiver that checks CSV files and labels them valid or invalid."""

from .app import check_csv, create_app, verify_signature

__all__ = ["check_csv", "create_app", "verify_signature"]
