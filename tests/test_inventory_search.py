"""Helpdesk finds lines, devices, SIMs, stipends and employees: search as you type, filters, sorting, pages,
and CSV exports that hold exactly what the list shows."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import event, func, select

from app.extensions import db
from app.inventory.search import LINES as LINE_LIST
from app.models import CostCenter, Department, Device, Line, LineStatus, User
from app.paging import cursor_at
from tests.support.helpers import next_page

HTMX = {"HX-Request": "true", "HX-Target": "results"}
NUMBER_LINK = re.compile(r'href="/inventory/lines/(\d+)"')


def erin_line(app) -> tuple[int, str, str]:
    """Erin's one line: (id, E.164 number, IMEI of its device), read from the demo data."""
    with app.app_context():
        line = db.session.scalar(select(Line).join(Line.employee).where(User.email == "employee@example.com"))
        return line.id, line.number, line.device.imei


def listed_line_ids(html: str) -> list[int]:
    return [int(i) for i in NUMBER_LINK.findall(html)]


def search(client, **args):
    return client.get("/inventory/lines", query_string=args, headers=HTMX).get_data(as_text=True)


def typed_ways(e164: str) -> list[str]:
    """+12125550100 → '(212) 555-0100', '212.555.0100', '+1212555 0100', '+1 (212) 555-0100', '2125550100'."""
    area, exchange, last = e164[2:5], e164[5:8], e164[8:]
    return [
        f"({area}) {exchange}-{last}",
        f"{area}.{exchange}.{last}",
        f"+1{area}{exchange} {last}",
        f"+1 ({area}) {exchange}-{last}",
        f"{area}{exchange}{last}",
        f"1-{area}-{exchange}-{last}",
    ]


@pytest.mark.parametrize("way", range(6))
def test_helpdesk_finds_a_line_by_number_typed_any_way(app, login, way):
    line_id, number, _ = erin_line(app)
    typed = typed_ways(number)[way]
    assert listed_line_ids(search(login("helpdesk"), q=typed)) == [line_id]


def test_helpdesk_finds_a_line_by_the_start_or_the_end_of_its_number(app, login):
    line_id, number, _ = erin_line(app)
    client = login("helpdesk")
    area, exchange, last = number[2:5], number[5:8], number[8:]
    starts = listed_line_ids(search(client, q=f"({area}) {exchange}-{last[:3]}"))
    assert line_id in starts
    with app.app_context():
        expected = db.session.scalars(select(Line.id).where(Line.number.like(f"+1{area}{exchange}{last[:3]}%"))).all()
    assert sorted(starts) == sorted(expected)
    ends = listed_line_ids(search(client, q=f"{exchange}-{last}"))
    assert line_id in ends
    assert all(n.endswith(f"{exchange}{last}") for n in _numbers(app, ends))


def _numbers(app, ids: list[int]) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Line.number).where(Line.id.in_(ids))))


@pytest.mark.parametrize("typed", ["Erin", "erin park", "PARK", "employee@example.com", "employee@"])
def test_helpdesk_finds_a_line_by_employee_name_or_email(app, login, typed):
    line_id, _, _ = erin_line(app)
    found = listed_line_ids(search(login("helpdesk"), q=typed))
    assert line_id in found
    with app.app_context():
        owners = set(
            db.session.scalars(select(User.email).join(Line, Line.employee_id == User.id).where(Line.id.in_(found)))
        )
    assert all(
        typed.lower() in email or any(typed.lower() in n.lower() for n in _names(app, email)) for email in owners
    )


def _names(app, email: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(User.name).where(User.email == email)))


def test_helpdesk_finds_a_line_by_its_device_imei_whole_grouped_or_its_first_digits(app, login):
    line_id, _, imei = erin_line(app)
    client = login("helpdesk")
    grouped = f"{imei[:2]}-{imei[2:8]}-{imei[8:14]}-{imei[14]}"
    assert listed_line_ids(search(client, q=imei)) == [line_id]
    assert listed_line_ids(search(client, q=grouped)) == [line_id]
    assert line_id in listed_line_ids(search(client, q=imei[:12]))  # 12 digits: the model's TAC and a few more


def test_one_line_found_is_counted_in_the_singular(app, login):
    _, _, imei = erin_line(app)
    html = search(login("helpdesk"), q=imei)
    assert "1 line matches" in html and "1 lines" not in html


