"""The demo company is believable, and loading it twice changes nothing."""

from datetime import timedelta

from sqlalchemy import func, select

from app import clock
from app.crypto import decrypt
from app.demo import load_demo
from app.models import (
    ApprovalPolicy,
    Carrier,
    Department,
    Device,
    DeviceModel,
    DeviceStatus,
    Line,
    LineStatus,
    Role,
    Stipend,
    User,
)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_demo_people_have_departments_cost_centers_and_a_management_chain(db_session):
    assert 38 <= count(db_session, User) <= 45
    assert count(db_session, Department) == 4
    erin = db_session.scalar(select(User).where(User.email == "employee@example.com"))
    assert erin.name == "Erin Park" and erin.department.name == "Sales"
    assert erin.manager.email == "manager@example.com"
    assert [p.name for p in erin.management_chain()][:2] == ["Marco Diaz", "Sofia Alvarez"]
    assert all(u.cost_center and u.department for u in db_session.scalars(select(User)))


def test_demo_roles_and_groups(db_session):
    by_email = {u.email: u for u in db_session.scalars(select(User))}
    tara = by_email["telecom@example.com"]
    assert "Telecom admins" in [g.name for g in tara.groups] and Role.FULFILLMENT in tara.roles
    assert Role.HELPDESK in by_email["helpdesk@example.com"].roles
    assert by_email["admin@example.com"].is_admin
    assert by_email["manager@example.com"].is_approver
    assert not by_email["employee@example.com"].is_approver


def test_demo_carriers_with_modes_windows_and_the_webhook_secret(db_session):
    carriers = {c.code: c for c in db_session.scalars(select(Carrier))}
    assert set(carriers) == {"northwind", "contoso", "fabrikam"}
    assert carriers["northwind"].fulfilment_mode.value == "simulated"
    assert carriers["contoso"].fulfilment_mode.value == "manual"
    assert carriers["fabrikam"].fulfilment_mode.value == "api"  # the carrier sandbox plays it
    assert carriers["fabrikam"].api_url == "http://127.0.0.1:5055/orders"
    assert decrypt(carriers["fabrikam"].api_secret_encrypted) == "demo-carrier-secret"
    assert carriers["northwind"].reactivation_window_days == 30
    for carrier in carriers.values():
        assert carrier.plans and carrier.features
        assert carrier.webhook_secret_encrypted != "demo-carrier-secret"
        assert decrypt(carrier.webhook_secret_encrypted) == "demo-carrier-secret"
    assert count(db_session, DeviceModel) == 8


def test_demo_inventory_has_every_device_status_and_the_special_lines(db_session):
    statuses = set(db_session.scalars(select(Device.status).distinct()))
    assert statuses == set(DeviceStatus)
    assert 55 <= count(db_session, Line) <= 65
    today = clock.today()
    disconnected = sorted(
        today - line.disconnected_on
        for line in db_session.scalars(select(Line).where(Line.status == LineStatus.DISCONNECTED))
    )
    assert disconnected == [timedelta(days=10), timedelta(days=45)]
    assert db_session.scalar(select(func.count()).select_from(Line).where(Line.status == LineStatus.SUSPENDED)) == 1
    assert count(db_session, Stipend) >= 3
    assert count(db_session, ApprovalPolicy) >= 5


def test_erin_has_an_active_line_and_a_device_bought_six_months_ago(db_session):
    erin = db_session.scalar(select(User).where(User.email == "employee@example.com"))
    line = db_session.scalar(select(Line).where(Line.employee_id == erin.id))
    assert line.status is LineStatus.ACTIVE and line.carrier.code == "northwind"
    age = (clock.today() - line.device.purchased_on).days
    assert 170 <= age <= 190


def test_demo_identifiers_are_valid(db_session):
    from stdnum import imei, luhn

    for device in db_session.scalars(select(Device)):
        assert imei.is_valid(device.imei), device.imei
    for line in db_session.scalars(select(Line)):
        assert line.number.startswith("+1") and len(line.number) == 12
        for sim in line.sims:
            assert sim.iccid.startswith("89") and luhn.is_valid(sim.iccid)


def test_loading_the_demo_twice_changes_nothing(db_session):
    before = {m.__name__: count(db_session, m) for m in (User, Line, Device, Carrier, ApprovalPolicy)}
    assert load_demo() is False
    after = {m.__name__: count(db_session, m) for m in (User, Line, Device, Carrier, ApprovalPolicy)}
    assert before == after


def test_seed_demo_command_prints_the_demo_logins(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0
    assert "already loaded" in result.output
    for email in (
        "employee@example.com",
        "manager@example.com",
        "telecom@example.com",
        "helpdesk@example.com",
        "admin@example.com",
    ):
        assert email in result.output
