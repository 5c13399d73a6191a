"""The Wireline module's order types: services at the company's sites (internet, circuits, analog lines, SIP
trunks, toll-free numbers). One module per type, each registering itself; parts.py and effects.py hold what they
share."""

from app.orders.types.wireline import (  # noqa: F401  (each registers its type)
    capacity,
    disconnect,
    features,
    move,
    new_service,
    numbers,
)
