"""Sites and their wireline services: numbers typed as lists or ranges, the rules of a service, every change in
its history, search by circuit ID, number and address, and the pages and forms of the helpdesk and of admins."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from app.demo import load_demo
from app.extensions import db
from app.identifiers import InvalidIdentifier
from app.inventory import wireline
from app.inventory.editing import EditRefused, StaleEdit
from app.inventory.history import history_of
from app.inventory.search import ListSpec
from app.inventory.wireline_search import SERVICES, SITES
from app.models import (
    Carrier,
    Location,
    ServiceKind,
    ServiceStatus,
    Site,
    User,
    WirelineService,
)


def person(session, email: str) -> User:
    return session.scalar(select(User).where(User.email == email))


def by_circuit(session, circuit_id: str) -> WirelineService:
    return session.scalar(select(WirelineService).where(WirelineService.circuit_id == circuit_id))


def found(session, spec: ListSpec, **args: str) -> list:
    return list(session.scalars(spec.query(session, spec.read(args))).unique())


def values_of(service: WirelineService, **changes) -> dict:
    current = {
        "site_id": service.site_id,
        "kind": service.kind,
        "carrier_id": service.carrier_id,
        "status": service.status,
        "circuit_id": service.circuit_id,
        "bandwidth_mbps": service.bandwidth_mbps,
        "channels": service.channels,
        "numbers": [n.number for n in service.numbers],
        "monthly_cents": service.monthly_cents,
        "term_months": service.term_months,
        "installed_on": service.installed_on,
        "contract_ends_on": service.contract_ends_on,
        "equipment": service.equipment,
        "disconnected_on": service.disconnected_on,
    }
    return {**current, **changes}


# ------------------------------------------------------------------ numbers
def test_numbers_are_typed_as_a_list_or_a_range_and_read_back_as_ranges():
    numbers = wireline.parse_numbers("(212) 555-0100 - 0103\n212.555.0150, +1 212 555 0101")
    assert numbers == ["+12125550100", "+12125550101", "+12125550102", "+12125550103", "+12125550150"]
    assert wireline.numbers_text(numbers) == "(212) 555-0100 – 0103, (212) 555-0150"
    assert wireline.parse_numbers("212-555-0100 to 212-555-0102") == ["+12125550100", "+12125550101", "+12125550102"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("(212) 555-0110 - 0100", "ends before it starts"),
        ("(212) 555-0100 - (213) 555-0110", "within one exchange"),
        ("(212) 555-0000 - 9999, (212) 556-0000 - 9999", "more than 1,000 numbers"),
        ("12", "phone number"),
    ],
)
def test_a_wrong_range_says_what_is_wrong(typed, message):
    with pytest.raises(InvalidIdentifier, match=message):
        wireline.parse_numbers(typed)


# ------------------------------------------------------------------ the demo's sites
def test_the_demo_offices_are_sites_with_the_floor_apart_and_a_branch_without_service(db_session):
    sites = {s.name: s for s in db_session.scalars(select(Site))}
    hq = sites["New York HQ"]
    assert (hq.street, hq.unit, hq.zip_code, hq.location.name) == ("350 Fifth Avenue", "Floor 21", "10118", hq.name)
    assert hq.contact.email == "omar.haddad@example.com" and hq.hours
    assert sites["Denver field office"].location is not None
    assert not sites["Boston branch office"].services
    kinds = {s.kind for s in db_session.scalars(select(WirelineService))}
    assert {ServiceKind.DEDICATED_INTERNET, ServiceKind.SIP_TRUNK, ServiceKind.POTS, ServiceKind.TOLL_FREE} <= kinds


def test_loading_the_demo_again_and_converting_offices_again_changes_nothing(db_session):
    before = (
        db_session.scalar(select(func.count()).select_from(Site)),
        db_session.scalar(select(func.count()).select_from(WirelineService)),
    )
    assert load_demo() is False
    assert wireline.sites_for_offices(db_session) == []
    after = (
        db_session.scalar(select(func.count()).select_from(Site)),
        db_session.scalar(select(func.count()).select_from(WirelineService)),
    )
    assert before == after


def test_a_new_office_becomes_a_site_once(db_session):
    db_session.add(Location(name="Austin lab", street="500 W 2nd St Ste 1900", city="Austin", state="TX",
                            postal_code="78701"))  # fmt: skip
    db_session.flush()
    (made,) = wireline.sites_for_offices(db_session)
    assert (made.name, made.street, made.unit) == ("Austin lab", "500 W 2nd St", "Ste 1900")
    assert wireline.sites_for_offices(db_session) == []
    assert history_of(db_session, made)[0].new_value == "site made from the office"


# ------------------------------------------------------------------ editing a service
def test_a_service_edit_records_each_changed_field_and_who_made_it(db_session):
    hana = person(db_session, "helpdesk@example.com")
    trunk = by_circuit(db_session, "SIP-CT-20931")
    wireline.save_service(
        db_session,
        trunk,
        values_of(trunk, channels=92, numbers=wireline.parse_numbers("(212) 555-1300 - 1399"), monthly_cents=99000),
        actor=hana,
        expected_version=trunk.version,
    )
    db_session.commit()
    changes = {c.field: (c.old_value, c.new_value, c.actor_id) for c in history_of(db_session, trunk)}
    assert changes["channels"] == ("46", "92", hana.id)
    assert changes["monthly_cents"] == ("$690.00", "$990.00", hana.id)
    assert changes["numbers"] == ("(212) 555-1300 – 1349", "(212) 555-1300 – 1399", hana.id)
    assert len(trunk.numbers) == 100


def test_saving_an_unchanged_service_writes_no_history(db_session):
    hana = person(db_session, "helpdesk@example.com")
    trunk = by_circuit(db_session, "SIP-CT-20931")
    assert wireline.save_service(db_session, trunk, values_of(trunk), actor=hana) == []


def test_a_service_is_refused_field_by_field(db_session):
    hana = person(db_session, "helpdesk@example.com")
    hq = db_session.scalar(select(Site).where(Site.name == "New York HQ"))
    carrier = db_session.scalar(select(Carrier).order_by(Carrier.id))
    new = WirelineService()
    with pytest.raises(EditRefused) as refused:
        wireline.save_service(
            db_session,
            new,
            {"site_id": hq.id, "kind": ServiceKind.SIP_TRUNK, "carrier_id": carrier.id,
             "status": ServiceStatus.DISCONNECTED, "numbers": ["+12125551310"], "monthly_cents": 100,
             "installed_on": date(2026, 5, 1), "contract_ends_on": date(2026, 1, 1)},
            actor=hana,
        )  # fmt: skip
    errors = refused.value.errors
    assert errors["channels"] == "Enter how many channels (concurrent calls) the trunk has."
    assert errors["disconnected_on"] == "Enter the date the service was disconnected."
    assert errors["contract_ends_on"] == "The contract cannot end before the service was installed."
    with pytest.raises(EditRefused) as taken:
        wireline.save_service(
            db_session,
            new,
            {"site_id": hq.id, "kind": ServiceKind.POTS, "carrier_id": carrier.id, "status": ServiceStatus.ACTIVE,
             "numbers": ["+12125551310"]},
            actor=hana,
        )  # fmt: skip
    assert taken.value.errors == {
        "numbers": "(212) 555-1310 is already a number of the SIP trunk SIP-CT-20931 at New York HQ."
    }
    assert new.id is None


def test_a_new_service_gets_its_contract_end_from_the_install_date_and_term(db_session):
    hana = person(db_session, "helpdesk@example.com")
    boston = db_session.scalar(select(Site).where(Site.name == "Boston branch office"))
    service = WirelineService()
    wireline.save_service(
        db_session,
        service,
        {"site_id": boston.id, "kind": ServiceKind.INTERNET, "carrier_id": db_session.scalar(select(Carrier.id)),
         "status": ServiceStatus.ACTIVE, "circuit_id": "BOS-77.1", "bandwidth_mbps": 300, "monthly_cents": 19900,
         "term_months": 36, "installed_on": date(2026, 1, 31)},
        actor=hana,
    )  # fmt: skip
    assert service.contract_ends_on == date(2029, 1, 31)
    assert [c.new_value for c in history_of(db_session, service)] == ["service added"]


def test_an_edit_on_a_stale_copy_is_refused(db_session):
    hana = person(db_session, "helpdesk@example.com")
    trunk = by_circuit(db_session, "SIP-CT-20931")
    with pytest.raises(StaleEdit):
        wireline.save_service(db_session, trunk, values_of(trunk, channels=10), actor=hana,
                              expected_version=trunk.version - 1)  # fmt: skip


# ------------------------------------------------------------------ search
def test_a_service_is_found_by_its_circuit_id_however_typed(db_session):
    assert [s.circuit_id for s in found(db_session, SERVICES, q="dia/10118")] == ["DIA/10118/FB-447201"]
    assert [s.circuit_id for s in found(db_session, SERVICES, q="dia10118 fb")] == ["DIA/10118/FB-447201"]


def test_a_service_is_found_by_the_start_or_the_end_of_one_of_its_numbers(db_session):
    assert [s.circuit_id for s in found(db_session, SERVICES, q="(212) 555-1325")] == ["SIP-CT-20931"]
    assert [s.circuit_id for s in found(db_session, SERVICES, q="1411")] == ["POTS-NW-3318"]
    assert [s.kind for s in found(db_session, SERVICES, q="800 555")] == [ServiceKind.TOLL_FREE]


def test_services_are_found_by_their_site_or_address_and_filtered(db_session):
    denver = found(db_session, SERVICES, q="Denver")
    assert {s.site.name for s in denver} == {"Denver field office"} and len(denver) == 3
    glenarm = found(db_session, SERVICES, q="glenarm", status="active")
    assert [s.circuit_id for s in glenarm] == ["NW-BI-80202-7731"]
    assert [s.name for s in found(db_session, SITES, q="10118")] == ["New York HQ"]


def test_site_history_and_service_history_are_kept_apart(db_session):
    """A site and a service may share an id: each history shows only its own record."""
    hq = db_session.scalar(select(Site).where(Site.name == "New York HQ"))
    assert {c.record_type for c in history_of(db_session, hq)} <= {"site"}
    same_id = db_session.get(WirelineService, hq.id)
    wireline.save_service(db_session, same_id, values_of(same_id, equipment="New router"),
                          actor=person(db_session, "helpdesk@example.com"))  # fmt: skip
    assert [c.record_type for c in history_of(db_session, same_id)] == ["service"]
    assert "New router" not in {c.new_value for c in history_of(db_session, hq)}


# ------------------------------------------------------------------ pages and forms
def test_helpdesk_adds_a_service_errors_next_to_the_fields_then_sees_it_at_its_site(app, login):
    hana = login("helpdesk")
    with app.app_context():
        boston = db.session.scalar(select(Site.id).where(Site.name == "Boston branch office"))
        carrier = db.session.scalar(select(Carrier.id).where(Carrier.code == "contoso"))
    page = hana.get(f"/inventory/wireline/new?site_id={boston}").get_data(as_text=True)
    assert '<label for="circuit_id">Circuit ID</label>' in page and "Add service</button>" in page
    typed = {"site_id": boston, "kind": "sip_trunk", "carrier_id": carrier, "status": "active",
             "circuit_id": "BOS-SIP-1", "numbers": "(617) 555-0100 - 0050", "monthly_cents": "320.00"}  # fmt: skip
    refused = hana.post("/inventory/wireline/new", typed)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert re.search(r'id="numbers-error" class="field-error">[^<]*ends before it starts', html)
    assert 'value="BOS-SIP-1"' in html and "320.00" in html  # what was typed is kept
    refused = hana.post("/inventory/wireline/new", {**typed, "numbers": "(617) 555-0100 - 0149"})
    assert re.search(r'id="channels-error" class="field-error">Enter how many channels', refused.get_data(as_text=True))
    saved = hana.post("/inventory/wireline/new", {**typed, "numbers": "(617) 555-0100 - 0149", "channels": "23"})
    assert saved.status_code == 302
    service_page = hana.get(saved.headers["Location"]).get_data(as_text=True)
    assert "(617) 555-0100 – 0149" in service_page and "Service added" in service_page
    site_page = hana.get(f"/inventory/sites/{boston}").get_data(as_text=True)
    assert "SIP trunk" in site_page and "BOS-SIP-1" in site_page


def test_helpdesk_edits_a_service_and_its_page_shows_the_change(app, login):
    hana = login("helpdesk")
    with app.app_context():
        service_id = by_circuit(db.session, "NW-BI-80202-7731").id
    form = hana.get(f"/inventory/wireline/{service_id}/edit").get_data(as_text=True)
    fields = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', form))
    chosen = dict(re.findall(r'<select[^>]*name="([a-z_]+)".*?<option selected value="([^"]*)"', form, re.S))
    assert chosen  # the selects keep their choice
    response = hana.post(f"/inventory/wireline/{service_id}/edit", {**fields, **chosen, "bandwidth_mbps": "1000"})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = hana.get(f"/inventory/wireline/{service_id}").get_data(as_text=True)
    assert "1000 Mbps" in page and "Bandwidth (Mbps)" in page and "Hana Kim" in page


def test_a_service_saved_meanwhile_by_someone_else_is_not_overwritten_unseen(app, login):
    """Two editors open the same service; the second save is refused (409) with the first one's change shown, and
    the form, now at the newer version, saves on the next try."""
    hana = login("helpdesk")
    with app.app_context():
        service_id = by_circuit(db.session, "NW-BI-80202-7731").id
    form = hana.get(f"/inventory/wireline/{service_id}/edit").get_data(as_text=True)
    fields = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', form))
    chosen = dict(re.findall(r'<select[^>]*name="([a-z_]+)".*?<option selected value="([^"]*)"', form, re.S))
    first = hana.post(f"/inventory/wireline/{service_id}/edit", {**fields, **chosen, "equipment": "Router A"})
    assert first.status_code == 302
    stale = hana.post(f"/inventory/wireline/{service_id}/edit", {**fields, **chosen, "equipment": "Router B"})
    assert stale.status_code == 409
    again = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', stale.get_data(as_text=True)))
    assert again["version"] != fields["version"] and again["equipment"] == "Router B"  # what was typed is kept
    with app.app_context():
        assert db.session.get(WirelineService, service_id).equipment == "Router A"
    assert hana.post(f"/inventory/wireline/{service_id}/edit", {**again, **chosen}).status_code == 302
    with app.app_context():
        assert db.session.get(WirelineService, service_id).equipment == "Router B"


def test_the_services_list_finds_a_circuit_by_its_id_and_links_its_site(app, login):
    page = login("helpdesk").get("/inventory/wireline?q=MPLS-CT").get_data(as_text=True)
    assert "1 service matches" in page and "MPLS-CT-55120" in page and "Denver field office" in page


def test_admin_adds_a_site_a_bad_zip_is_said_next_to_it_and_the_rest_is_kept(app, login):
    ada = login("admin")
    typed = {"name": "Chicago sales office", "street": "233 S Wacker Dr, Suite 4400", "city": "Chicago",
             "state": "IL", "zip_code": "6060", "contact_email": "employee@example.com",
             "hours": "Mon–Fri 9–5"}  # fmt: skip
    refused = ada.post("/admin/sites/new", typed)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert re.search(r'id="zip_code-error" class="field-error">ZIP 6060 is not a ZIP code', html)
    assert 'value="233 S Wacker Dr, Suite 4400"' in html and 'value="employee@example.com"' in html
    saved = ada.post("/admin/sites/new", {**typed, "zip_code": "60606"})
    assert saved.status_code == 302
    page = ada.get(saved.headers["Location"]).get_data(as_text=True)
    assert "233 S Wacker Dr, Suite 4400, Chicago, IL 60606" in page and "Erin Park" in page
    with app.app_context():
        site = db.session.scalar(select(Site).where(Site.name == "Chicago sales office"))
        assert (site.street, site.unit) == ("233 S Wacker Dr", "Suite 4400")
