"""The pages people wait on run the same number of SQL statements whatever the size of the data (no query per
row), and at most twelve. Two copies of the demo company get the scale company at two sizes; every page the
benchmark times (bench.pages) is opened on both and its statements counted. Counting, not timing: speed is
measured by `make bench`, never here."""

from __future__ import annotations

import os
import shutil

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from bench.pages import PAGES, facts_about
from tests.support.databases import DATABASE_URL, TEST_SECRET_KEY, USE_POSTGRES, admin_engine, engine_options
from tests.support.helpers import DEMO_USERS, Client

SIZES = (800, 4000)  # orders; the people, lines and Marco's waiting orders are the same in both
MAX_STATEMENTS = 12


def _copy(template_database, name: str, tmp_path_factory) -> str:
    if USE_POSTGRES:
        with admin_engine().connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"'))
        return sa.engine.make_url(DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    path = tmp_path_factory.mktemp(name) / "dialtone.db"
    shutil.copyfile(template_database, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def sized_apps(template_database, redis_url, tmp_path_factory):
    """{orders: app} for each size, the scale company loaded once for the module."""
    from app import create_app
    from app.extensions import db
    from app.scale import load_scale

    apps, names = {}, []
    for orders in SIZES:
        name = f"dialtone_counts_{os.getpid()}_{orders}"  # runs at the same time must not share it
        url = _copy(template_database, name, tmp_path_factory)
        names.append(name)
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": url,
                "REDIS_URL": redis_url,
                "SQLALCHEMY_ENGINE_OPTIONS": engine_options(url),
                "SECRET_KEY": TEST_SECRET_KEY,
                "MAIL_SERVER": None,
                "RQ_QUEUE": f"counts-{orders}",
            }
        )
        with app.app_context():
            load_scale(db.session, employees=200, lines=500, orders=orders, inbox=120, seed=5)
            db.session.remove()
        apps[orders] = app
    yield apps
    for app in apps.values():
        with app.app_context():
            db.engine.dispose()
    if USE_POSTGRES:
        with admin_engine().connect() as connection:
            for name in names:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def statements_per_request(app, page) -> dict[str, int]:
    """For each URL of the page: the statements of a request, after one request to warm the caches."""
    from app.extensions import db

    person = Client(app)
    person.sign_in(DEMO_USERS.get(page.login, f"{page.login}@example.com"))
    with app.app_context():
        engine = db.engine
    counted = {}
    seen = [0]

    def count(*_args) -> None:
        seen[0] += 1

    for url in page.urls(facts_about(app))[:4]:
        assert person.get(url, headers=page.headers).status_code == 200, url
        event.listen(engine, "before_cursor_execute", count)
        try:
            seen[0] = 0
            if page.before:
                page.before(app)
            assert person.get(url, headers=page.headers).status_code == 200, url
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counted[url] = seen[0]
    return counted


@pytest.mark.parametrize("page", PAGES, ids=[p.key for p in PAGES])
def test_a_page_runs_the_same_statements_at_every_size(sized_apps, page):
    """Whatever the number of orders, the same statements (none per row), and no more than twelve."""
    counts = {orders: statements_per_request(app, page) for orders, app in sized_apps.items()}
    small, large = counts[SIZES[0]], counts[SIZES[1]]
    assert sorted(set(small.values())) == sorted(set(large.values())), counts
    assert len(set(small.values())) == 1, counts  # the same for every record the page shows
    if page.target:
        assert max(small.values()) <= MAX_STATEMENTS, counts