def test_a_search_that_finds_nothing_says_so(login):
    html = search(login("helpdesk"), q="Nobody Byname")
    assert "0 lines match" in html
    assert "No lines match" in html


@pytest.mark.parametrize("name", ["carrier", "status", "department", "cost_center"])
def test_each_filter_narrows_the_lines_to_exactly_those_that_match(app, login, name):
    with app.app_context():
        options = {
            "carrier": (
                lambda: db.session.scalar(select(Line.carrier_id).where(Line.status == LineStatus.ACTIVE)),
                lambda v: Line.carrier_id == v,
            ),
            "status": (lambda: "suspended", lambda v: Line.status == LineStatus(v)),
            "department": (
                lambda: db.session.scalar(select(Department.id).where(Department.name == "Finance")),
                lambda v: Line.employee_id.in_(select(User.id).where(User.department_id == v)),
            ),
            "cost_center": (
                lambda: db.session.scalar(select(CostCenter.id).where(CostCenter.code == "CC-2200")),
                lambda v: Line.cost_center_id == v,
            ),
        }
        pick, condition = options[name]
        value = pick()
        expected = set(db.session.scalars(select(Line.id).where(condition(value))))
    found = listed_line_ids(search(login("helpdesk"), **{name: value}))
    assert expected and set(found) == expected


def test_filters_and_search_combine(app, login):
    with app.app_context():
        finance = db.session.scalar(select(Department.id).where(Department.name == "Finance"))
    client = login("helpdesk")
    line_id, number, _ = erin_line(app)
    assert listed_line_ids(search(client, q=number, department=finance)) == []  # Erin is in Sales
    assert listed_line_ids(search(client, q=number, status="active")) == [line_id]


def test_sorting_by_employee_reverses_on_the_second_click(app, login):
    client = login("helpdesk")
    ascending = listed_line_ids(search(client, sort="employee"))
    descending = listed_line_ids(search(client, sort="employee", dir="desc"))
    with app.app_context():
        names = dict(db.session.execute(select(Line.id, User.name).join(Line.employee)).all())
    first_page = [names.get(i, "") for i in ascending]
    assert first_page == sorted(first_page)
    last_names = [names.get(i, "") for i in descending]
    assert last_names == sorted(last_names, reverse=True)
    html = search(client, sort="employee")
    assert 'aria-sort="ascending"' in html
    assert "sort=employee&amp;dir=desc" in html  # the header now offers the other way


@pytest.mark.parametrize("sort", ["number", "carrier", "plan", "employee", "cost_center", "status", "activated"])
def test_every_sortable_column_sorts_both_ways_without_losing_lines(app, login, sort):
    client = login("helpdesk")
    total = _total_lines(app)
    for direction in ("", "desc"):
        ids = _all_pages(client, sort=sort, dir=direction)
        assert sorted(ids) == sorted(set(ids)) and len(ids) == total


def _total_lines(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Line))


def _all_pages(client, **args) -> list[int]:
    ids: list[int] = []
    html = search(client, **args)
    while True:
        ids += listed_line_ids(html)
        if (url := next_page(html)) is None:
            return ids
        html = client.get(url, headers=HTMX).get_data(as_text=True)


def test_the_list_is_paginated_and_pages_together_hold_every_line(app, login):
    client = login("helpdesk")
    first = client.get("/inventory/lines").get_data(as_text=True)
    assert len(listed_line_ids(first)) == 50
    assert "Next page" in first and "1–50 of" in first
    assert sorted(_all_pages(client)) == sorted(_ids_of_all_lines(app))


def _ids_of_all_lines(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Line.id)))


def test_htmx_gets_only_the_rows_and_the_pushed_url_gives_the_whole_page(login):
    client = login("helpdesk")
    fragment = client.get("/inventory/lines?q=erin", headers=HTMX)
    html = fragment.get_data(as_text=True)
    assert "<table" in html and "<html" not in html and 'id="list-filters"' not in html
    assert "HX-Request" in fragment.headers["Vary"]
    page = client.get("/inventory/lines?q=erin").get_data(as_text=True)  # the URL HTMX pushed, loaded plainly
    assert "<html" in page and 'value="erin"' in page and "Erin Park" in page
    restore = client.get("/inventory/lines?q=erin", headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)


