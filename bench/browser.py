"""The pages as a browser gets them: Chromium (Playwright, Debian's chromium) against the production serving of
bench.load (gunicorn's threaded workers), on the largest benchmark database. For the home page, My orders, the
inbox and the line search: the bytes transferred (compressed, as they crossed the wire, headers included) and the
time to the load event, on a first visit (empty cache) and on a repeat visit (the static files cached)."""

from __future__ import annotations

import shutil
from typing import Any

from bench.common import emit, table
from bench.databases import Target
from bench.load import serving

VISITS = [  # (what, who, address)
    ("Home page", "employee@example.com", "/"),
    ("My orders", "employee@example.com", "/orders"),
    ("Approval inbox", "manager@example.com", "/approvals"),
    ("Line search", "helpdesk@example.com", "/inventory/lines?q=555"),
]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def _measure(page: Any, url: str) -> dict[str, float]:
    """One visit: bytes received over the network (Chromium's own count, from the DevTools protocol) and the time
    from navigation start to the load event."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    received: list[float] = []
    cdp.on("Network.loadingFinished", lambda event: received.append(event["encodedDataLength"]))
    page.goto(url, wait_until="load")
    load_ms = page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime; }"
    )
    cdp.detach()
    over_the_wire = [size for size in received if size > 0]  # a file taken from the cache crosses nothing
    return {"kb": round(sum(over_the_wire) / 1024, 1), "requests": len(over_the_wire), "load_ms": round(load_ms, 1)}


def _signed_in(chromium: Any, base: str, email: str) -> list[dict[str, Any]]:
    """The cookies of a person signed in (in a browser of its own, whose cache is then thrown away)."""
    context = chromium.new_context(base_url=base)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill("demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")
    cookies = context.cookies()
    context.close()
    return cookies  # type: ignore[no-any-return]


def browser_section(engines: list[str], size: int, redis_url: str) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        print("The browser section is skipped: Chromium is not installed (apt-get install chromium).")
        return {}
    figures: dict[str, Any] = {}
    for engine in engines:
        rows: list[dict[str, Any]] = []
        with serving(Target(engine, size), redis_url, "browser") as (port, _url):
            base = f"http://127.0.0.1:{port}"
            with sync_playwright() as pw:
                chromium = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
                for what, email, address in VISITS:
                    cookies = _signed_in(chromium, base, email)
                    context = chromium.new_context(base_url=base)  # an empty cache, the session's cookie
                    context.add_cookies(cookies)
                    page = context.new_page()
                    first = _measure(page, address)
                    repeat = _measure(page, address)  # the static files are in the cache now
                    rows.append({"page": what, "first": first, "repeat": repeat})
                    context.close()
                chromium.close()
        figures[engine] = rows
        _print(engine, size, rows)
        emit("browser", {"engine": engine, "orders": size, "visits": rows})
    return figures


def _print(engine: str, size: int, rows: list[dict[str, Any]]) -> None:
    name = "SQLite" if engine == "sqlite" else "PostgreSQL"
    print(f"\nIn Chromium, {name}, {size:,} orders: bytes over the wire and time to the load event")
    print(
        table(
            ["page", "first visit KB", "requests", "load ms", "repeat visit KB", "requests", "load ms"],
            [
                [
                    r["page"],
                    r["first"]["kb"],
                    r["first"]["requests"],
                    r["first"]["load_ms"],
                    r["repeat"]["kb"],
                    r["repeat"]["requests"],
                    r["repeat"]["load_ms"],
                ]
                for r in rows
            ],
        ),
        flush=True,
    )
