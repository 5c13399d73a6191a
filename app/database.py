"""Engine set-up that depends on the database: SQLite gets WAL, a busy timeout and foreign keys."""
from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - exercised by every test
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        if not str(engine.url.database or "").startswith(":memory:") and engine.url.database:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