def test_the_search_form_works_without_javascript(login):
    """The same form posts as a plain GET: the filters and the typed search stay in the form."""
    html = login("helpdesk").get("/inventory/lines?q=erin&status=active").get_data(as_text=True)
    assert 'method="get"' in html and 'value="erin"' in html
    assert re.search(r'<option value="active"\s+selected>', html)
    assert '<button type="submit">Search</button>' in html


def read_csv(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


@pytest.mark.parametrize(
    "args",
    [
        {},
        {"q": "erin"},
        {"status": "active", "sort": "employee", "dir": "desc"},
        {"q": "555-01", "sort": "carrier"},
        {"status": "disconnected"},
    ],
)
def test_export_csv_is_exactly_the_filtered_list_in_its_order(app, login, args):
    client = login("helpdesk")
    shown = _all_pages(client, **args)
    html = search(client, **args)
    link = re.search(r'href="(/inventory/lines\.csv[^"]*)"[^>]*download>Export CSV', html).group(1)
    response = client.get(link.replace("&amp;", "&"))
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    with app.app_context():
        numbers = dict(db.session.execute(select(Line.id, Line.number)).all())
    assert [r["phone_number"] for r in rows] == [numbers[i] for i in shown]


def test_export_has_the_columns_the_import_reads_first(app, login):
    from app.inventory.imports import COLUMNS

    rows = read_csv(login("helpdesk").get("/inventory/lines.csv?q=erin"))
    assert list(rows[0])[: len(COLUMNS)] == list(COLUMNS)
    assert rows[0]["employee_email"] == "employee@example.com"
    assert rows[0]["carrier"] == "northwind"


def test_exported_text_that_a_spreadsheet_would_run_as_a_formula_is_quoted(app, login):
    with app.app_context():
        device = db.session.get(Device, erin_line(app)[0])
        line = db.session.get(Line, erin_line(app)[0])
        line.device.serial = "=HYPERLINK(1)"
        db.session.commit()
    rows = read_csv(login("helpdesk").get("/inventory/lines.csv?q=erin"))
    assert rows[0]["serial"] == "'=HYPERLINK(1)"
    assert rows[0]["phone_number"].startswith("+1")  # phone numbers are left alone
    assert device is not None


@pytest.mark.parametrize(
    "name,args,expected",
    [
        ("devices", {"status": "in_stock"}, "In stock"),
        ("devices", {"q": "iphone 16"}, "iPhone 16"),
        ("sims", {"q": "8901260"}, "8901260"),
        ("stipends", {"status": "active"}, "Active"),
        ("employees", {"q": "park"}, "Erin Park"),
    ],
)
def test_every_list_searches_filters_and_exports(login, name, args, expected):
    client = login("helpdesk")
    html = client.get(f"/inventory/{name}", query_string=args, headers=HTMX).get_data(as_text=True)
    assert expected in html
    count = int(re.search(r'class="inv-count">([\d,]+)', html).group(1).replace(",", ""))
    rows = read_csv(client.get(f"/inventory/{name}.csv", query_string=args))
    assert len(rows) == count > 0


def test_device_list_status_filter_shows_only_that_status(app, login):
    html = login("helpdesk").get("/inventory/devices?status=lost_stolen").get_data(as_text=True)
    assert "Lost or stolen" in html and "In stock</span>" not in html


class QueryCounter:
    """Counts the SQL statements the app sends while it is active."""

    def __init__(self, engine) -> None:
        self.engine, self.count = engine, 0

    def _count(self, *_args) -> None:
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)


@pytest.mark.parametrize(
    "url", ["/inventory/lines", "/inventory/devices", "/inventory/sims", "/inventory/stipends", "/inventory/employees"]
)
def test_a_list_page_costs_the_same_few_queries_for_2_rows_or_50(app, login, url):
    client = login("helpdesk")
    with app.app_context():
        engine = db.engine
    with QueryCounter(engine) as full:
        client.get(url)
    with QueryCounter(engine) as narrow:
        client.get(url, query_string={"q": "erin"})
    assert full.count == narrow.count <= 12


def _plan(statement) -> str:
    """The plan of a statement on this database: PostgreSQL's EXPLAIN, SQLite's EXPLAIN QUERY PLAN."""
    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")  # the demo's few lines would be read whole
            conn.exec_driver_sql("SET enable_sort = off")  # …and sorted
            return " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {compiled}"))
        return " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))


