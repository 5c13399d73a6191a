"""The append-only history of inventory records: apply changes field by field, and write who changed what, when.

Manual edits, CSV imports and order completions all change inventory through `apply_changes`, so every change
lands in the history the same way.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, inspect, or_, select
from sqlalchemy.orm import joinedload

from app import clock, formatting
from app.database import DbSession
from app.extensions import db
from app.models import InventoryChange, Order, User

RECORD_TYPES = {
    "lines": "line",
    "devices": "device",
    "sims": "sim",
    "stipends": "stipend",
    "users": "employee",
    "sites": "site",
    "wireline_services": "service",
}

# The words for a field where they are not simply its name in sentence case (the forms use the same ones).
FIELD_LABELS = {
    "imei": "IMEI",
    "iccid": "ICCID",
    "number": "Phone number",
    "serial": "Serial number",
    "suspend_reason": "Suspension reason",
    "monthly_cents": "Monthly amount",
    "circuit_id": "Circuit ID",
    "bandwidth_mbps": "Bandwidth (Mbps)",
    "term_months": "Contract term (months)",
    "contract_ends_on": "Contract ends on",
    "numbers": "Telephone numbers",
    "ip_block": "IP block",
    "caller_id_name": "Caller ID name",
    "disconnects_on": "Disconnects on",
    "unit": "Suite or floor",
    "zip_code": "ZIP code",
    "hours": "Hours for installers",
    "contact": "Site contact",
}

# Where the words for a status are not simply its code in sentence case.
STATUS_WORDS = {
    "lost_stolen": "Lost or stolen",
    "esim": "eSIM",
    # wireline services' kinds
    "internet": "Business internet",
    "dedicated_internet": "Dedicated internet access",
    "mpls": "MPLS circuit",
    "sd_wan": "SD-WAN circuit",
    "pots": "Analog (POTS) line",
    "sip_trunk": "SIP trunk",
    "toll_free": "Toll-free number",
}


def status_label(value: Any) -> str:
    """A status as words: 'pending_return' → 'Pending return', 'lost_stolen' → 'Lost or stolen'."""
    return STATUS_WORDS.get(getattr(value, "value", value), formatting.label(value))


def record_type(record: Any) -> str:
    """'line', 'device', 'sim', 'stipend', 'employee', 'site' or 'service', from the record's table."""
    return RECORD_TYPES[record.__tablename__]


def field_label(field: str) -> str:
    return FIELD_LABELS.get(field, field.replace("_", " ").capitalize())


def readable(field: str, value: Any) -> str | None:
    """A value as people read it, for the history and for pages: None stays None (shown as blank)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, enum.Enum):
        return status_label(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if field == "number":
        return formatting.phone(value)
    if field == "imei":
        return formatting.imei(value)
    if field.endswith("_cents"):
        return formatting.money(value)
    if isinstance(value, db.Model):
        return _describe(value)
    return str(value)


def _describe(record: Any) -> str:
    if isinstance(record, User):
        return f"{record.name} ({record.email})"
    if record.__tablename__ == "lines":
        return formatting.phone(record.number)
    return str(record)


def _relationship_for(record: Any, key: str) -> tuple[str, Any]:
    """A foreign-key name ('employee_id') as its relationship ('employee') and the class it points to."""
    mapper = inspect(record).mapper
    for rel in mapper.relationships:
        if rel.direction.name == "MANYTOONE" and [c.key for c in rel.local_columns] == [key]:
            return rel.key, rel.mapper.class_
    return key, None


def apply_changes(
    session: DbSession, record: Any, values: dict[str, Any], *, actor: User | None, order: Order | None = None
) -> list[InventoryChange]:
    """Set each attribute whose value really changes, and add one history row per changed field.

    `values` maps attribute names to new values; a relationship may be given by its name ('employee': a User)
    or by its foreign key ('employee_id': 7), and either way the history reads 'Employee: Erin Park → …'.
    Returns the history rows added to the session (nothing is flushed or committed here).
    """
    if record.id is None:
        session.add(record)
        session.flush()
    changes: list[InventoryChange] = []
    at = clock.now()
    for key, new in values.items():
        field, target = _relationship_for(record, key)
        old = getattr(record, field)
        if target is not None:  # a foreign key: compare ids, describe the objects
            if (old.id if old is not None else None) == new:
                continue
            new_object = session.get(target, new) if new is not None else None
            setattr(record, field, new_object)
            old_text, new_text = readable(field, old), readable(field, new_object)
        else:
            if _same(old, new):
                continue
            setattr(record, field, new)
            old_text, new_text = readable(field, old), readable(field, new)
        changes.append(
            InventoryChange(
                at=at,
                actor=actor,
                record_type=record_type(record),
                record_id=record.id,
                field=field,
                old_value=old_text,
                new_value=new_text,
                order_id=order.id if order is not None else None,
            )
        )
    session.add_all(changes)
    return changes


def record_created(
    session: DbSession, record: Any, *, actor: User | None, order: Order | None = None, note: str = "created"
) -> InventoryChange:
    """One history row saying a record came into being (by hand, by import or by an order)."""
    if record.id is None:
        session.add(record)
        session.flush()
    change = InventoryChange(
        at=clock.now(),
        actor=actor,
        record_type=record_type(record),
        record_id=record.id,
        field="record",
        old_value=None,
        new_value=note,
        order_id=order.id if order is not None else None,
    )
    session.add(change)
    return change


def record_change(
    session: DbSession,
    record: Any,
    field: str,
    old: str | None,
    new: str | None,
    *,
    actor: User | None,
    order: Order | None = None,
) -> InventoryChange:
    """A history row for a change `apply_changes` cannot see (a collection: a line's features, a device's
    accessories), in the words people read."""
    change = InventoryChange(
        at=clock.now(),
        actor=actor,
        record_type=record_type(record),
        record_id=record.id,
        field=field,
        old_value=old,
        new_value=new,
        order_id=order.id if order is not None else None,
    )
    session.add(change)
    return change


def records_created(
    session: DbSession, records: list[Any], *, actor: User | None, order: Order | None = None, note: str = "created"
) -> None:
    """`record_created` for many flushed records at once, in one INSERT (a CSV import adds thousands)."""
    at = clock.now()
    rows = [
        {
            "at": at,
            "actor_id": actor.id if actor is not None else None,
            "record_type": record_type(r),
            "record_id": r.id,
            "field": "record",
            "old_value": None,
            "new_value": note,
            "order_id": order.id if order is not None else None,
        }
        for r in records
    ]
    if rows:
        session.execute(insert(InventoryChange), rows)


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, db.Model) or isinstance(new, db.Model):
        return old is new
    if old in (None, "") and new in (None, ""):
        return True
    return old == new


def history_of(session: DbSession, *records: Any, limit: int = 200) -> list[InventoryChange]:
    """The newest changes to any of these records first (a line page shows its line, device and SIMs)."""
    keys = [(record_type(r), r.id) for r in records if r is not None and r.id is not None]
    if not keys:
        return []
    return list(
        session.scalars(
            select(InventoryChange)
            .where(or_(*[(InventoryChange.record_type == t) & (InventoryChange.record_id == i) for t, i in keys]))
            .options(joinedload(InventoryChange.actor), joinedload(InventoryChange.order))
            .order_by(InventoryChange.at.desc(), InventoryChange.id.desc())
            .limit(limit)
        )
    )


def last_change(session: DbSession, record: Any) -> InventoryChange | None:
    """Who changed the record last, and when."""
    found = history_of(session, record, limit=1)
    return found[0] if found else None
