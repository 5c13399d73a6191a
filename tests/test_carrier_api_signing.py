"""The carrier API, the one endpoint open without a session: the headers are checked before the body is read, a
body over the limit is refused unread (413), a malformed signature is a 401 (never a 500), and a signed request
carries its method, path and timestamp, is refused five minutes off and is accepted once."""

from __future__ import annotations

import io
import json

import pytest

from app.web.carrier_api import signature, signed_request
from tests.support.fulfilment import SECRET, approved, poll, push, signed_headers


@pytest.fixture
def number(app, login, demo) -> str:
    return approved(app, login, demo, "new_line")  # fulfilled by Northwind


class CountingStream(io.RawIOBase):
    """A request body of `size` bytes that counts how much of it the app reads."""

    def __init__(self, size: int):
        self.size, self.read_bytes = size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.size - self.read_bytes)
        buffer[:n] = b"x" * n
        self.read_bytes += n
        return n


def _post_stream(app, stream: CountingStream, headers: dict, length: int | None):
    environ = {"wsgi.input": stream}
    if length is not None:
        environ["CONTENT_LENGTH"] = str(length)
    return app.test_client().post(
        "/api/v1/carrier-updates",
        headers={"Content-Type": "application/json", **headers},
        environ_overrides=environ,
    )


# ---------------------------------------------------------------- the body is not read before the headers pass
def test_a_huge_body_is_refused_with_413_without_being_read(app):
    stream = CountingStream(600 * 1024 * 1024)
    good_headers = {"X-Dialtone-Carrier": "northwind", "X-Dialtone-Signature": "sha256=" + "0" * 64}
    answer = _post_stream(app, stream, good_headers, length=stream.size)
    assert answer.status_code == 413
    assert answer.get_json() == {"error": "the body is larger than 65536 bytes"}
    assert stream.read_bytes == 0


def test_an_unsigned_body_is_refused_before_it_is_read(app):
    stream = CountingStream(10 * 1024 * 1024)
    answer = _post_stream(app, stream, {"X-Dialtone-Carrier": "northwind"}, length=stream.size)
    assert answer.status_code == 401 and stream.read_bytes == 0


def test_a_body_sent_without_a_length_is_read_only_up_to_the_limit(app):
    stream = CountingStream(5 * 1024 * 1024)
    headers = {"X-Dialtone-Carrier": "northwind", "X-Dialtone-Signature": "sha256=" + "0" * 64}
    answer = _post_stream(app, stream, headers, length=None)
    assert answer.status_code in (401, 413)
    assert stream.read_bytes <= 65536 + 64 * 1024  # what one read past the limit may take, never the whole


@pytest.mark.parametrize(
    "given", ["sha256=éé", "sha256=" + "é" * 64, "sha256=" + "0" * 63, "md5=abc", "sha256= " + "0" * 63, ""]
)
def test_a_malformed_signature_is_401_not_500(app, number, given):
    body = json.dumps({"update_id": "u-1", "order_number": number, "status": "acknowledged"}).encode()
    answer = app.test_client().post(
        "/api/v1/carrier-updates",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Dialtone-Carrier": "northwind",
            "X-Dialtone-Signature": given.encode("utf-8").decode("latin-1"),  # as a client sends raw UTF-8 bytes
        },
    )
    assert answer.status_code == 401


def test_the_whole_portal_refuses_a_request_larger_than_max_content_length(app, login):
    admin = login("admin")
    admin.get("/admin/people/import")
    big = io.BytesIO(b"a" * (app.config["MAX_CONTENT_LENGTH"] + 1))
    answer = admin.post("/admin/people/import", {"file": (big, "people.csv")}, content_type="multipart/form-data")
    assert answer.status_code == 413
    assert "larger than the portal takes" in answer.get_data(as_text=True)


# ---------------------------------------------------------------- signed requests: method, path, timestamp, once
def test_a_get_signed_over_the_empty_body_alone_no_longer_reads_any_order(app, number):
    """That signature never changed: one leaked header read every order, for ever."""
    headers = {"X-Dialtone-Carrier": "northwind", "X-Dialtone-Signature": signature(SECRET, b"")}
    answer = app.test_client().get(f"/api/v1/orders/{number}", headers=headers)
    assert answer.status_code == 401
    assert "X-Dialtone-Timestamp" in answer.get_json()["error"]


def test_a_signed_get_reads_its_order_once_and_no_other(app, number):
    api = app.test_client()
    path = f"/api/v1/orders/{number}"
    headers = signed_headers(app, "northwind", "GET", path)
    first = api.get(path, headers=headers)
    assert first.status_code == 200 and first.get_json()["order_number"] == number
    replayed = api.get(path, headers=headers)
    assert replayed.status_code == 401 and "already used" in replayed.get_json()["error"]
    other = api.get("/api/v1/orders/WO-000002", headers=signed_headers(app, "northwind", "GET", path))
    assert other.status_code == 401  # signed for another path
    assert poll(app, api, "northwind", number).status_code == 200  # signed anew: fine


def test_a_timestamp_more_than_five_minutes_off_is_refused(app, number):
    from app.web.carrier_api import unix_now

    with app.app_context():
        now = unix_now()
    api = app.test_client()
    assert poll(app, api, "northwind", number, at=now - 301).status_code == 401
    assert poll(app, api, "northwind", number, at=now + 301).status_code == 401
    assert poll(app, api, "northwind", number, at=now - 290).status_code == 200
    path = f"/api/v1/orders/{number}"
    headers = {**signed_headers(app, "northwind", "GET", path), "X-Dialtone-Timestamp": "١٢٣"}  # Arabic digits
    assert api.get(path, headers=headers).status_code == 401


def test_a_post_may_use_either_the_body_signature_or_the_signed_request(app, number):
    api = app.test_client()
    body = {"update_id": "u-1", "order_number": number, "status": "acknowledged", "carrier_reference": "R-1"}
    assert push(api, "northwind", body).status_code == 202  # as the README has always documented
    raw = json.dumps({**body, "update_id": "u-2"}).encode()
    path = "/api/v1/carrier-updates"
    headers = {"Content-Type": "application/json", **signed_headers(app, "northwind", "POST", path, raw)}
    assert api.post(path, data=raw, headers=headers).status_code == 202
    assert api.post(path, data=raw, headers=headers).status_code == 401  # that signed request was used
    tampered = {
        **headers,
        "X-Dialtone-Signature": signed_request(SECRET, "GET", path, headers["X-Dialtone-Timestamp"], raw),
    }
    assert api.post(path, data=raw, headers=tampered).status_code == 401  # signed as another method
