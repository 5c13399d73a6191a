"""Encryption at rest for secrets (transfer PINs, webhook secrets), and masking for display."""

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


def _fernet() -> Fernet:
    key = current_app.config.get("ENCRYPTION_KEY")
    if key:
        return Fernet(key.encode() if isinstance(key, str) else key)
    # Without an explicit key, derive one from SECRET_KEY so a fresh install still never stores secrets in clear.
    digest = hashlib.sha256(("dialtone-secrets:" + current_app.config["SECRET_KEY"]).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # the key changed: say so rather than show garbage
        raise ValueError("This secret was encrypted with another key") from exc


def encrypt_json(values: dict[str, Any]) -> str | None:
    return encrypt(json.dumps(values)) if values else None


def decrypt_json(token: str | None) -> dict[str, Any]:
    return json.loads(decrypt(token)) if token else {}


def mask(value: str | None, keep: int = 2) -> str:
    """'483920' → '••••20': never more than the last `keep` characters."""
    if not value:
        return ""
    shown = value[-keep:] if len(value) > keep * 2 else ""
    return "•" * max(len(value) - len(shown), 4) + shown
