"""Inventory's domain: the history of changes, editing, search, CSV imports and exports."""
