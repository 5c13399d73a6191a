"""How a request between the portal and a carrier is signed, both ways: HMAC-SHA256 with the secret they share,
over the body alone (the original scheme, POST only) or over the method, the path, a timestamp and the body."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime


def signature(secret: str, body: bytes) -> str:
    """The body-only signature of a POST (the original scheme)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed_request(secret: str, method: str, path: str, timestamp: str, body: bytes = b"") -> str:
    """The signature of a request with its method, path and timestamp (every method)."""
    message = f"{method.upper()}\n{path}\n{timestamp}\n".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def timestamp_of(moment: datetime) -> str:
    """X-Dialtone-Timestamp for a (naive UTC) moment: Unix seconds with six decimals, so that two requests signed
    in one second are signed differently."""
    return f"{moment.replace(tzinfo=UTC).timestamp():.6f}"


def signed_headers(secret: str, method: str, path: str, moment: datetime, body: bytes = b"") -> dict[str, str]:
    """The timestamp and signature headers of a request signed at `moment`."""
    timestamp = timestamp_of(moment)
    return {
        "X-Dialtone-Timestamp": timestamp,
        "X-Dialtone-Signature": signed_request(secret, method, path, timestamp, body),
    }
