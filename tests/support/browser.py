"""Browser-test support: a Playwright page that runs axe-core on every page it lands on."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"  # git-ignored
PAGES = ARTIFACTS / "html"  # every page the browser tests check, for the W3C checker (`make validate-html`)
BLOCKING_IMPACTS = {"serious", "critical"}
_axe = Axe()


def save_html(page) -> Path:
    """Keep the page as it is now (its DOM, after HTMX swapped what it swapped) for the W3C checker."""
    html = page.content()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", urlsplit(page.url).path).strip("-") or "home"
    path = PAGES / f"{slug[:80]}-{hashlib.sha256(html.encode()).hexdigest()[:10]}.html"
    PAGES.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path


class AccessibilityViolation(AssertionError):
    pass


def check_accessibility(page) -> None:
    """Fail on any serious or critical axe-core violation on the page as it is now."""
    results = _axe.run(page)
    blocking = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    if blocking:
        lines = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"]) for n in v["nodes"][:5])
            for v in blocking
        ]
        raise AccessibilityViolation(f"axe-core on {page.url}:\n" + "\n".join(lines))


class AccessiblePage:
    """Wraps a Playwright page: `goto` and `check` run axe-core; everything else passes through."""

    def __init__(self, page) -> None:
        self._page = page
        self.checked: list[str] = []

    def __getattr__(self, name):
        return getattr(self._page, name)

    def goto(self, url: str, **kwargs):
        response = self._page.goto(url, **kwargs)
        self.check()
        return response

    def check(self) -> None:
        self._page.wait_for_load_state("load")
        check_accessibility(self._page)
        save_html(self._page)
        self.checked.append(self._page.url)

    def settle(self) -> None:
        """Wait until no HTMX request is in flight (htmx marks the element that issued one with `htmx-request`),
        so that a choice made next is not redrawn by the answer to the one before."""
        self._page.wait_for_function("() => !document.querySelector('.htmx-request')")

    def sign_in(self, email: str, password: str = "demo") -> None:
        self.goto("/login")
        self._page.get_by_label("Email").fill(email)
        self._page.get_by_label("Password", exact=True).fill(password)
        self._page.get_by_role("button", name="Sign in").click()
        self._page.wait_for_load_state("load")
        self.check()

    def screenshot_for_docs(self, name: str) -> Path:
        """Save a full-page screenshot as a test artifact (test-artifacts/), and into DIALTONE_SCREENSHOTS_DIR
        when it is set (`make screenshots` refreshes the README's docs/screenshots that way)."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self._page.screenshot(path=str(path), full_page=True)
        if os.environ.get("DIALTONE_SCREENSHOTS_DIR"):
            docs = ROOT / os.environ["DIALTONE_SCREENSHOTS_DIR"]
            docs.mkdir(parents=True, exist_ok=True)
            (docs / path.name).write_bytes(path.read_bytes())
        return path


def sign_in_without_javascript(page, email: str, password: str = "demo") -> None:
    """Sign in on a plain Playwright page (JavaScript off, so axe-core does not run there)."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
