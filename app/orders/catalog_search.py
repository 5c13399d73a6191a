"""The catalog search of New order: what someone types finds the order types (by any word of their name or
description) and the device models (by maker, model, kind, storage, colour and specs words).

Every typed word must start a word of what it finds, as in the people search (app.search_words): "pix" finds the
Pixel 9, "new li" the New line, "128 black" the phones of 128 GB in black; case and accents do not matter ("Pixél"
finds the Pixel). The catalog is small (tens of device models, a few dozen order types), so its active rows are read
in one query and matched here, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.database import DbSession
from app.models import DeviceModel
from app.orders.types.base import OrderType
from app.search_words import all_found, terms_of, words_in

MAX_TYPED = 100  # characters of the search box read


@dataclass(frozen=True)
class CatalogMatches:
    """What the search found: the order types (all of them when nothing was typed) and the device models (none)."""

    text: str
    order_types: list[OrderType] = field(default_factory=list)
    devices: list[DeviceModel] = field(default_factory=list)

    @property
    def nothing(self) -> bool:
        return bool(self.text) and not self.order_types and not self.devices


def order_type_words(order_type: OrderType) -> set[str]:
    return words_in(order_type.name, order_type.description)


def device_words(model: DeviceModel) -> set[str]:
    storage = f"{model.storage_gb} {model.storage_gb}gb gb" if model.storage_gb else ""
    esim = "esim" if model.esim else ""
    return words_in(model.maker, model.name, model.kind, model.color, model.specs, storage, esim)


def search_catalog(session: DbSession, text: str, order_types: Iterable[OrderType]) -> CatalogMatches:
    """The order types and active device models that every word of `text` finds (devices only once something is
    typed), device models by maker, name, storage and colour, with their carriers loaded."""
    text = (text or "").strip()[:MAX_TYPED]
    terms = terms_of(text)
    if not terms:
        return CatalogMatches(text="", order_types=list(order_types))
    models = session.scalars(
        select(DeviceModel)
        .where(DeviceModel.active)
        .options(selectinload(DeviceModel.carriers))
        .order_by(DeviceModel.maker, DeviceModel.name, DeviceModel.storage_gb, DeviceModel.color)
    ).all()
    return CatalogMatches(
        text=text,
        order_types=[t for t in order_types if all_found(terms, order_type_words(t))],
        devices=[m for m in models if all_found(terms, device_words(m))],
    )
