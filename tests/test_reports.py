"""Reports: the all-orders list and its filters, pagination, HTMX fragments, and CSV exports that equal the lists
they come from; approval turnaround; lines by cost center; who may see them; queries that do not grow per row."""

from __future__ import annotations

import csv
import io
import re
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event

from app.extensions import db
from app.models import Order, OrderStatus, User
from tests.support.dashboard import Company, build_company
from tests.support.helpers import next_page


@pytest.fixture
def company(app) -> Company:
    with app.app_context():
        return build_company(db.session)


@pytest.fixture
def tara(login):
    return login("telecom")


def listed_numbers(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/orders/([^"]+)">', html)


def csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


ALL_SUBMITTED = [
    "T-o16",
    "T-o7",
    "T-o6",
    "T-o4",
    "T-o3",
    "T-o14",
    "T-o15",
    "T-o13",
    "T-o10",
    "T-o5",
    "T-o2",
    "T-o1",
    "T-o9",
    "T-o8",
    "T-o11",
]


# ---------------------------------------------------------------- all orders
def test_all_orders_lists_every_submitted_order_newest_first(tara, company):
    html = tara.get("/reports/orders").get_data(as_text=True)
    assert listed_numbers(html) == ALL_SUBMITTED  # the draft is nobody else's business
    assert "15 orders" in html


@pytest.mark.parametrize(
    "query,expected",
    [
        ("status=pending_approval&carrier={A}", ["T-o16", "T-o7", "T-o8"]),
        ("type=new_line&department={research}&start=2025-03-01&end=2025-03-11", ["T-o6", "T-o1"]),
        ("reached=completed&fulfilment=carrier", ["T-o3", "T-o2", "T-o1", "T-o11"]),
        ("reached=approved&carrier=none", ["T-o5"]),
        ("type=sim_request,stipend_enroll", ["T-o15", "T-o5"]),
        ("waiting_on=user:{ann}", ["T-o6", "T-o8"]),
        ("waiting_on=group:{group}", ["T-o7"]),
        ("status=needs_attention&department={legal}", ["T-o9"]),
    ],
)
def test_all_orders_filters_and_the_csv_export_is_the_same_list(tara, company, query, expected):
    query = query.format(
        A=company.carrier["A"],
        research=company.department["research"],
        legal=company.department["legal"],
        ann=company.person["ann"],
        group=company.group,
    )
    html = tara.get(f"/reports/orders?{query}").get_data(as_text=True)
    assert listed_numbers(html) == expected
    rows = csv_rows(tara.get(f"/reports/orders.csv?{query}"))
    assert [row["number"] for row in rows] == expected


def test_the_export_link_carries_the_filters(tara, company):
    html = tara.get(f"/reports/orders?status=completed&carrier={company.carrier['A']}").get_data(as_text=True)
    link = re.search(r'href="(/reports/orders\.csv[^"]*)"', html).group(1).replace("&amp;", "&")
    assert [row["number"] for row in csv_rows(tara.get(link))] == ["T-o2", "T-o1", "T-o11"]


def test_csv_columns_say_what_the_order_is(tara, company):
    rows = csv_rows(tara.get("/reports/orders.csv?type=upgrade&status=with_carrier"))
    assert rows == [
        {
            "number": "T-o4",
            "type": "Upgrade",
            "status": "With carrier",
            "for": "Leo Lane",
            "requested_by": "Leo Lane",
            "department": "Legal",
            "carrier": "Beta Wireless",
            "cost_center": "CC-9100",
            "one_time": "0.00",
            "monthly": "0.00",
            "submitted_at": "2025-03-11 05:00",
            "approved_at": "2025-03-11 13:00",
            "completed_at": "",
        }
    ]  # times in the company's time zone (New York, daylight time)


def test_a_long_list_is_paginated_and_the_export_has_every_page(app, tara):
    with app.app_context():
        erin = db.session.query(User).filter_by(email="employee@example.com").one()
        start = datetime(2025, 1, 1, 12, 0)
        db.session.add_all(
            [
                Order(
                    number=f"P-{i:03d}",
                    type="accessory",
                    status=OrderStatus.COMPLETED,
                    requester=erin,
                    employee=erin,
                    submitted_at=start + timedelta(hours=i),
                )
                for i in range(60)
            ]
        )
        db.session.commit()
    first = tara.get("/reports/orders?type=accessory").get_data(as_text=True)
    second_page = next_page(first)
    assert (
        "1–50 of 60" in first and second_page.startswith("/reports/orders?cursor=") and "type=accessory" in second_page
    )
    second = tara.get(second_page).get_data(as_text=True)
    assert "51–60 of 60" in second
    on_pages = listed_numbers(first) + listed_numbers(second)
    assert len(listed_numbers(first)) == 50 and len(on_pages) == 60
    exported = [row["number"] for row in csv_rows(tara.get("/reports/orders.csv?type=accessory"))]
    assert exported == on_pages == [f"P-{i:03d}" for i in reversed(range(60))]


def test_htmx_gets_the_results_only_and_a_plain_get_the_page(tara, company):
    fragment = tara.get("/reports/orders?status=rejected", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert text.lstrip().startswith('<div id="report-results"') and "<html" not in text
    assert listed_numbers(text) == ["T-o10"] and "/reports/orders.csv?status=rejected" in text
    page = tara.get("/reports/orders?status=rejected").get_data(as_text=True)
    assert "<html" in page and '<option value="rejected" selected>' in page


def test_every_filter_control_has_a_visible_label(tara, company):
    html = tara.get("/reports/orders").get_data(as_text=True)
    controls = re.findall(r'<(?:select|input) [^>]*id="(filter-[a-z_]+)"', html)
    assert len(controls) == 8
    for control in controls:
        assert f'<label for="{control}">' in html, control
    assert "Apply filters" in html and "Export CSV" in html


# ---------------------------------------------------------------- approval turnaround
def test_approval_turnaround_by_approver_and_its_csv(tara, company):
    html = tara.get("/reports/approvals?start=2025-01-01&end=2025-03-31").get_data(as_text=True)
    rows = re.findall(
        r'<th scope="row">([^<]+)</th>\s*<td class="num">(\d+)</td><td class="num">(\d+)</td>'
        r'<td class="num">(\d+)</td>\s*<td class="num">([\d.]+)</td>',
        html,
    )
    assert rows == [("Ann Approver", "5", "4", "1", "8.0"), ("Bob Boss", "3", "3", "0", "6.0")]
    exported = csv_rows(tara.get("/reports/approvals.csv?start=2025-01-01&end=2025-03-31"))
    assert [tuple(row.values()) for row in exported] == rows


def test_approval_turnaround_over_all_time_and_by_carrier(tara, company):
    all_time = csv_rows(tara.get("/reports/approvals.csv?start=&end="))
    assert all_time[0] == {
        "approver": "Ann Approver",
        "decided": "6",
        "approved": "5",
        "rejected": "1",
        "median_hours": "14.0",
    }  # 2, 4, 8, 20, 24 and 100 hours
    beta = csv_rows(tara.get(f"/reports/approvals.csv?start=&end=&carrier={company.carrier['B']}"))
    assert [(r["approver"], r["decided"], r["median_hours"]) for r in beta] == [
        ("Ann Approver", "2", "16.0"),
        ("Bob Boss", "1", "3.0"),
    ]
    assert 'href="/reports/approvals.csv?start=&amp;end=' in tara.get("/reports/approvals?start=&end=").get_data(
        as_text=True
    )  # "all time" survives into the export link


# ---------------------------------------------------------------- lines by cost center
def test_lines_by_cost_center_and_its_csv(tara, company):
    query = f"carrier={company.carrier['A']}"
    html = tara.get(f"/reports/lines?{query}").get_data(as_text=True)
    assert re.findall(
        r'<th scope="row">([^<]+)</th><td>([^<]+)</td>\s*<td class="num">(\d+)</td>'
        r'<td class="num">([^<]+)</td>',
        html,
    ) == [("CC-9100", "Legal", "2", "$115.00"), ("CC-9200", "Research", "1", "$40.00")]
    assert "3 active lines, $155.00 a month" in html
    assert csv_rows(tara.get(f"/reports/lines.csv?{query}")) == [
        {"cost_center": "CC-9100", "name": "Legal", "active_lines": "2", "monthly_cost": "115.00"},
        {"cost_center": "CC-9200", "name": "Research", "active_lines": "1", "monthly_cost": "40.00"},
    ]


def test_dashboard_cost_figures_link_to_the_lines_report_with_the_same_total(tara, company):
    html = tara.get(f"/dashboard?carrier={company.carrier['B']}").get_data(as_text=True)
    assert f"/reports/lines?carrier={company.carrier['B']}&amp;department={company.department['legal']}" in html
    legal = csv_rows(
        tara.get(f"/reports/lines.csv?carrier={company.carrier['B']}&department={company.department['legal']}")
    )
    assert legal == [{"cost_center": "CC-9100", "name": "Legal", "active_lines": "1", "monthly_cost": "7.00"}]


# ---------------------------------------------------------------- access
@pytest.mark.parametrize(
    "url",
    [
        "/reports/",
        "/reports/orders",
        "/reports/orders.csv",
        "/reports/approvals",
        "/reports/approvals.csv",
        "/reports/lines",
        "/reports/lines.csv",
    ],
)
def test_reports_are_for_telecom_and_admins_only(login, url):
    assert login("employee").get(url).status_code == 403
    assert login("manager").get(url).status_code == 403
    assert login("helpdesk").get(url).status_code == 403
    assert login("telecom").get(url).status_code == 200
    assert login("admin").get(url).status_code == 200


# ---------------------------------------------------------------- speed as data grows
@contextmanager
def counted_queries(app):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _more_orders(app, n: int, prefix: str) -> None:
    """n open orders spread over the first 20 demo people (the admin among them)."""
    with app.app_context():
        people = db.session.query(User).filter(User.email.like("%@example.com")).order_by(User.id).limit(20).all()
        start = datetime(2025, 3, 1, 12, 0)
        db.session.add_all(
            [
                Order(
                    number=f"{prefix}-{i:04d}",
                    type="new_line",
                    status=OrderStatus.PENDING_APPROVAL,
                    requester=people[i % 20],
                    employee=people[i % 20],
                    submitted_at=start + timedelta(minutes=i),
                )
                for i in range(n)
            ]
        )
        db.session.commit()


@pytest.mark.parametrize("url", ["/reports/orders", "/reports/orders.csv", "/dashboard?start=&end=", "/"])
def test_pages_run_the_same_number_of_queries_however_many_orders_there_are(app, login, company, url):
    _more_orders(app, 20, "F")
    client = login("admin")
    client.get(url).get_data()  # warm up: the first request loads settings and the like
    with counted_queries(app) as few:
        client.get(url).get_data()
    _more_orders(app, 200, "M")
    with counted_queries(app) as many:
        client.get(url).get_data()
    assert len(many) == len(few), url
