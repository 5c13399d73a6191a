"""Reading pages as a browser would: the values a form would submit, the error shown beside a field, the text."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/admin"}


class _FormReader(HTMLParser):
    """The fields of the first POST form on a page, with the values a browser would send."""

    def __init__(self) -> None:
        super().__init__()
        self.in_form = self.done = False
        self.action: str | None = None
        self.values: dict[str, list[str]] = {}
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self.done:
            return
        if tag == "form" and (a.get("method") or "get").lower() == "post" and not self.in_form:
            self.in_form, self.action = True, a.get("action")
        if not self.in_form or "name" not in a and tag != "option":
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.values.setdefault(a["name"], []).append(a.get("value", "on"))
            elif kind not in ("submit", "button", "file"):
                self.values.setdefault(a["name"], []).append(a.get("value", ""))
        elif tag == "select":
            self._select, self._select_first, self._select_chosen = a["name"], None, False
        elif tag == "option" and self._select:
            if self._select_first is None:
                self._select_first = a.get("value", "")
            if "selected" in a:
                self.values.setdefault(self._select, []).append(a.get("value", ""))
                self._select_chosen = True

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            if not self._select_chosen and self._select_first is not None:
                self.values.setdefault(self._select, []).append(self._select_first)
            self._select = None
        if tag == "form" and self.in_form:
            self.in_form, self.done = False, True


def _main(page: str) -> str:
    """The page's own content (the layout's header holds the sign-out form)."""
    return page.split("<main", 1)[1] if "<main" in page else page


def form_values(page: str) -> dict[str, list[str] | str]:
    """What submitting the page's first POST form would send: {name: value}, lists for multi-valued fields."""
    reader = _FormReader()
    reader.feed(_main(page))
    return {k: v[0] if len(v) == 1 else v for k, v in reader.values.items()}


def form_action(page: str) -> str | None:
    reader = _FormReader()
    reader.feed(_main(page))
    return html.unescape(reader.action) if reader.action else None


def field_error(page: str, field_id: str) -> str | None:
    """The message shown beside a field (its <small id="<field>-error">), or None."""
    match = re.search(rf'<small id="{re.escape(field_id)}-error" class="field-error">(.*?)</small>', page, re.S)
    return html.unescape(match.group(1)).strip() if match else None


def input_value(page: str, field_id: str) -> str | None:
    match = re.search(rf'<input[^>]*\bid="{re.escape(field_id)}"[^>]*>', page)
    if not match:
        return None
    value = re.search(r'\bvalue="([^"]*)"', match.group(0))
    return html.unescape(value.group(1)) if value else ""


def text_of(page: str) -> str:
    """The page's text without tags, whitespace squeezed: for "the page says …" assertions."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
