"""Carrier adapters: one small interface, one adapter per fulfilment mode.

`hand_off` is called once an order is approved; `advance` is called by the periodic sweep and moves an order on
when the carrier itself is simulated; `cancel` asks the carrier to cancel an order it has. A manual carrier waits
for the fulfillment team (console) or for the carrier's own pushes through the API. An API carrier is sent the
order and its cancellation by the worker (app.fulfilment.outbound) and pushes back through the API.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager

from app import clock
from app.database import DbSession
from app.fulfilment import outbound, simulator
from app.fulfilment.records import FulfilmentError
from app.fulfilment.updates import Received, apply_update, receive
from app.models import Carrier, FulfilmentMode, Order, OrderStatus
from app.orders import lifecycle

# What the simulated carrier still has to act on.
SIMULATOR_MOVES = (
    OrderStatus.APPROVED,
    OrderStatus.WITH_CARRIER,
    OrderStatus.SHIPPED,
    OrderStatus.CANCELLATION_REQUESTED,
)


class CarrierAdapter(ABC):
    mode: FulfilmentMode

    @abstractmethod
    def hand_off(self, session: DbSession, order: Order) -> None:
        """Give the approved order to the carrier (once: the order's handed_off_at says it was)."""

    def advance(self, session: DbSession, order: Order, now: datetime) -> bool:
        return False

    def cancel(self, session: DbSession, order: Order, reason: str) -> None:
        """Ask the carrier to cancel an order it has (the order is "cancellation requested" now). By default
        nothing more is sent: the fulfillment team is told by email and answers in the console."""
        return None


class ManualCarrier(CarrierAdapter):
    """The fulfillment team places the order in the carrier's portal and types the results in the console."""

    mode = FulfilmentMode.MANUAL

    def hand_off(self, session: DbSession, order: Order) -> None:
        lifecycle.hand_off(
            session, order, f"Waiting for the fulfillment team to place it with {carrier_of(order).name}."
        )


class SimulatedCarrier(CarrierAdapter):
    """The built-in simulator: every step is a carrier update, applied as if the carrier had pushed it."""

    mode = FulfilmentMode.SIMULATED

    def hand_off(self, session: DbSession, order: Order) -> None:
        lifecycle.hand_off(session, order, f"Sent to {carrier_of(order).name}.")
        self.advance(session, order, clock.now())

    @staticmethod
    def pace() -> timedelta:
        """How long the simulated carrier takes over each step."""
        return timedelta(seconds=float(current_app.config.get("SIMULATOR_PACE_SECONDS", 20)))

    def advance(self, session: DbSession, order: Order, now: datetime) -> bool:
        payload = simulator.next_update(session, order, now, self.pace())
        if payload is None:
            return False
        received: Received = receive(session, carrier_of(order), payload)
        if received.outcome == "accepted" and received.update is not None:
            session.flush()
            apply_update(session, received.update.id)
        return received.outcome == "accepted"


class ApiCarrier(CarrierAdapter):
    """The carrier's own API: the worker sends the order, and any cancellation, to its endpoint (signed, retried
    with the same idempotency key until it answers); the carrier reports back through the signed webhook."""

    mode = FulfilmentMode.API

    def hand_off(self, session: DbSession, order: Order) -> None:
        lifecycle.hand_off(session, order, f"Being sent to {carrier_of(order).name} through its API.")
        outbound.queue_request(session, order, outbound.ORDER)

    def cancel(self, session: DbSession, order: Order, reason: str) -> None:
        outbound.queue_request(session, order, outbound.CANCEL)


ADAPTERS: dict[FulfilmentMode, CarrierAdapter] = {
    FulfilmentMode.MANUAL: ManualCarrier(),
    FulfilmentMode.SIMULATED: SimulatedCarrier(),
    FulfilmentMode.API: ApiCarrier(),
}


def carrier_of(order: Order) -> Carrier:
    """The carrier an order is fulfilled by (a carrier order always has one: its type's form asks for it)."""
    if order.carrier is None:
        raise FulfilmentError(f"{order.number} has no carrier on file.")
    return order.carrier


def adapter_for(carrier: Carrier) -> CarrierAdapter:
    return ADAPTERS[carrier.fulfilment_mode]


SWEPT = 500  # orders the simulator moves per sweep at most (the next sweep, five seconds on, takes the rest)


def in_flight_simulated(session: DbSession, now: datetime) -> list[Order]:
    """Orders with a simulated carrier that the carrier has yet to finish and whose next step is due (see
    `simulator.next_update`), with their carrier. Only those due are read: the sweep runs every few seconds, and
    with more than SWEPT in flight, reading the first ones by id whether due or not left the others waiting."""
    return list(
        session.scalars(
            select(Order)
            .join(Carrier, Order.carrier_id == Carrier.id)
            .options(contains_eager(Order.carrier))
            .where(
                Carrier.fulfilment_mode == FulfilmentMode.SIMULATED,
                Order.status.in_(SIMULATOR_MOVES),
                or_(Order.status == OrderStatus.APPROVED, Order.updated_at <= now - SimulatedCarrier.pace()),
            )
            .order_by(Order.id)
            .limit(SWEPT)
        )
    )