def test_searching_by_digits_uses_the_number_indexes(app):
    """The phone search reads the numbers' endings first (an index range scan, whatever the database); the list
    then looks for the lines it found by id, and the count reads the endings alone."""
    from app.inventory.search import LINES

    with app.app_context():
        statements: list[str] = []

        def keep(_conn, _cursor, statement, *_args) -> None:
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", keep)
        query, counted = LINES.page_queries(db.session, LINES.read({"q": "(212) 555-01"}))
        event.remove(db.engine, "before_cursor_execute", keep)
        assert "FROM line_number_endings" in statements[0]
        listed = _plan(query)
        assert "line_number_endings" not in listed  # the lines found, by id…
        # …then sorted: never a walk of the numbers in their order looking for them
        assert not re.search(r"(?i)using (covering )?(index )?ix_lines_number", listed)
        count_plan = _plan(counted)
    assert "ix_line_number_endings_ending" in count_plan
    assert "lines" not in count_plan.replace("line_number_endings", "")


def test_a_few_digits_in_many_numbers_walk_the_numbers_index_alone_and_count_the_endings(app, monkeypatch):
    """Three digits that thousands of numbers have (an area code): the page walks the lines in number order in an
    index that has their digits, never looking each line's endings up; the count reads the endings' index alone,
    and stops at 10,001 of them."""
    from app.inventory import search as inventory_search

    monkeypatch.setattr(inventory_search, "ENDINGS_LISTED", 0)  # the demo's lines are few: as if they were many
    with app.app_context():
        query, counted = inventory_search.LINES.page_queries(db.session, inventory_search.LINES.read({"q": "212"}))
        listed, count_plan = _plan(query.limit(51)), _plan(counted.limit(10_001))
    assert "ix_lines_number_walk" in listed
    assert "line_number_endings" not in listed
    assert "ix_line_number_endings_ending" in count_plan
    assert "lines" not in count_plan.replace("line_number_endings", "")


def _plan(statement) -> str:
    """The plan of a statement on this database: PostgreSQL's EXPLAIN, SQLite's EXPLAIN QUERY PLAN."""
    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")  # the demo's few lines would be read whole…
            conn.exec_driver_sql("SET enable_sort = off")  # …and sorted
            return " ".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {compiled}"))
        return " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))


def test_fifty_thousand_lines_page_and_search_with_the_same_queries_as_fifty(app, login):
    """A large company: the first page, the last page and a search by number, with a fixed number of queries."""
    from app.identifiers import national_digits, number_endings
    from app.models import LineNumberEnding

    with app.app_context():
        template = db.session.scalar(select(Line).where(Line.status == LineStatus.ACTIVE))
        rows = []
        for n in range(50_000):
            number = f"+1{646 + n // 10_000}{555_0000 + n % 10_000:07d}"
            digits = national_digits(number)
            rows.append(
                {
                    "number": number,
                    "number_digits": digits,
                    "number_digits_reversed": digits[::-1],
                    "carrier_id": template.carrier_id,
                    "account_number": "BULK",
                    "plan_id": template.plan_id,
                    "employee_id": template.employee_id,
                    "cost_center_id": template.cost_center_id,
                    "status": LineStatus.ACTIVE,
                    "suspend_reason": "",
                    "version": 1,
                }
            )
        db.session.execute(Line.__table__.insert(), rows)
        ids = dict(db.session.execute(select(Line.number, Line.id).where(Line.account_number == "BULK")).all())
        db.session.execute(
            LineNumberEnding.__table__.insert(),
            [
                {"line_id": ids[row["number"]], "ending": ending}
                for row in rows
                for ending in number_endings(row["number_digits"])
            ],
        )
        db.session.commit()
        engine, imei = db.engine, template.device.imei
    client = login("helpdesk")
    counts = []
    with app.app_context():  # the link to page 1,001 (lines 50,001–50,050), as page 1,000's Next page carries it
        deep = cursor_at(db.session, LINE_LIST.query(db.session, LINE_LIST.read({}), rows=False), 50_001)
    for args in ({}, {"cursor": deep}, {"q": "(647) 555-12"}, {"q": "4321"}, {"q": imei}):
        with QueryCounter(engine) as counter:
            html = client.get("/inventory/lines", query_string=args, headers=HTMX).get_data(as_text=True)
        counts.append(counter.count)
        assert listed_line_ids(html)
    assert "50,001–50,050 of more than 10,000" in search(client, cursor=deep)
    found = search(client, q="(647) 555-12")
    assert "100 lines match" in found  # +1647555 1200 … 1299
    assert counts[0] == counts[1]
    assert counts[2] == counts[3] == counts[0] + 1  # a number search reads the numbers' endings first
    assert counts[4] == counts[2] + 1  # an IMEI search looks the devices up too


