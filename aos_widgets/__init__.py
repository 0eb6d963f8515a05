"""aos_widgets: Jupyter panels for AOS."""
