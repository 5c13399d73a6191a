"""Carrier updates: received (validated, stored once by update id), then applied by the worker.

The API answers as soon as an update is stored; `apply_update` runs in the worker (or the periodic sweep,
if Redis was down) and applies it exactly once: it claims the row with a conditional update first.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.fulfilment.effects import missing_for_completion
from app.fulfilment.records import FulfilmentError, InvalidReport, apply_report, check_allowed, parse_report
from app.models import Carrier, CarrierUpdate, Order, ReportedDevice
from app.orders import lifecycle


class UnknownOrder(Exception):
    """No such order for this carrier."""


@dataclass
class Received:
    outcome: str  # "accepted" or "duplicate"
    update: CarrierUpdate | None


def receive(session: Session, carrier: Carrier, payload: object) -> Received:
    """Validate and store one update. Raises InvalidReport (422), UnknownOrder (404), FulfilmentError (409)."""
    if not isinstance(payload, dict):
        raise InvalidReport({"body": "Send a JSON object."})
    errors = {}
    update_id, number = payload.get("update_id"), payload.get("order_number")
    if not isinstance(update_id, str) or not update_id.strip() or len(update_id) > 80:
        errors["update_id"] = "Give a unique update id (a string of 1 to 80 characters)."
    if not isinstance(number, str) or not number.strip():
        errors["order_number"] = "Give the order number, like WO-000123."
    if payload.get("status") is None:
        errors["status"] = "Give the status."
    try:
        report = parse_report(payload)
    except InvalidReport as invalid:
        errors.update(invalid.errors)
        report = None
    if errors:
        raise InvalidReport(errors)
    order = session.scalar(select(Order).where(Order.number == number.strip()))
    if order is None or order.carrier_id != carrier.id:
        raise UnknownOrder(f"No order {number} for {carrier.name}.")
    existing = session.scalar(select(CarrierUpdate).where(CarrierUpdate.carrier_id == carrier.id,
                                                          CarrierUpdate.update_id == update_id))
    if existing is not None:
        return Received("duplicate", existing)
    check_allowed(order, report.status)
    if report.status == "completed" and order.status.value != "completed":
        missing = _missing_after(order, report)
        if missing:
            raise InvalidReport(missing)
    stored = CarrierUpdate(carrier_id=carrier.id, update_id=update_id, order_id=order.id, payload=payload)
    session.add(stored)
    try:
        session.flush()
    except IntegrityError:  # the same update arrived twice at once: the other copy was stored first
        session.rollback()
        return Received("duplicate", None)
    return Received("accepted", stored)


def _missing_after(order: Order, report) -> dict[str, str]:
    """What completion would still lack once this report's own facts are recorded."""
    devices = [ReportedDevice(imei=d.imei, serial=d.serial, iccid=d.iccid) for d in report.devices]
    probe = type("Probe", (), {})()
    probe.type, probe.details = order.type, order.details
    probe.service_number = report.service_number or order.service_number
    probe.reported_devices = list(order.reported_devices) + devices
    return missing_for_completion(probe)


def apply_update(session: Session, update_row_id: int) -> str:
    """Apply a stored update once; returns its outcome ("applied", "late: recorded", "refused: …")."""
    claimed = session.execute(update(CarrierUpdate).where(CarrierUpdate.id == update_row_id,
                                                          CarrierUpdate.applied_at.is_(None))
                              .values(applied_at=lifecycle.utcnow()).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        session.rollback()
        return "already applied"
    stored = session.get(CarrierUpdate, update_row_id)
    order = session.get(Order, stored.order_id)
    try:
        with session.begin_nested():
            outcome = apply_report(session, order, parse_report(stored.payload))
    except (FulfilmentError, InvalidReport) as refusal:
        outcome = f"refused: {refusal}"
        lifecycle.record(session, order, "carrier_update", None,
                         comment=f"An update from {order.carrier.name} could not be applied: {refusal}",
                         data={"update_id": stored.update_id})
    stored.outcome = outcome[:200]
    return outcome


def unapplied(session: Session, limit: int = 500) -> list[int]:
    return list(session.scalars(select(CarrierUpdate.id).where(CarrierUpdate.applied_at.is_(None))
                                .order_by(CarrierUpdate.id).limit(limit)))
