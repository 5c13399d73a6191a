"""The load run: gunicorn (threaded workers that keep connections alive, as in production) and one worker.py on a
scratch copy of each benchmark database, and 100 concurrent clients on loopback for 60 seconds, each a person signed
in (before the clock starts) who browses, orders (an accessory: form, review, submit) or approves (open a step,
approve it), with a think time between requests. Each client is a browser: one kept-alive connection, and the
static files a page links to fetched the first time it sees them (they are immutable; a browser keeps them).
Reported: requests per second, p50/p95/p99, errors (any 5xx, refused connection, or unexpected status). Shorter
runs without think time, at 50, 100 and 200 clients, show how much the machine can serve at most."""

from __future__ import annotations

import gzip
import http.client
import random
import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import brotli
from sqlalchemy import func, select

from bench import databases
from bench.common import BENCH_DIR, PYTHON, ROOT, emit, env_for, make_app, percentile, stop, table
from bench.databases import Target

WEB_WORKERS = 4  # gunicorn processes: two per core
WEB_THREADS = 8  # threads per gunicorn process (gthread workers keep connections alive)
JOB_WORKERS = 2  # worker.py processes: one with the periodic jobs, one without
FLAT_OUT = (50, 100, 200)  # clients of the runs without think time: how much the machine serves at most
FLAT_OUT_SECONDS = 20
THINK = (0.5, 1.5)  # seconds between a person's requests (1 s on average): the target run
TARGET_RUN = "with think time"
WARM_UP_SECONDS = 20  # the target run's mix first, for this long: a portal in use is warm (its processes have
# built their templates and statements, PostgreSQL holds what the pages read); reported apart, for information
READING = (1.0, 3.0)  # 2 s on average: the same people reading a little longer (for information)
REQUEST_TIMEOUT = 30
CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
STATIC_LINK = re.compile(r'(?:href|src)="(/static/[^"]+)"')


@dataclass
class Result:
    kind: str
    started: float
    seconds: float
    status: int  # 0: no answer
    ok: bool


@dataclass
class Person:
    email: str
    role: str  # employee, approver, helpdesk, telecom
    facts: dict = field(default_factory=dict)


