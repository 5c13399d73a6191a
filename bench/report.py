"""The pages section: run bench.pages on every database, measure the floor, print the table and the verdicts."""

from __future__ import annotations

from typing import Any

from bench.common import emit, table
from bench.databases import Target
from bench.floor import Floor
from bench.pages import Site, run

GROWTH, MAX_SQL = 1.5, 12
# Pages held to another page of the same run (issue 22): a deep page to the first, a short search to a long one.
PAIRS = (
    ("all_orders_deep", "all_orders", 1.5),
    ("lines_deep", "lines_first", 1.5),
    ("search_3", "search_10", 2.0),
)


def pages_section(engines: list[str], sizes: list[int], redis_url: str, requests: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    floor = Floor(requests)
    for engine in engines:
        sites = {size: Site(Target(engine, size).url(), redis_url) for size in sizes}
        try:
            measured = run(sites, requests=requests)
        finally:
            for site in sites.values():
                site.close()
        rows = _rows(engine, sizes, measured, floor, Floor(requests, Target(engine, max(sizes)).url()))
        pairs = _pairs(sizes, rows)
        figures[engine] = rows
        figures[f"{engine} pairs"] = pairs
        _print(engine, sizes, rows)
        _print_pairs(pairs)
        emit("pages", {"engine": engine, "pages": rows, "pairs": pairs})
    return figures


def _rows(
    engine: str, sizes: list[int], measured: dict[int, list[dict]], floor: Floor, database_floor: Floor
) -> list[dict]:
    small, large = min(sizes), max(sizes)
    rows = []
    for index, page in enumerate(measured[small]):
        by_size = {size: measured[size][index] for size in sizes}
        row: dict[str, Any] = {"page": page["page"], "title": page["title"], "target": page["target"], "sizes": {}}
        for size, found in by_size.items():
            base = floor.measure(found["bytes"])
            row["sizes"][size] = {
                **found,
                "floor_p50_ms": base["p50_ms"],
                "floor_p95_ms": base["p95_ms"],
                "floor_bytes": base["bytes"],
                "floor_ratio": found["p95_ms"] / base["p95_ms"],
            }
        row["growth"] = by_size[large]["p95_ms"] / by_size[small]["p95_ms"]
        # The same statements at every size (a page of several URLs, such as keystrokes, may differ by URL).
        row["sql_constant"] = len({tuple(sorted(f["sql_values"])) for f in by_size.values()}) == 1
        row["worst_floor_ratio"] = max(s["floor_ratio"] for s in row["sizes"].values())
        with_database = database_floor.measure(by_size[large]["bytes"])  # for information
        row["database_floor_p95_ms"] = with_database["p95_ms"]
        row["database_floor_ratio"] = by_size[large]["p95_ms"] / with_database["p95_ms"]
        row["max_sql"] = max(f["sql"] for f in by_size.values())
        row["errors"] = [s for f in by_size.values() for s in f["statuses"] if s >= 400]
        row["verdict"] = _verdict(row) if row["target"] else "information"
        rows.append(row)
    return rows


def _verdict(row: dict) -> str:
    missed = []
    if row["growth"] > GROWTH:
        missed.append(f"growth {row['growth']:.2f}x")
    if row["max_sql"] > MAX_SQL or not row["sql_constant"]:
        missed.append("SQL")
    if row["errors"]:
        missed.append(f"HTTP {row['errors']}")
    return "met" if not missed else "missed: " + ", ".join(missed)


def _print(engine: str, sizes: list[int], rows: list[dict]) -> None:
    small, large = min(sizes), max(sizes)
    name = "SQLite" if engine == "sqlite" else "PostgreSQL"
    print(
        f"\nServer time per request, {name} (ms; p95 over {rows[0]['sizes'][small]['requests']} requests; "
        f"floor: a minimal Flask view rendering a page of the same size; db floor, for information: the same view "
        f"after one SELECT 1 on this database, at the larger size)"
    )
    headers = [
        "page",
        f"p50 {small:,}",
        f"p95 {small:,}",
        f"p50 {large:,}",
        f"p95 {large:,}",
        "growth",
        "SQL",
        "KB",
        "floor p95",
        "x floor",
        "db floor p95",
        "x db floor",
        "verdict",
    ]
    body = []
    for row in rows:
        a, b = row["sizes"][small], row["sizes"][large]
        sql = (
            "–".join(str(n) for n in sorted(a["sql_values"]))
            if row["sql_constant"]
            else f"{a['sql_values']}/{b['sql_values']}"
        )
        body.append(
            [
                row["title"],
                a["p50_ms"],
                a["p95_ms"],
                b["p50_ms"],
                b["p95_ms"],
                f"{row['growth']:.2f}x",
                sql,
                round(b["bytes"] / 1024, 1),
                b["floor_p95_ms"],
                f"{row['worst_floor_ratio']:.1f}x",
                row["database_floor_p95_ms"],
                f"{row['database_floor_ratio']:.1f}x",
                row["verdict"],
            ]
        )
    print(table(headers, body), flush=True)


def _pairs(sizes: list[int], rows: list[dict]) -> list[dict]:
    """Each pair's p95 ratio at every size: a deep page against the first, a 3-digit search against a 10-digit."""
    by_key = {row["page"]: row for row in rows}
    pairs = []
    for page, against, limit in PAIRS:
        if page not in by_key or against not in by_key:
            continue
        for size in sizes:
            ratio = by_key[page]["sizes"][size]["p95_ms"] / by_key[against]["sizes"][size]["p95_ms"]
            pairs.append(
                {
                    "page": by_key[page]["title"],
                    "against": by_key[against]["title"],
                    "orders": size,
                    "ratio": ratio,
                    "limit": limit,
                    "verdict": "met" if ratio <= limit else f"missed: {ratio:.2f}x",
                }
            )
    return pairs


def _print_pairs(pairs: list[dict]) -> None:
    print("\nPages held to another page of the same run (p95 against p95)")
    print(
        table(
            ["page", "against", "orders", "ratio", "target", "verdict"],
            [
                [p["page"], p["against"], p["orders"], f"{p['ratio']:.2f}x", f"≤ {p['limit']}x", p["verdict"]]
                for p in pairs
            ],
        ),
        flush=True,
    )
