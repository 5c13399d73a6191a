"""The test databases: SQLite files by default, PostgreSQL when DATABASE_URL says so; the suite's secret key."""

from __future__ import annotations

import os

import sqlalchemy as sa

DATABASE_URL = os.environ.get("DATABASE_URL", "")
USE_POSTGRES = DATABASE_URL.startswith("postgresql")
# One key for the session (the template's encrypted secrets must open in every test's app), long enough for apps
# built without TESTING and for the worker processes the tests start.
TEST_SECRET_KEY = "test-secret-key-of-the-test-suite-only"


def engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 15}}
    return {"poolclass": sa.pool.NullPool}  # nothing holds the database open once a test ends


def admin_engine():
    """An engine on DATABASE_URL for CREATE and DROP DATABASE (PostgreSQL)."""
    return sa.create_engine(DATABASE_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
