"""Inventory views, by concern: the lists (and CSV export), the record pages and editing, CSV import."""

# Each module registers its routes on the blueprint; presenting adds the pages' template helpers.
from app.web.inventory import import_views, list_views, presenting, record_views, wireline_views  # noqa: F401
