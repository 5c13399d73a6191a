"""Carrier secrets: the webhook secret (made here, stored encrypted, shown in clear once, on creation or rotation)
and the API signing secret an admin gives for API mode (stored encrypted, never shown)."""

from __future__ import annotations

import secrets

from app.crypto import decrypt, encrypt
from app.models import Carrier


def rotate_webhook_secret(carrier: Carrier) -> str:
    """Give `carrier` a new random webhook secret; returns it in clear, for the admin to copy once."""
    secret = secrets.token_urlsafe(32)
    carrier.webhook_secret_encrypted = encrypt(secret)
    return secret


def webhook_secret(carrier: Carrier) -> str | None:
    """The secret in clear, for checking signatures (never for display)."""
    return decrypt(carrier.webhook_secret_encrypted) if carrier.webhook_secret_encrypted else None


def set_api_secret(carrier: Carrier, secret: str) -> None:
    """Store the secret the portal signs what it sends to the carrier's API with (API mode), encrypted."""
    carrier.api_secret_encrypted = encrypt(secret)


def api_secret(carrier: Carrier) -> str | None:
    """The API signing secret in clear, for signing a request (never for display)."""
    return decrypt(carrier.api_secret_encrypted) if carrier.api_secret_encrypted else None
