"""`python -m bench` (`make bench`): Dialtone's benchmarks. Each section prints a table, then one JSON line
(`BENCH {...}`); everything is also written to instance/bench/results.json.

    python -m bench                      # everything: pages, worker, load run, browser, on PostgreSQL
    python -m bench pages --engines sqlite --sizes 2000,200000
    python -m bench worker --engines postgresql
    python -m bench load --seconds 60
    python -m bench browser --engines postgresql

The benchmark databases (the demo company plus `seed-scale` at 200,000 orders with 20,000 people and 50,000 lines,
and at 2,000,000 with 100,000 people and 500,000 lines) are made on first use and reused after (see
bench.databases); --fresh makes them again.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from bench import databases
from bench.common import BENCH_DIR, emit, machine, redis_server, table
from bench.databases import Target

TARGETS = {"growth": 1.5, "floor_ratio": 5.0, "sql": 12, "updates_per_second": 300, "load_p95_ms": 250}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sections", nargs="*", help="all (the default), pages, worker, load, browser")
    parser.add_argument(
        "--engines", default="postgresql", help="postgresql, sqlite or both (SQLite: with --sizes 2000,200000)"
    )
    parser.add_argument(
        "--sizes", default="200000,2000000", help="orders in the benchmark databases (people and lines grow too)"
    )
    parser.add_argument("--requests", type=int, default=300, help="timed requests per page (at least 200)")
    parser.add_argument("--updates", type=int, default=2000, help="carrier updates per worker run")
    parser.add_argument("--emails", type=int, default=1000, help="emails per worker run")
    parser.add_argument("--seconds", type=int, default=60, help="length of the load run")
    parser.add_argument("--clients", type=int, default=100, help="concurrent clients of the load run")
    parser.add_argument("--fresh", action="store_true", help="load the benchmark databases again")
    args = parser.parse_args(argv)
    unknown = set(args.sections) - {"all", "pages", "worker", "load", "browser"}
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    sections = (
        {"pages", "worker", "load", "browser"} if not args.sections or "all" in args.sections else set(args.sections)
    )
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if "postgresql" in engines and not databases.postgres_available():
        print(f"PostgreSQL is not reachable at {databases.POSTGRES_URL}: its runs are skipped.")
        engines.remove("postgresql")
    sizes = sorted(int(s) for s in args.sizes.split(","))

    results: dict = {"machine": machine(), "started": time.strftime("%Y-%m-%d %H:%M:%S"), "targets": TARGETS}
    print(table(["machine", ""], [[k, v] for k, v in results["machine"].items()]), "\n", flush=True)
    emit("machine", results["machine"])
    with redis_server() as redis_url:
        made = {}
        for engine in engines:
            for size in sizes:
                target = Target(engine, size)
                made[(engine, size)] = databases.prepare(target, redis_url, fresh=args.fresh)
        results["databases"] = _report_databases(made)
        results["load_average"] = {"start": os.getloadavg()}
        if "pages" in sections:
            from bench.report import pages_section

            results["pages"] = pages_section(engines, sizes, redis_url, args.requests)
            results["load_average"]["after pages"] = os.getloadavg()
        if "worker" in sections:
            from bench.worker import worker_section

            results["worker"] = {
                size: worker_section(engines, size, redis_url, args.updates, args.emails) for size in sizes
            }
            results["load_average"]["after worker"] = os.getloadavg()
        if "load" in sections:
            from bench.load import load_section

            results["load"] = {
                size: load_section(engines, size, redis_url, args.seconds, args.clients) for size in sizes
            }
            results["load_average"]["after load"] = os.getloadavg()
        if "browser" in sections:
            from bench.browser import browser_section

            results["browser"] = browser_section(engines, max(sizes), redis_url)
            results["load_average"]["after browser"] = os.getloadavg()
        print(f"\nLoad average of the machine (1, 5, 15 min): {results['load_average']}")
        emit("load_average", results["load_average"])
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    (BENCH_DIR / "results.json").write_text(json.dumps(results, indent=2, default=str))
    print(f"\nAll figures: {BENCH_DIR / 'results.json'}")
    return 0


def _report_databases(made: dict) -> list[dict]:
    rows = [
        {"engine": e, "orders": s, "seed_seconds": m.get("seed_seconds"), "reused": m.get("reused")}
        for (e, s), m in made.items()
    ]
    print(
        table(
            ["engine", "orders", "seed-scale seconds", "reused"],
            [[r["engine"], r["orders"], r["seed_seconds"], "yes" if r["reused"] else "no (loaded now)"] for r in rows],
        ),
        "\n",
        flush=True,
    )
    emit("databases", {"databases": rows})
    return rows


if __name__ == "__main__":
    sys.exit(main())
