"""Ordering: the demo catalog by name, a valid order of each type, and placing an order through the real pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import (
    Accessory,
    Carrier,
    Device,
    DeviceModel,
    DeviceStatus,
    Feature,
    Line,
    LineStatus,
    Order,
    Plan,
    ServiceKind,
    ServiceStatus,
    Site,
    Stipend,
    StipendStatus,
    StipendTier,
    User,
    WirelineService,
)
from tests.support.helpers import ERIN

OFFICE = {"ship_to": "office"}
PIN = "483920"


@dataclass
class Demo:
    """Ids from the demo company that ordering tests need."""

    app: object

    def q(self, statement):
        with self.app.app_context():
            return db.session.scalar(statement)

    def user(self, email: str) -> int:
        return self.q(select(User.id).where(User.email == email))

    def carrier(self, code: str) -> int:
        return self.q(select(Carrier.id).where(Carrier.code == code))

    def plan(self, carrier: str, name: str) -> int:
        return self.q(select(Plan.id).join(Carrier).where(Carrier.code == carrier, Plan.name == name))

    def feature(self, carrier: str, code: str) -> int:
        return self.q(select(Feature.id).join(Carrier).where(Carrier.code == carrier, Feature.code == code))

    def model(self, name: str) -> int:
        return self.q(select(DeviceModel.id).where(DeviceModel.name == name))

    def accessory(self, name: str) -> int:
        return self.q(select(Accessory.id).where(Accessory.name == name))

    def tier(self, name: str) -> int:
        return self.q(select(StipendTier.id).where(StipendTier.name == name))

    def line_of(self, email: str, status: LineStatus = LineStatus.ACTIVE) -> int:
        return self.q(
            select(Line.id)
            .join(User, Line.employee_id == User.id)
            .where(User.email == email, Line.status == status)
            .order_by(Line.id)
        )

    def device_of(self, email: str) -> int:
        return self.q(
            select(Device.id)
            .join(User, Device.employee_id == User.id)
            .where(User.email == email, Device.status == DeviceStatus.ASSIGNED)
            .order_by(Device.id)
        )

    def in_stock(self, model_name: str) -> int:
        return self.q(
            select(Device.id)
            .join(DeviceModel)
            .where(Device.status == DeviceStatus.IN_STOCK, DeviceModel.name == model_name)
            .order_by(Device.id)
        )

    def site(self, name: str) -> int:
        return self.q(select(Site.id).where(Site.name == name))

    def service(self, kind: ServiceKind, site: str = "New York HQ") -> int:
        return self.q(
            select(WirelineService.id)
            .join(Site)
            .where(Site.name == site, WirelineService.kind == kind, WirelineService.status == ServiceStatus.ACTIVE)
            .order_by(WirelineService.id)
        )

    def owner_of_line(self, status: LineStatus, days_disconnected: int | None = None) -> str:
        with self.app.app_context():
            lines = db.session.scalars(select(Line).where(Line.status == status)).all()
            for line in lines:
                if days_disconnected is None or (clock.today() - line.disconnected_on).days == days_disconnected:
                    return line.employee.email
        raise LookupError(status)

    def stipend_holder(self) -> str:
        with self.app.app_context():
            stipend = db.session.scalars(select(Stipend).where(Stipend.status == StipendStatus.ACTIVE)).first()
            return stipend.employee.email

    def order(self, number: str) -> Order:
        with self.app.app_context():
            order = db.session.scalar(select(Order).where(Order.number == number))
            db.session.expunge_all()
            return order


def fill(client, code: str, data: dict, *, for_user: int | None = None, action: str = "review"):
    """Post the order form for `code`; returns the response (a redirect to review when valid)."""
    url = f"/orders/new/{code}" + (f"?for={for_user}" if for_user else "")
    client.get(url)
    return client.post(url, {**data, "action": action})


def place(client, code: str, data: dict, *, for_user: int | None = None) -> str:
    """Fill, review and submit an order; returns its number."""
    response = fill(client, code, data, for_user=for_user)
    assert response.status_code == 302, _errors(response)
    review_url = response.headers["Location"]
    assert "/review" in review_url
    review = client.get(review_url)
    assert "Submit order" in review.get_data(as_text=True)
    number = review_url.split("/")[2]
    submitted = client.post(f"/orders/{number}/submit", {})
    assert submitted.status_code == 302 and submitted.headers["Location"] == f"/orders/{number}"
    return number


def _errors(response) -> str:
    import re

    html = response.get_data(as_text=True)
    import html as html_module

    found = re.findall(r'class="field-error">([^<]*)<', html) + re.findall(r'role="alert">([^<]*)<', html)
    return "; ".join(html_module.unescape(text) for text in found)


def errors_of(response) -> str:
    return _errors(response)


def age_erins_device(app, days: int, model_name: str | None = None) -> None:
    """Make Erin's device `days` old (and of `model_name`), e.g. old enough for an upgrade."""
    with app.app_context():
        line = db.session.scalar(select(Line).join(User, Line.employee_id == User.id).where(User.email == ERIN))
        line.device.activated_on = line.device.purchased_on = clock.today() - timedelta(days=days)
        if model_name:
            line.device.model = db.session.scalar(select(DeviceModel).where(DeviceModel.name == model_name))
        db.session.commit()


