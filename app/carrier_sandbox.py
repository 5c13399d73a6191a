"""A carrier sandbox: a small real HTTP server that plays a carrier's API for the demo and the tests.

    python -m app.carrier_sandbox --port 5055 --portal http://127.0.0.1:5000 --secret demo-carrier-secret

It takes orders at `POST /orders` and cancellations at `POST /orders/<order number>/cancel`, as the portal sends
them (app.fulfilment.outbound): it checks the signature (`X-Dialtone-Signature` over the method, the path, the
`X-Dialtone-Timestamp` and the body, with the shared secret), makes one order per idempotency key (a retry gets
the same answer), answers 201 with its reference (a test order, `"test": true`, is answered and nothing more),
and then, like a real carrier, pushes "acknowledged", "shipped"
(with a valid tracking number) and "completed" (with a phone number, an IMEI and an ICCID, as the order needs) to
the portal's signed webhook (`/api/v1/carrier-updates`), `delay` seconds apart.

It can be told to misbehave, through `POST /control` (JSON) or the methods of `CarrierSandbox`:
`{"fail_next": 2}` answers 503 to the next two calls, `{"refuse_next": 1, "message": "…"}` refuses the next order
with 422 and that message, `{"slow_seconds": 12}` answers that late, `{"lose_next_callbacks": 1}` never sends the
next update, `{"delay": 0}` sets the pace. `GET /orders` lists what it holds. It listens on loopback only.
"""

from __future__ import annotations

import argparse
import hmac
import itertools
import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import phonenumbers

from app import clock
from app.identifiers import make_iccid, make_imei
from app.signing import signed_headers, signed_request

log = logging.getLogger("carrier_sandbox")
WINDOW_SECONDS = 300
CANCEL_PATH = re.compile(r"^/orders/(?P<number>[^/]+)/cancel$")
AREA_CODES = ("212", "303", "312", "512", "206", "404")


@dataclass
class SandboxOrder:
    """An order the sandbox holds, and how far it has taken it."""

    key: str
    number: str
    reference: str
    document: dict[str, Any]
    status: str = "accepted"  # accepted, acknowledged, shipped, completed, cancelled
    pushed: list[str] = field(default_factory=list)  # the update ids the portal accepted


