"""The benchmark databases: migrated, the demo company, then `seed-scale` at a size; made once and reused.

SQLite files live in instance/bench/, PostgreSQL databases are `dialtone_bench_<orders>` at
BENCH_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres). A database is made again
when its size, seed or the generator (app/scale.py) changed, or with --fresh. Runs that change data (the
worker, the load run) work on a scratch copy, so every run starts from the same company.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass

import sqlalchemy as sa

from bench.common import BENCH_DIR, PYTHON, ROOT, env_for

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SEED = 9
SEED_TIMEOUT = 1800  # seconds: a bound on one load (the 2,000,000-order company takes about 8 minutes)


def company_of(orders: int) -> tuple[int, int]:
    """(people, lines) of the company that places `orders`: 20,000 and 50,000 up to 200,000 orders, then growing
    with the orders (100,000 people and 500,000 lines at 2,000,000), so the pages of people with many reports or
    lines grow too."""
    return max(20_000, orders // 20), max(50_000, orders // 4)


@dataclass(frozen=True)
class Target:
    engine: str  # "sqlite" or "postgresql"
    orders: int

    @property
    def employees(self) -> int:
        return company_of(self.orders)[0]

    @property
    def lines(self) -> int:
        return company_of(self.orders)[1]

    @property
    def name(self) -> str:
        return f"dialtone_bench_{self.orders}"

    def url(self, name: str | None = None) -> str:
        name = name or self.name
        if self.engine == "sqlite":
            return f"sqlite:///{BENCH_DIR / (name + '.db')}"
        return sa.engine.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

    @property
    def label(self) -> str:
        return f"{'SQLite' if self.engine == 'sqlite' else 'PostgreSQL'} · {self.orders:,} orders"


def admin_engine() -> sa.Engine:
    return sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def postgres_available() -> bool:
    try:
        with admin_engine().connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return True
    except Exception:
        return False


def _fingerprint(target: Target) -> str:
    generator = hashlib.sha256((ROOT / "app" / "scale.py").read_bytes()).hexdigest()[:16]
    return f"{target.employees}/{target.lines}/{target.orders}/{SEED}/{generator}"


def _marker(target: Target):
    return BENCH_DIR / f"{target.engine}-{target.name}.json"


def prepare(target: Target, redis_url: str, *, fresh: bool = False, echo=print) -> dict:
    """Make sure the database for `target` exists and is current; returns how (and how fast) it was made."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    marker = _marker(target)
    known = json.loads(marker.read_text()) if marker.exists() else {}
    env = env_for(target.url(), redis_url)
    if not fresh and known.get("fingerprint") == _fingerprint(target) and _exists(target):
        _upgrade(env)  # new indexes reach an existing benchmark database without loading it again
        return {**known, "reused": True}
    echo(f"Loading {target.label} (once; later runs reuse it)…")
    _drop(target, target.name)
    _create(target, target.name)
    _upgrade(env)
    started = time.monotonic()
    result = subprocess.run(
        [
            PYTHON,
            "-m",
            "flask",
            "--app",
            "wsgi",
            "seed-scale",
            "--employees",
            str(target.employees),
            "--lines",
            str(target.lines),
            "--orders",
            str(target.orders),
            "--seed",
            str(SEED),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=SEED_TIMEOUT,
    )
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"seed-scale failed for {target.label}:\n{result.stdout}\n{result.stderr}")
    echo("\n".join("    " + line for line in result.stdout.strip().splitlines()))
    made = {
        "fingerprint": _fingerprint(target),
        "seed_seconds": round(seconds, 1),
        "engine": target.engine,
        "orders": target.orders,
        "employees": target.employees,
        "lines": target.lines,
    }
    marker.write_text(json.dumps(made))
    return {**made, "reused": False}


def _upgrade(env: dict) -> None:
    subprocess.run(
        [PYTHON, "-m", "flask", "--app", "wsgi", "db", "upgrade", "heads"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )


def _exists(target: Target) -> bool:
    if target.engine == "sqlite":
        return (BENCH_DIR / f"{target.name}.db").exists()
    with admin_engine().connect() as connection:
        return connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.name}) == 1


def _create(target: Target, name: str, template: str | None = None) -> None:
    if target.engine == "sqlite":
        if template:
            source = BENCH_DIR / f"{template}.db"
            with sa.create_engine(f"sqlite:///{source}").connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            shutil.copyfile(source, BENCH_DIR / f"{name}.db")
        return
    with admin_engine().connect() as connection:
        suffix = f' TEMPLATE "{template}"' if template else ""
        connection.execute(sa.text(f'CREATE DATABASE "{name}"{suffix}'))


def _drop(target: Target, name: str) -> None:
    if target.engine == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (BENCH_DIR / f"{name}.db{suffix}").unlink(missing_ok=True)
        return
    with admin_engine().connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def scratch(target: Target) -> str:
    """A copy of the target's database to change freely; returns its URL (drop it with `drop_scratch`)."""
    name = f"{target.name}_scratch"
    _drop(target, name)
    _create(target, name, template=target.name)
    return target.url(name)


def drop_scratch(target: Target) -> None:
    _drop(target, f"{target.name}_scratch")