def test_digits_anywhere_in_a_number_find_the_line_and_a_changed_number_its_new_endings(app, login):
    from app.models import LineNumberEnding

    with app.app_context():
        line = db.session.scalar(select(Line).where(Line.status == LineStatus.ACTIVE).order_by(Line.id))
        line.number = "+12129870143"
        db.session.commit()
        line_id = line.id
    client = login("helpdesk")
    for typed in ("987", "2987", "870-14", "0143", "212 987"):  # the middle, across groups, the end, the start
        assert line_id in listed_line_ids(search(client, q=typed)), typed
    assert line_id not in listed_line_ids(search(client, q="98701435"))
    with app.app_context():
        line = db.session.get(Line, line_id)
        line.number = "+12129870199"  # shares its last digits but two with the old number
        db.session.commit()
        endings = set(db.session.scalars(select(LineNumberEnding.ending).where(LineNumberEnding.line_id == line_id)))
        assert endings == {"2129870199"[i:] for i in range(10)}
    assert line_id not in listed_line_ids(search(client, q="0143"))


def test_an_old_number_finds_the_line_that_had_it_and_its_orders(app, login, demo):
    from app.inventory.history import apply_changes
    from tests.support.ordering import place, valid_orders

    line_id, old, _ = erin_line(app)
    role, data, _ = valid_orders(demo)["change_plan"]
    number = place(login(role), "change_plan", data)  # an order of the line while it had its old number
    with app.app_context():
        line = db.session.get(Line, line_id)
        hana = db.session.scalar(select(User).where(User.email == "helpdesk@example.com"))
        apply_changes(db.session, line, {"number": "+12125550177"}, actor=hana)
        db.session.commit()
    typed = typed_ways(old)[0]
    assert listed_line_ids(search(login("helpdesk"), q=typed)) == [line_id]  # its number now is another
    mine = login("employee").get("/orders", query_string={"q": typed}).get_data(as_text=True)
    assert number in mine
    with app.app_context():
        assert db.session.scalar(select(func.count(Line.id)).where(Line.number == "+19075550142")) == 0
    assert listed_line_ids(search(login("helpdesk"), q="(907) 555-0142")) == []  # a number no line had


@pytest.mark.parametrize("typed", ["777", "1646"])  # the second: with a trunk 1, or 1646 anywhere
@pytest.mark.parametrize("many", [False, True])
@pytest.mark.parametrize("args", [{}, {"sort": "number", "dir": "desc"}, {"status": "active"}, {"sort": "carrier"}])
def test_digits_found_many_times_or_few_list_and_count_the_same_lines(app, login, monkeypatch, typed, many, args):
    """Whether the digits are in few numbers (their lines fetched by id) or in many (the numbers walked in order),
    the same lines are listed in the same order, and a number that has the digits twice is counted once."""
    from app.inventory import search as inventory_search

    if many:
        monkeypatch.setattr(inventory_search, "ENDINGS_LISTED", 0)
    with app.app_context():
        lines = db.session.scalars(select(Line).order_by(Line.id).limit(3)).all()
        lines[0].number, lines[1].number = "+16467776777", "+12127770101"  # '777' twice, and once
        lines[2].number = "+12121646000"  # '1646' inside
        db.session.commit()
        having = select(Line.id).where(
            Line.number_digits.contains(typed)
            | (Line.number_digits.startswith(typed[1:]) if typed.startswith("1") else Line.id.is_(None))
        )
        if args.get("status"):
            having = having.where(Line.status == LineStatus.ACTIVE)
        expected = db.session.scalar(select(func.count()).select_from(having.subquery()))
        wanted = set(db.session.scalars(having))
    html = search(login("helpdesk"), q=typed, **args)
    assert f">{expected} line{'s' if expected != 1 else ''} match" in html.replace("\n", "")
    assert set(listed_line_ids(html)) == wanted
    if not many:
        return
    monkeypatch.setattr(inventory_search, "ENDINGS_LISTED", 1_000)
    assert listed_line_ids(search(login("helpdesk"), q=typed, **args)) == listed_line_ids(html)
