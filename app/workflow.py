"""What happens around a status change that crosses areas (ordering → approvals → fulfilment).

Views call these after the lifecycle has moved an order, so that orders never import the areas built on them.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from app.models import Order


def after_submit(session: Session, order: Order) -> None:
    """A submitted order gets its approval steps (the approvals area lays them out)."""