def valid_orders(demo: Demo) -> dict[str, tuple[str, dict, str | None]]:
    """For each type: who orders (role), the form answers, and for whom (an email) when on behalf."""
    line = demo.line_of(ERIN)
    account = {
        "account_number": "PERS-22918",
        "transfer_pin": PIN,
        "billing_zip": "10118",
        "account_holder": "Erin Park",
    }
    suspended_owner = demo.owner_of_line(LineStatus.SUSPENDED)
    return {
        "new_line": (
            "employee",
            {
                "carrier": demo.carrier("northwind"),
                "plan": demo.plan("northwind", "Business Unlimited"),
                "device_model": demo.model("iPhone 16"),
                "sim_kind": "physical",
                **OFFICE,
            },
            None,
        ),
        "upgrade": ("employee", {"line": line, "device_model": demo.model("iPhone 16 Pro"), **OFFICE}, None),
        "warranty_replacement": (
            "employee",
            {
                "line": line,
                "problem": "defect",
                "problem_description": "The screen stays black.",
                "warranty_terms": "y",
                **OFFICE,
            },
            None,
        ),
        "accessory": (
            "employee",
            {"device": demo.device_of(ERIN), "accessories": demo.accessory("USB-C fast charger 30 W"), **OFFICE},
            None,
        ),
        "port_in": (
            "employee",
            {
                "line": line,
                "carrier": demo.carrier("contoso"),
                "plan": demo.plan("contoso", "Business Unlimited"),
                "sim_kind": "esim",
                **account,
                **OFFICE,
            },
            None,
        ),
        "transfer_liability": (
            "employee",
            {
                "direction": "to_corporate",
                "phone_number": "(415) 555-0100",
                "carrier": demo.carrier("northwind"),
                "plan": demo.plan("northwind", "Business 10 GB"),
                **account,
            },
            None,
        ),
        "stipend_enroll": ("employee", {"tier": demo.tier("Standard")}, None),
        "activate_in_stock": (
            "employee",
            {
                "stock_device": demo.in_stock("Galaxy A56"),
                "carrier": demo.carrier("contoso"),
                "plan": demo.plan("contoso", "Business 10 GB"),
            },
            None,
        ),
        "change_features": (
            "employee",
            {"line": line, "features": [demo.feature("northwind", "visual_vm"), demo.feature("northwind", "hotspot")]},
            None,
        ),
        "change_plan": ("employee", {"line": line, "plan": demo.plan("northwind", "Business 10 GB")}, None),
        "change_number": (
            "employee",
            {"line": line, "preferred_area_code": "212", "reason": "Too many spam calls."},
            None,
        ),
        "swap_to_stock_device": ("employee", {"line": line, "stock_device": demo.in_stock("iPhone 16")}, None),
        "sim_request": ("employee", {"line": line, "sim_kind": "esim", "reason": "Moving to eSIM.", **OFFICE}, None),
        "restore": ("helpdesk", {"line": demo.line_of(suspended_owner, LineStatus.SUSPENDED)}, suspended_owner),
        "assign_line": ("helpdesk", {"line": line, "new_employee": demo.user("manager@example.com")}, ERIN),
        "suspend": ("employee", {"line": line, "reason": "On leave for two months."}, None),
        "disconnect": (
            "employee",
            {"line": line, "effective_on": clock.today().isoformat(), "disposition": "return_to_stock"},
            None,
        ),
        "stipend_remove": ("helpdesk", {"effective_on": clock.today().isoformat()}, demo.stipend_holder()),
        **wireline_orders(demo),
    }


TELECOM = "telecom@example.com"  # Tara: the telecom team orders wireline services


def wireline_orders(demo: Demo) -> dict[str, tuple[str, dict, str | None]]:
    """A valid order of each wireline type, placed by Tara (the telecom team) on the demo's sites."""
    later = (clock.today() + timedelta(days=30)).isoformat()
    return {
        "wireline_new": (
            "telecom",
            {
                "site": demo.site("Boston branch office"),
                "kind": "internet",
                "bandwidth_mbps": "500",
                "carrier": demo.carrier("contoso"),
                "term_months": "36",
                "monthly_quote": "349.00",
                "one_time_quote": "250.00",
                "install_on": later,
            },
            None,
        ),
        "wireline_capacity": (
            "telecom",
            {
                "service": demo.service(ServiceKind.DEDICATED_INTERNET),
                "bandwidth_mbps": "2000",
                "monthly_quote": "2400",
            },
            None,
        ),
        "wireline_numbers": (
            "telecom",
            {"service": demo.service(ServiceKind.SIP_TRUNK), "numbers_to_add": "10"},
            None,
        ),
        "wireline_move": (
            "telecom",
            {
                "service": demo.service(ServiceKind.INTERNET, "Denver field office"),
                "to_site": demo.site("Boston branch office"),
                "install_on": later,
                "old_disconnect_on": (clock.today() + timedelta(days=45)).isoformat(),
            },
            None,
        ),
        "wireline_features": (
            "telecom",
            {"service": demo.service(ServiceKind.SIP_TRUNK), "hunt_group": "circular", "caller_id_name": "DIALTONE HQ"},
            None,
        ),
        "wireline_disconnect": (
            "telecom",
            {"service": demo.service(ServiceKind.POTS), "disconnect_on": clock.today().isoformat()},
            None,
        ),
    }
