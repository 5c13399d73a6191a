"""Ordering's domain: the order types, the lifecycle, drafts and who may order for whom."""
