"""The simulated carrier's words fit the order type: no backorder or shipment for a type that ships nothing, no
"Activated" for an accessory or a plan change; every status it reports is one the type's progress has."""

from datetime import datetime, timedelta

import pytest

from app.fulfilment import simulator
from app.fulfilment.records import REPORTED_STATUS
from app.models import Order, OrderEvent, OrderStatus, User
from app.orders.presenting import milestones_of
from app.orders.types import REGISTRY

MONDAY = datetime(2025, 3, 3, 9, 0)
BACKORDERED_ID, PLAIN_ID = 3, 1  # the simulator backorders about one order in seven, by its id


def simulated_run(db_session, code: str, order_id: int) -> list[tuple[str, OrderStatus, str]]:
    """Every update the simulator sends for an approved order of `code`, from acknowledgement to completion, as
    (carrier status, the order status it leads to, message)."""
    order = Order(id=order_id, number=f"WO-{order_id:06d}", type=code, status=OrderStatus.APPROVED, details={})
    order.employee = User(name="Erin Diaz", email="erin@example.com")
    order.updated_at = MONDAY
    sent = []
    for _ in range(6):
        update = simulator.next_update(db_session, order, MONDAY + timedelta(hours=1), timedelta(minutes=5))
        if update is None:
            break
        status = REPORTED_STATUS[update["status"]]
        sent.append((update["status"], status, update.get("message", "")))
        order.events.append(OrderEvent(kind=update["status"]))
        order.status = status
    return sent


@pytest.mark.parametrize("order_id", [BACKORDERED_ID, PLAIN_ID])
@pytest.mark.parametrize("code", list(REGISTRY))
def test_the_simulated_carrier_says_only_what_the_type_can_have(db_session, code, order_id):
    order_type = REGISTRY[code]
    sent = simulated_run(db_session, code, order_id)
    if not order_type.carrier_fulfilled:
        return  # completed at its final approval: the carrier never hears of it (nothing was sent)
    milestones = {status for _, status in milestones_of(order_type)}
    assert sent[-1][:2] == ("completed", OrderStatus.COMPLETED), sent
    for status, order_status, message in sent:
        assert order_status in milestones, (code, status)
        if not order_type.ships:
            assert status not in ("backordered", "shipped"), (code, status)
            assert "backorder" not in message.lower() and "ships" not in message, (code, message)
    done = sent[-1][2]
    assert done.startswith("Activated") == order_type.activates({}), (code, done)
    if code == "accessory":
        assert done == "Delivered by Northwind Wireless."
    if code == "change_plan":
        assert "Activated" not in done and "device" not in done


def test_a_shipping_type_is_backordered_now_and_then_and_says_so(db_session):
    statuses = [status for status, _, _ in simulated_run(db_session, "new_line", BACKORDERED_ID)]
    assert statuses == ["acknowledged", "backordered", "shipped", "completed"]
    assert simulator.backorder_message(REGISTRY["new_line"])
    assert simulator.backorder_message(REGISTRY["change_plan"]) is None


@pytest.mark.parametrize("code", list(REGISTRY))
def test_a_delay_the_carrier_flags_fits_the_type(code):
    words = simulator.delay_message(REGISTRY[code])
    assert ("backordered" in words) == REGISTRY[code].ships, words
