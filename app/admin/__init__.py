"""Administration's domain: the audit log and people (edits and the HR import)."""
