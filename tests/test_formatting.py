"""The one place that formats money, phone numbers, IMEIs and times."""

from datetime import datetime

import pytest

from app import formatting
from app.crypto import mask


@pytest.mark.parametrize(
    "cents,text", [(0, "$0.00"), (4500, "$45.00"), (109900, "$1,099.00"), (-250, "-$2.50"), (None, "")]
)
def test_money(cents, text):
    assert formatting.money(cents) == text


def test_phone_is_shown_in_national_format():
    assert formatting.phone("+12125550123") == "(212) 555-0123"
    assert formatting.phone("not a number") == "not a number"


def test_imei_is_grouped():
    assert formatting.imei("353911101047296") == "35-391110-104729-6"


def test_times_are_shown_in_the_company_time_zone(app):
    with app.app_context():
        assert formatting.local_time(datetime(2026, 7, 1, 16, 0)) == "Jul 01, 2026 12:00 PM"


@pytest.mark.parametrize("secret,shown", [("483920", "••••20"), ("12", "••••"), ("", "")])
def test_secrets_are_masked_to_the_last_two_characters_at_most(secret, shown):
    assert mask(secret) == shown


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(0, "less than a minute"), (59, "less than a minute"), (60, "1 min"), (3 * 3600, "3 h"), (3 * 86400, "3 days")],
)
def test_how_long_something_waited_is_said_in_words(seconds, words):
    from datetime import timedelta

    now = datetime(2026, 12, 5, 12, 0)
    assert formatting.age(now - timedelta(seconds=seconds), now) == words


@pytest.mark.parametrize(("number", "words"), [(0, "0 lines"), (1, "1 line"), (2, "2 lines"), (1200, "1,200 lines")])
def test_a_count_says_its_noun_in_the_singular_for_one(number, words):
    assert formatting.count(number, "line") == words


@pytest.mark.parametrize(
    ("label", "shown"),
    [
        ("Features (optional)", "Features"),
        ("Justification (needed only for out-of-policy choices)", "Justification"),
        ("Reason for the suspension", "Reason for the suspension"),
        ("Planned end (month) of the trial", "Planned end (month) of the trial"),
    ],
)
def test_a_record_shows_a_forms_label_without_its_hint(label, shown):
    assert formatting.without_hint(label) == shown


@pytest.mark.parametrize(
    "people,text",
    [
        ([], ""),
        (["Tara Ng"], "Tara Ng"),
        (["Tara Ng", "Tom Baker"], "Tara Ng and Tom Baker"),
        (["A", "B", "C"], "A, B and C"),
        ([f"P{n}" for n in range(17)], "P0, P1, P2, P3, P4 and 12 more"),
    ],
)
def test_names_in_a_line_cut_short_when_long(people, text):
    assert formatting.names(people) == text


@pytest.mark.parametrize(
    "parts,text",
    [
        (
            ("350 Fifth Avenue", "Suite 3300", "New York", "NY 10118"),
            "350 Fifth Avenue, Suite 3300, New York, NY 10118",
        ),
        (("350 Fifth Avenue", "", "New York", "NY 10118"), "350 Fifth Avenue, New York, NY 10118"),
        (("350 Fifth Avenue", None, " ", "New York", "NY 10118"), "350 Fifth Avenue, New York, NY 10118"),
        (("350 Fifth Avenue", "New York", " NY "), "350 Fifth Avenue, New York, NY"),
        (("", "New York", ""), "New York"),
        ((), ""),
    ],
)
def test_an_address_leaves_out_its_missing_parts_and_no_stray_comma(parts, text):
    assert formatting.address(*parts) == text


def test_an_office_without_a_street_reads_without_stray_commas():
    from app.models import Location

    office = Location(name="Denver office", street="", city="Denver", state="CO", postal_code="")
    assert str(office) == "Denver office, Denver, CO"


IMEI = "352099001761481"
ICCID = "8914101234567890123"


@pytest.mark.parametrize(
    "source,value,shown",
    [
        ("{{ v|imei }}", IMEI, '<span class="nowrap">35-209900-176148-1</span>'),
        ("{{ v|phone }}", "+12125550100", '<span class="nowrap">(212) 555-0100</span>'),
        ("{{ v|iccid }}", ICCID, f'<span class="nowrap">{ICCID}</span>'),
        ("{{ v|identifier }}", "WO-000023", '<span class="nowrap">WO-000023</span>'),
        ("{{ v|identifier }}", "<b>", '<span class="nowrap">&lt;b&gt;</span>'),
        ("{{ v|phone }}", None, ""),
    ],
)
def test_identifiers_in_a_page_never_break_inside(app, source, value, shown):
    with app.app_context():
        assert app.jinja_env.from_string(source).render(v=value) == shown


@pytest.mark.parametrize(
    "source,value,shown",
    [
        ("{{ v|imei }}", IMEI, "35-209900-176148-1"),
        ("{{ v|phone }}", "+12125550100", "(212) 555-0100"),
        ("{{ v|iccid }}", ICCID, ICCID),
        ("{{ v|identifier }}", "WO-000023", "WO-000023"),
    ],
)
def test_identifiers_in_a_plain_text_email_are_the_text_alone(app, source, value, shown):
    with app.app_context():
        template = app.jinja_env.from_string("{% autoescape false %}" + source + "{% endautoescape %}")
        assert template.render(v=value) == shown


def test_a_device_is_named_with_its_imei_grouped():
    from app.models import Device, DeviceModel

    phone = DeviceModel(maker="Apple", name="iPhone 16")
    assert str(Device(model=phone, imei=IMEI)) == "Apple iPhone 16 (35-209900-176148-1)"
    assert str(Device(model=phone, imei=None, serial="HS123")) == "Apple iPhone 16 (HS123)"


def test_the_device_page_and_the_order_forms_show_the_imei_grouped(app, login, demo):
    from app.extensions import db
    from app.models import Device
    from tests.support.ordering import ERIN

    with app.app_context():
        raw = db.session.get(Device, demo.device_of(ERIN)).imei
    grouped = formatting.imei(raw)
    page = login("helpdesk").get(f"/inventory/devices/{demo.device_of(ERIN)}").get_data(as_text=True)
    assert f'IMEI <span class="nowrap">{grouped}</span>' in page
    assert f"<title>Device {grouped} · Dialtone</title>" in page  # a title is plain text
    form = login("employee").get("/orders/new/accessory").get_data(as_text=True)
    assert f"IMEI {grouped}" in form and raw not in form


def test_a_number_is_worked_out_once_and_shown_the_same_every_time():
    formatting._national.cache_clear()
    shown = [formatting.phone("+13125550188") for _ in range(3)]
    assert shown == ["(312) 555-0188"] * 3
    assert formatting._national.cache_info().hits == 2  # a list of 50 lines parses each number once per process
    assert [formatting.phone("+1 not a number") for _ in range(2)] == ["+1 not a number"] * 2


def test_a_lines_status_badge_says_its_status_in_words_with_its_colour(app, login, demo):
    page = login("helpdesk").get("/inventory/lines?status=active").get_data(as_text=True)
    assert '<span class="status-badge status-ok">Active</span>' in page
    page = login("helpdesk").get("/inventory/lines?status=suspended").get_data(as_text=True)
    assert '<span class="status-badge status-warn">Suspended</span>' in page