class Client:
    """One person's browser: a kept-alive connection, a cookie jar of one (the session), the CSRF token of the last
    page, and a cache of the static files it has fetched."""

    def __init__(self, port: int, results: list[Result], lock: threading.Lock) -> None:
        self.port, self.results, self.lock = port, results, lock
        self.cookie = ""
        self.csrf = ""
        self.recording = False
        self.connection: http.client.HTTPConnection | None = None
        self.cached: set[str] = set()

    def _send(self, method: str, path: str, body: str | None, headers: dict) -> http.client.HTTPResponse:
        """Over the kept connection; a connection the server closed meanwhile is opened again, once."""
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                return self.connection.getresponse()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def request(
        self,
        method: str,
        path: str,
        kind: str,
        data: dict | None = None,
        headers: dict | None = None,
        expect: tuple[int, ...] = (200,),
    ) -> tuple[int, str, dict]:
        body = urlencode(data, doseq=True) if data is not None else None
        sent = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        sent["Accept-Encoding"] = "gzip, br"  # as a browser says; the body is not read as text when compressed
        sent.update(headers or {})
        started = time.monotonic()
        status, text, got = 0, "", {}
        try:
            response = self._send(method, path, body, sent)
            status, raw = response.status, response.read()
            got = {k.lower(): v for k, v in response.getheaders()}
            text = self._text(raw, got.get("content-encoding", ""))
            for name, value in response.getheaders():
                if name.lower() == "set-cookie" and value.startswith("session="):
                    self.cookie = value.split(";", 1)[0]
            if got.get("connection", "").lower() == "close":
                self._drop()
        except (OSError, http.client.HTTPException):
            status = 0
            self._drop()
        elapsed = time.monotonic() - started
        token = CSRF_META.search(text) or CSRF_FIELD.search(text)
        if token:
            self.csrf = token.group(1)
        if self.recording:
            with self.lock:
                self.results.append(Result(kind, started, elapsed, status, status in expect))
        if status == 200 and "HX-Request" not in sent and got.get("content-type", "").startswith("text/html"):
            self._fetch_static(text)
        return status, text, got

    def _fetch_static(self, page: str) -> None:
        """The stylesheets, scripts and images the page links to, the first time this browser sees them."""
        for path in dict.fromkeys(STATIC_LINK.findall(page)):
            if path not in self.cached:
                self.cached.add(path)
                self.request("GET", path, "static file")

    @staticmethod
    def _text(raw: bytes, encoding: str) -> str:
        if encoding == "gzip":
            raw = gzip.decompress(raw)
        elif encoding == "br":
            raw = brotli.decompress(raw)
        return raw.decode("utf-8", "replace")

    def _drop(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def sign_in(self, email: str) -> None:
        self.request("GET", "/login", "sign in")
        status, _, _ = self.request(
            "POST", "/login", "sign in", {"email": email, "password": "demo", "csrf_token": self.csrf}, expect=(302,)
        )
        if status != 302:
            raise RuntimeError(f"{email} could not sign in ({status})")


# ---------------------------------------------------------------- what people do
def employee_turn(client: Client, person: Person, rng: random.Random) -> list[Callable[[], Any]]:
    orders = person.facts.get("orders") or []
    steps = [
        lambda: client.request("GET", "/", "browse: home"),
        lambda: client.request("GET", "/orders", "browse: my orders"),
    ]
    if orders:
        steps.append(lambda: client.request("GET", f"/orders/{rng.choice(orders)}", "browse: order page"))
    steps.append(lambda: client.request("GET", "/inventory/mine", "browse: my lines"))
    if rng.random() < 0.5 and person.facts.get("device"):
        steps.append(lambda: order_accessory(client, person))
    return steps


def order_accessory(client: Client, person: Person) -> None:
    """New order → the accessory form → review → submit: four requests, as a person's browser makes them."""
    status, page, _ = client.request("GET", "/orders/new/accessory", "order: form")
    token = re.search(r'name="form_token"[^>]*value="([^"]*)"', page)
    if status != 200 or not token:
        return
    data = {
        "csrf_token": client.csrf,
        "form_token": token.group(1),
        "device": person.facts["device"],
        "accessories": person.facts["accessory"],
        "ship_to": "office",
        "notes": "",
        "action": "review",
    }
    status, _, headers = client.request("POST", "/orders/new/accessory", "order: to review", data, expect=(302,))
    review = headers.get("location", "")
    if status != 302 or "/review" not in review:
        return
    review_path = "/" + review.split("/", 3)[3] if review.startswith("http") else review
    status, page, _ = client.request("GET", review_path, "order: review")
    version = re.search(r'name="version"[^>]*value="([^"]*)"', page)
    if status != 200 or not version:
        return
    client.request(
        "POST",
        review_path.replace("/review", "/submit"),
        "order: submit",
        {"csrf_token": client.csrf, "version": version.group(1)},
        expect=(302,),
    )


def approver_turn(client: Client, person: Person, rng: random.Random) -> list[Callable[[], Any]]:
    def decide() -> None:
        status, page, _ = client.request("GET", "/approvals", "approve: inbox")
        ids = re.findall(r'name="approval" value="(\d+)"', page)
        if status != 200 or not ids:
            return
        approval = rng.choice(ids[:10])
        client.request("GET", f"/approvals/{approval}", "approve: open step", headers={"HX-Request": "true"})
        client.request(
            "POST",
            f"/approvals/{approval}/approve",
            "approve: approve",
            {"csrf_token": client.csrf, "comment": "Fine by me."},
            expect=(302,),
        )

    return [decide, lambda: client.request("GET", "/approvals/count", "approve: badge", headers={"HX-Request": "true"})]


def helpdesk_turn(client: Client, person: Person, rng: random.Random) -> list[Callable[[], Any]]:
    digits = rng.choice(person.facts["numbers"])
    steps = [
        lambda n=n: client.request(
            "GET",
            f"/inventory/lines?q={digits[:n]}",
            "helpdesk: line search",
            headers={"HX-Request": "true", "HX-Target": "results"},
        )
        for n in (3, 5, 7)
    ]
    steps.append(
        lambda: client.request("GET", f"/inventory/lines/{rng.choice(person.facts['lines'])}", "helpdesk: line page")
    )
    return steps


def telecom_turn(client: Client, person: Person, rng: random.Random) -> list[Callable[[], Any]]:
    return [
        lambda: client.request("GET", "/dashboard", "telecom: dashboard"),
        lambda: client.request("GET", "/approvals", "telecom: group inbox"),
    ]


TURNS = {"employee": employee_turn, "approver": approver_turn, "helpdesk": helpdesk_turn, "telecom": telecom_turn}


# ---------------------------------------------------------------- who takes part
def people(url: str, redis_url: str, clients: int) -> list[Person]:
    """Employees with a device (they order accessories), approvers with the most waiting, helpdesk, telecom."""
    from app.extensions import db
    from app.models import Accessory, Approval, ApprovalStatus, Device, DeviceStatus, Line, LineStatus, Order, User

    app = make_app(url, redis_url)
    with app.app_context():
        session = db.session
        charger = session.scalar(select(Accessory.id).where(~Accessory.fits.any()).order_by(Accessory.id))
        approvers = (
            session.execute(
                select(User.email)
                .join(Approval, Approval.assignee_id == User.id)
                .where(Approval.status == ApprovalStatus.PENDING)
                .group_by(User.id, User.email)
                .order_by(func.count().desc())
                .limit(max(1, clients // 5))
            )
            .scalars()
            .all()
        )
        employees = session.execute(
            select(User.id, User.email, Device.id)
            .join(Device, Device.employee_id == User.id)
            .where(Device.status == DeviceStatus.ASSIGNED, User.email.like("%@scale.example.com"))
            .order_by(User.id)
            .limit(clients)
        ).all()
        numbers = session.scalars(
            select(Line.number_digits).where(Line.status == LineStatus.ACTIVE).order_by(Line.id).limit(50)
        ).all()
        lines = session.scalars(
            select(Order.line_id).where(Order.line_id.is_not(None)).order_by(Order.id).limit(50)
        ).all()
        crowd: list[Person] = []
        crowd += [Person(email, "approver") for email in approvers]
        crowd += [Person("helpdesk@example.com", "helpdesk", {"numbers": numbers, "lines": lines})] * 2
        crowd += [Person("telecom@example.com", "telecom")]
        for user_id, email, device_id in employees[: max(0, clients - len(crowd))]:
            orders = session.scalars(select(Order.number).where(Order.employee_id == user_id).limit(5)).all()
            crowd.append(Person(email, "employee", {"device": device_id, "accessory": charger, "orders": orders}))
        db.session.remove()
        db.engine.dispose()
    return crowd[:clients]


# ---------------------------------------------------------------- the run
def run_load(port: int, crowd: list[Person], seconds: float, think: tuple[float, float] | None) -> dict[str, Any]:
    results: list[Result] = []
    lock = threading.Lock()
    clients = [Client(port, results, lock) for _ in crowd]
    for client, person in zip(clients, crowd, strict=True):  # signing in is not part of the measured run
        client.sign_in(person.email)
    start = threading.Event()
    deadline: list[float] = [0.0]

    def live(client: Client, person: Person, seed: int) -> None:
        rng = random.Random(seed)
        start.wait()
        if think:  # people do not all click at the same instant: their first requests spread over a think time
            time.sleep(rng.uniform(*think))
        client.recording = True
        while time.monotonic() < deadline[0]:
            for step in TURNS[person.role](client, person, rng):
                if time.monotonic() >= deadline[0]:
                    return
                step()
                if think:
                    time.sleep(rng.uniform(*think))

    threads = [
        threading.Thread(target=live, args=(c, p, i), daemon=True)
        for i, (c, p) in enumerate(zip(clients, crowd, strict=True))
    ]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    deadline[0] = began + seconds
    start.set()
    for thread in threads:
        thread.join(timeout=seconds + REQUEST_TIMEOUT + 10)
    elapsed = time.monotonic() - began
    return summarize(results, elapsed, len(crowd), think)


def summarize(results: list[Result], elapsed: float, clients: int, think) -> dict[str, Any]:
    times = [r.seconds for r in results]
    errors = [r for r in results if not r.ok]
    kinds: dict[str, list[Result]] = {}
    for r in results:
        kinds.setdefault(r.kind, []).append(r)
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "think_seconds": think,
        "requests": len(results),
        "per_second": round(len(results) / elapsed, 1),
        "p50_ms": percentile(times, 0.5) * 1000,
        "p95_ms": percentile(times, 0.95) * 1000,
        "p99_ms": percentile(times, 0.99) * 1000,
        "errors": len(errors),
        "error_statuses": sorted({r.status for r in errors}),
        "by_kind": {
            k: {
                "requests": len(v),
                "p95_ms": percentile([r.seconds for r in v], 0.95) * 1000,
                "errors": sum(1 for r in v if not r.ok),
            }
            for k, v in sorted(kinds.items())
        },
    }


def _catch_up(url: str, redis_url: str) -> None:
    """What the worker's sweeps would have done while the benchmark database sat unused (reminders and
    escalations fallen due since it was made), done before the clock starts rather than during the run."""
    from app.extensions import db
    from app.jobs import approval_sweep, carrier_sweep

    app = make_app(url, redis_url)
    with app.app_context():
        approval_sweep()
        carrier_sweep()
        db.session.remove()
        db.engine.dispose()


@contextmanager
def serving(target: Target, redis_url: str, name: str) -> Iterator[tuple[int, str]]:
    """A scratch copy of the target's database served as in production: gunicorn's threaded workers and one
    worker.py; (port, database URL). The servers' own words go to instance/bench/<name>-<engine>.log."""
    from app.devrun import _wait_for_port, free_port

    url = databases.scratch(target)
    _catch_up(url, redis_url)
    port = free_port()
    env = env_for(url, redis_url, RQ_QUEUE=f"bench-{name}-{port}")
    log = (BENCH_DIR / f"{name}-{target.engine}.log").open("w")
    web = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-w", str(WEB_WORKERS), "-k", "gthread", "--threads", str(WEB_THREADS)]
        + ["--keep-alive", "5", "-b", f"127.0.0.1:{port}", "--timeout", "60", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    workers = [
        subprocess.Popen(
            [PYTHON, "worker.py", *(["--no-scheduler"] if index else [])],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for index in range(JOB_WORKERS)
    ]
    try:
        _wait_for_port(port, web, timeout=60)
        yield port, url
    finally:
        for worker in workers:
            stop(worker)
        stop(web)
        log.close()
        databases.drop_scratch(target)


def load_section(engines: list[str], size: int, redis_url: str, seconds: int, clients: int) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for engine in engines:
        with serving(Target(engine, size), redis_url, "load") as (port, url):
            crowd = people(url, redis_url, max(clients, *FLAT_OUT))
            runs = {
                "warm-up, cold server (information)": run_load(port, _mix(crowd, clients), WARM_UP_SECONDS, THINK),
                TARGET_RUN: run_load(port, _mix(crowd, clients), seconds, THINK),
                "reading longer (information)": run_load(port, _mix(crowd, clients), seconds, READING),
            }
            for flat in FLAT_OUT:
                runs[f"flat out, {flat} clients"] = run_load(port, _mix(crowd, flat), FLAT_OUT_SECONDS, None)
        figures[engine] = runs
        _print(engine, size, runs)
        emit(
            "load",
            {
                "engine": engine,
                "orders": size,
                "gunicorn_workers": WEB_WORKERS,
                "gunicorn_threads": WEB_THREADS,
                "job_workers": JOB_WORKERS,
                "runs": runs,
            },
        )
    return figures


def _mix(crowd: list[Person], clients: int) -> list[Person]:
    """`clients` people of the crowd in the same proportions at every size of run: one approver in five, the
    helpdesk and telecom sessions, employees for the rest."""
    approvers = [p for p in crowd if p.role == "approver"][: max(1, clients // 5)]
    staff = [p for p in crowd if p.role in ("helpdesk", "telecom")]
    employees = [p for p in crowd if p.role == "employee"]
    return (approvers + staff + employees)[:clients]


def _print(engine: str, size: int, runs: dict[str, dict]) -> None:
    name = "SQLite" if engine == "sqlite" else "PostgreSQL"
    print(
        f"\nLoad run, {name}, {size:,} orders: gunicorn -w {WEB_WORKERS} --threads {WEB_THREADS} and "
        f"{JOB_WORKERS} worker.py, clients on loopback "
        "(each a browser: one kept-alive connection, static files fetched once)"
    )
    print(
        table(
            ["run", "clients", "seconds", "requests", "per second", "p50 ms", "p95 ms", "p99 ms", "errors"],
            [
                [
                    k,
                    r["clients"],
                    r["seconds"],
                    r["requests"],
                    r["per_second"],
                    r["p50_ms"],
                    r["p95_ms"],
                    r["p99_ms"],
                    f"{r['errors']} {r['error_statuses'] or ''}".strip(),
                ]
                for k, r in runs.items()
            ],
        )
    )
    target = runs[TARGET_RUN]
    print(
        table(
            [f"request ({TARGET_RUN})", "requests", "p95 ms", "errors"],
            [[k, v["requests"], v["p95_ms"], v["errors"]] for k, v in target["by_kind"].items()],
        ),
        flush=True,
    )
