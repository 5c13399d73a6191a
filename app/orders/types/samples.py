"""What sample generators share when they make up an order's details: a carrier, a plan, a device model, where
it ships. Each order type's own `sample` (beside its definition) uses these."""

from __future__ import annotations

import random

from app.formatting import money, phone
from app.orders.types.base import SampleDraft, SampleWorld

# Area codes of the cities the sample companies have offices in (the first is the usual one).
AREA_CODES = {
    "New York": ("212", "646"),
    "Denver": ("303", "720"),
    "Chicago": ("312", "773"),
    "Austin": ("512", "737"),
    "Seattle": ("206", "425"),
    "Atlanta": ("404", "678"),
}


def area_code(city: str) -> str:
    return AREA_CODES.get(city, ("212",))[0]


def line_summary(draft: SampleDraft) -> None:
    if draft.line is not None:
        draft.summary.append(["Line", phone(draft.line.number)])


def pick_plan(draft: SampleDraft, rng: random.Random, label: str = "Plan") -> dict:
    if draft.carrier is None:
        raise ValueError("a plan is picked from a carrier: pick the carrier first")
    plan = rng.choice(draft.carrier["plans"])
    draft.details["plan"] = plan["id"]
    draft.summary.append([label, f"{plan['name']} · {money(plan['cents'])}/month"])
    return plan


def pick_model(world: SampleWorld, draft: SampleDraft, rng: random.Random, label: str = "Device") -> dict:
    model = rng.choice(world.models)
    draft.details["device_model"] = model["id"]
    draft.summary.append([label, f"{model['name']} · {money(model['cents'])}"])
    draft.one_time += model["cents"]
    return model


def pick_carrier(
    world: SampleWorld, draft: SampleDraft, rng: random.Random, label: str = "Carrier", other_than: dict | None = None
) -> dict:
    choices = [c for c in world.carriers if other_than is None or c["id"] != other_than["id"]] or world.carriers
    draft.carrier = rng.choice(choices)
    draft.details["carrier"] = draft.carrier["id"]
    draft.summary.append([label, draft.carrier["name"]])
    return draft.carrier


def ship_to_office(draft: SampleDraft) -> None:
    draft.details["ship_to"] = "office"
    draft.summary.append(["Ship to", f"{draft.employee.name}, the {draft.employee.city} office"])
