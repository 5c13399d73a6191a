"""One OpenAPI 3.1 document describes the carrier API both ways; it is valid, served at /api/v1/openapi.json, and
the live API, fuzzed against it by schemathesis with requests signed as a carrier signs them, never fails (no 500)
and answers only as the document says."""

from __future__ import annotations

import json

import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.fulfilment import SECRET, signed_headers

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_the_document_is_valid_openapi_3_1_and_describes_both_directions(client):
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200
    document = served.get_json()
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert {"/api/v1/carrier-updates", "/api/v1/orders", "/api/v1/orders/{number}"} <= set(document["paths"])
    assert set(document["webhooks"]) == {"order", "cancellation"}


def test_the_live_api_answers_as_its_document_says(app):
    """Each generated request is sent signed as Fabrikam (a fresh signature each), and the answer checked."""
    document = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    client = app.test_client()
    operations = [result.ok() for result in document.get_all_operations()]
    assert {"POST /api/v1/carrier-updates", "GET /api/v1/orders", "GET /api/v1/orders/{number}"} <= {
        o.label for o in operations
    }

    answered: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def answers_as_documented(case):
            answered.append(send_signed_and_check(app, client, case))

        answers_as_documented()
    # Signed as Fabrikam signs: the fuzzing goes past the signature, to the answers of the API itself.
    assert {200, 404, 422} <= set(answered), sorted(set(answered))


def send_signed_and_check(app, client, case) -> int:
    kwargs = case.as_transport_kwargs()
    body = b""
    if "json" in kwargs:
        body = json.dumps(kwargs.pop("json")).encode()
    elif isinstance(kwargs.get("data"), str | bytes):
        raw = kwargs.pop("data")
        body = raw.encode() if isinstance(raw, str) else raw
    headers = {k: v for k, v in (kwargs.get("headers") or {}).items() if not k.lower().startswith("x-dialtone")}
    path = case.formatted_path
    if case.operation.path != "/api/v1/openapi.json":
        headers |= signed_headers(app, "fabrikam", case.method, path, body, secret=SECRET)
    if body:
        headers.setdefault("Content-Type", "application/json")
    response = client.open(
        path, method=case.method, headers=headers, query_string=kwargs.get("query_string") or case.query, data=body
    )
    case.validate_response(response, checks=CHECKS)
    return response.status_code
