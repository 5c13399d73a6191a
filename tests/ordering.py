"""Helpers for ordering tests: the demo catalog by name, and placing an order through the real pages."""

from __future__ import annotations

from dataclasses import dataclass

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
    Stipend,
    StipendStatus,
    StipendTier,
    User,
)


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