class CarrierSandbox:
    """The sandbox carrier: start() serves it in a thread; stop() ends it. Thread-safe."""

    def __init__(
        self,
        *,
        secret: str,
        portal: str,
        carrier: str = "fabrikam",
        webhook_secret: str | None = None,
        delay: float = 5.0,
        host: str = "127.0.0.1",
        port: int = 0,
        prefix: str = "FAB",
        now: Callable[[], datetime] = clock.now,
    ) -> None:
        self.secret, self.webhook_secret = secret, webhook_secret or secret
        self.portal, self.carrier, self.delay, self.prefix = portal.rstrip("/"), carrier, delay, prefix
        self.now = now  # the run's clock (naive UTC), which the portal's signatures are checked against
        self.orders: dict[str, SandboxOrder] = {}  # by idempotency key
        self.calls: list[tuple[str, int]] = []  # (path, status answered), every call
        self.cancellations: list[dict[str, Any]] = []
        self.tests: list[dict[str, Any]] = []  # test orders (`"test": true`): answered, never carried out
        self.failing, self.fail_status, self.refusing, self.refusal = 0, 503, 0, "The order was refused."
        self.slow_seconds, self.losing = 0.0, 0
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._busy = 0
        self._idle = threading.Condition(self._lock)
        self._rng = random.Random()
        self.server = ThreadingHTTPServer((host, port), self._handler())
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ running
    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def orders_url(self) -> str:
        return f"{self.url}/orders"

    def start(self) -> CarrierSandbox:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="carrier-sandbox")
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def wait_idle(self, timeout: float = 30) -> bool:
        """Wait until every update it has to push was pushed (or lost on purpose); whether it got there in time."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    # ------------------------------------------------------------ misbehaving on purpose
    def fail_next(self, count: int, status: int = 503) -> None:
        with self._lock:
            self.failing, self.fail_status = count, status

    def refuse_next(self, count: int = 1, message: str = "The order was refused.") -> None:
        with self._lock:
            self.refusing, self.refusal = count, message

    def answer_slowly(self, seconds: float) -> None:
        with self._lock:
            self.slow_seconds = seconds

    def lose_next_callbacks(self, count: int) -> None:
        with self._lock:
            self.losing = count

    def control(self, settings: dict[str, Any]) -> None:
        if "fail_next" in settings:
            self.fail_next(int(settings["fail_next"]), int(settings.get("status", 503)))
        if "refuse_next" in settings:
            self.refuse_next(int(settings["refuse_next"]), str(settings.get("message") or "The order was refused."))
        if "slow_seconds" in settings:
            self.answer_slowly(float(settings["slow_seconds"]))
        if "lose_next_callbacks" in settings:
            self.lose_next_callbacks(int(settings["lose_next_callbacks"]))
        if "delay" in settings:
            self.delay = float(settings["delay"])

    # ------------------------------------------------------------ the carrier's side of the contract
    def verify(self, method: str, path: str, headers: Any, body: bytes) -> str | None:
        """Why the request is not the portal's (None when it is)."""
        timestamp, given = headers.get("X-Dialtone-Timestamp", ""), headers.get("X-Dialtone-Signature", "")
        try:
            moment = float(timestamp)
        except ValueError:
            return "sign the request with X-Dialtone-Timestamp"
        if abs(self.now().replace(tzinfo=UTC).timestamp() - moment) > WINDOW_SECONDS:
            return "X-Dialtone-Timestamp is more than five minutes from the carrier's clock"
        expected = signed_request(self.secret, method, path, timestamp, body)
        if not hmac.compare_digest(expected.encode(), given.lower().encode()):
            return "bad signature"
        return None

    def take_order(self, document: dict[str, Any], key: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            if document.get("test") is True:  # an admin checking the connection: answered, never carried out
                self.tests.append(document)
                reference = f"TEST-{len(self.tests):06d}"
                return 201, {"carrier_reference": reference, "status": "accepted", "message": "Test order received."}
            if self.refusing:
                self.refusing -= 1
                return 422, {"error": "refused", "message": self.refusal}
            known = self.orders.get(key)
            if known is not None:  # the same order asked again: the same answer, no second order
                return 200, {"carrier_reference": known.reference, "status": known.status, "duplicate": True}
            reference = f"{self.prefix}-{next(self._numbers):06d}"
            order = SandboxOrder(key, str(document.get("order_number") or ""), reference, document)
            self.orders[key] = order
            self._busy += 1
        threading.Thread(target=self._carry_out, args=(order,), daemon=True).start()
        return 201, {"carrier_reference": reference, "status": "accepted", "message": "Order received."}

    def cancel(self, number: str, document: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.cancellations.append(document)
            order = next((o for o in self.orders.values() if o.number == number), None)
            if order is None:
                return 404, {"error": "not found", "message": f"No order {number} here."}
            if order.status in ("shipped", "completed"):
                return 200, {"status": "cancel_refused", "message": "Too late to cancel: it has shipped."}
            order.status = "cancelled"
            return 200, {"status": "cancelled", "message": "Cancelled by the carrier."}

    def _carry_out(self, order: SandboxOrder) -> None:
        """Push acknowledged, shipped and completed, `delay` seconds apart (stops if the order is cancelled)."""
        try:
            for status in ("acknowledged", "shipped", "completed"):
                time.sleep(self.delay)
                with self._lock:
                    if order.status == "cancelled":
                        return
                    if status == "shipped" and not order.document.get("shipping_address"):
                        continue  # nothing to ship: a change to a line
                    order.status = status
                    lose = self.losing > 0
                    self.losing -= 1 if lose else 0
                if not lose:
                    self._push(order, self._update(order, status))
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def _update(self, order: SandboxOrder, status: str) -> dict[str, Any]:
        update: dict[str, Any] = {
            "update_id": f"{order.reference}-{status}",
            "order_number": order.number,
            "status": status,
        }
        if status == "acknowledged":
            update |= {"carrier_reference": order.reference, "message": "Order acknowledged."}
        elif status == "shipped":
            update["shipments"] = [{"shipping_carrier": "UPS", "tracking_number": self._ups_tracking()}]
        else:
            update |= self._completion(order.document)
        return update

    def _completion(self, document: dict[str, Any]) -> dict[str, Any]:
        """What a carrier reports on activation: a number for a new line, the device's IMEI and its SIM's ICCID."""
        with self._lock:
            serial = self._rng.randrange(10**6)
            done: dict[str, Any] = {}
            if not document.get("line"):
                done["service_number"] = self._number()
            items = document.get("items") or {}
            if items.get("device_model"):
                done["devices"] = [
                    {
                        "imei": make_imei("35391110", serial),
                        "serial": f"FC{serial:08d}",
                        "iccid": make_iccid("01410", self._rng.randrange(10**11)),
                    }
                ]
            elif document.get("type") == "sim_request":
                done["devices"] = [{"iccid": make_iccid("01410", self._rng.randrange(10**11))}]
        # "Activated" only when it put a number, a device or a SIM into service; else the change is simply made.
        done["message"] = "Activated." if done else "Done."
        return done

    def _number(self) -> str:
        while True:
            candidate = (
                f"+1{self._rng.choice(AREA_CODES)}{self._rng.randrange(200, 1000)}{self._rng.randrange(10**4):04d}"
            )
            if candidate[5:8] != "555" and phonenumbers.is_valid_number(phonenumbers.parse(candidate, None)):
                return candidate

    def _ups_tracking(self) -> str:
        with self._lock:
            shipper = "".join(self._rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(6))
            return f"1Z{shipper}03{self._rng.randrange(10**8):08d}"

    def _push(self, order: SandboxOrder, update: dict[str, Any]) -> None:
        """POST one update to the portal's webhook, signed; tried a few times when the portal is not there."""
        body = json.dumps(update).encode()
        path = "/api/v1/carrier-updates"
        for attempt in range(4):
            headers = {
                "Content-Type": "application/json",
                "X-Dialtone-Carrier": self.carrier,
                **signed_headers(self.webhook_secret, "POST", path, self.now(), body),
            }
            try:
                answer = httpx.post(self.portal + path, content=body, headers=headers, timeout=10)
            except httpx.HTTPError as exc:
                log.warning("The portal did not take %s: %s", update["update_id"], exc)
            else:
                if answer.status_code < 500:
                    if answer.status_code >= 400:
                        log.warning(
                            "The portal refused %s: %s %s", update["update_id"], answer.status_code, answer.text
                        )
                    else:
                        with self._lock:
                            order.pushed.append(update["update_id"])
                    return
            time.sleep(0.2 * (attempt + 1))

    # ------------------------------------------------------------ HTTP
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        sandbox = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "CarrierSandbox/1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
                log.info("%s %s", self.address_string(), format % args)

            def _answer(self, status: int, body: dict[str, Any] | list[Any]) -> None:
                raw = json.dumps(body).encode()
                with sandbox._lock:
                    sandbox.calls.append((self.path, status))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if self.path != "/orders":
                    self._answer(404, {"error": "not found"})
                    return
                with sandbox._lock:
                    listed = [
                        {"order_number": o.number, "carrier_reference": o.reference, "status": o.status}
                        for o in sandbox.orders.values()
                    ]
                self._answer(200, listed)

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    document = json.loads(body or b"{}")
                except ValueError:
                    self._answer(400, {"error": "the body is not valid JSON"})
                    return
                if self.path == "/control":
                    sandbox.control(document if isinstance(document, dict) else {})
                    self._answer(200, {"status": "ok"})
                    return
                cancel = CANCEL_PATH.match(self.path)
                if self.path != "/orders" and cancel is None:
                    self._answer(404, {"error": "not found"})
                    return
                problem = sandbox.verify("POST", self.path, self.headers, body)
                if problem:
                    self._answer(401, {"error": "unauthorized", "message": problem})
                    return
                with sandbox._lock:
                    slow, failing = sandbox.slow_seconds, sandbox.failing > 0
                    if failing:
                        sandbox.failing -= 1
                if slow:
                    time.sleep(slow)
                if failing:
                    self._answer(sandbox.fail_status, {"error": "unavailable", "message": "Try again later."})
                    return
                if not isinstance(document, dict):
                    self._answer(400, {"error": "the body is a JSON object"})
                    return
                if cancel is not None:
                    self._answer(*sandbox.cancel(cancel.group("number"), document))
                    return
                key = self.headers.get("Idempotency-Key") or str(document.get("idempotency_key") or "")
                if not key:
                    self._answer(422, {"error": "invalid", "message": "An idempotency key is needed."})
                    return
                self._answer(*sandbox.take_order(document, key))

        return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A carrier's API, played on loopback for the demo and the tests.")
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--portal", default="http://127.0.0.1:5000", help="the portal its updates are pushed to")
    parser.add_argument("--secret", required=True, help="the secret the portal signs orders with")
    parser.add_argument("--webhook-secret", help="the secret its updates are signed with (default: --secret)")
    parser.add_argument("--carrier", default="fabrikam", help="the carrier code it pushes updates as")
    parser.add_argument("--delay", type=float, default=5.0, help="seconds between the updates it pushes")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="carrier sandbox: %(message)s")
    sandbox = CarrierSandbox(
        secret=args.secret,
        portal=args.portal,
        carrier=args.carrier,
        webhook_secret=args.webhook_secret,
        delay=args.delay,
        port=args.port,
    )
    log.info("playing %s at %s (updates to %s)", args.carrier, sandbox.orders_url, args.portal)
    try:
        sandbox.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.server.server_close()


if __name__ == "__main__":
    main()
