"""Ordering: New order, the form per type, review and submit, My orders, the order page."""

from flask import Blueprint

from app.catalog.pictures import key_specs, picture_url
from app.inventory.history import status_label
from app.orders import lifecycle
from app.orders.presenting import carrier_refusal, event_label, install_date, outside_area_code
from app.orders.types import REGISTRY

bp = Blueprint("orders", __name__, url_prefix="/orders")


@bp.app_context_processor
def order_globals() -> dict:
    return {
        "order_types": REGISTRY,
        "event_label": event_label,
        "open_statuses": lifecycle.OPEN,
        "outside_area_code": outside_area_code,
        "carrier_refusal": carrier_refusal,
        "device_picture_url": picture_url,
        "key_specs": key_specs,
        "service_kind": status_label,
        "install_date": install_date,  # 'internet' → 'Business internet'
    }


from app.web.orders import lost, routes  # noqa: E402,F401
