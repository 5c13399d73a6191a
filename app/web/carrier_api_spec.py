"""The OpenAPI 3.1 document of the carrier API, both ways: what carriers call (`paths`) and what the portal sends to
a carrier in API mode (`webhooks`), with every status code and error body. Served at `/api/v1/openapi.json`."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> Schema:
    return _json(_ref("Error"), description)


TEXT = {"type": "string", "maxLength": 2000}
NULLABLE_TEXT: Schema = {"type": ["string", "null"]}
ERRORS = {
    "401": _error(
        "Unknown carrier; a missing, malformed or wrong signature; a timestamp more than five minutes from the "
        "portal's clock; or a signed request used a second time."
    ),
    "503": _error("The replay cache cannot be reached: sign the request anew and send it again."),
}

SCHEMAS: dict[str, Schema] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string"}},
    },
    "FieldErrors": {
        "type": "object",
        "required": ["errors"],
        "properties": {
            "error": {"type": "string"},
            "errors": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
    "Device": {
        "type": "object",
        "properties": {
            "imei": {"type": "string", "description": "15 digits with a Luhn check digit"},
            "serial": {"type": "string", "maxLength": 40},
            "iccid": {"type": "string", "description": "19 or 20 digits with a Luhn check digit"},
        },
    },
    "Shipment": {
        "type": "object",
        "required": ["shipping_carrier", "tracking_number"],
        "properties": {
            "shipping_carrier": {"type": "string", "enum": ["UPS", "FedEx", "USPS", "DHL"]},
            "tracking_number": {"type": "string"},
        },
    },
    "CarrierUpdate": {
        "type": "object",
        "required": ["update_id", "order_number"],
        "properties": {
            "update_id": {"type": "string", "minLength": 1, "maxLength": 80, "description": "applied once"},
            "order_number": {"type": "string"},
            "status": {
                "type": "string",
                "enum": [
                    "acknowledged",
                    "backordered",
                    "shipped",
                    "delivered",
                    "completed",
                    "rejected",
                    "cancelled",
                    "cancel_refused",
                    "foc",
                    "site_survey",
                    "install_scheduled",
                    "installed",
                    "turned_up",
                    "jeopardy",
                ],
                "description": "Wireline orders also take their milestones: foc (needs foc_date), site_survey "
                "(survey_date), install_scheduled (install_date, install_window), installed (installed_date "
                "optional), turned_up (circuit_id, ip_block or numbers), jeopardy (new_date, reason); a "
                "completion may carry the turned-up facts too",
            },
            "carrier_reference": {"type": "string", "minLength": 1, "maxLength": 80},
            "service_number": {"type": "string", "description": "E.164 or a NANP number"},
            "foc_date": {"type": "string", "format": "date", "description": "wireline: the firm order commitment"},
            "survey_date": {"type": "string", "format": "date"},
            "install_date": {"type": "string", "format": "date"},
            "install_window": {"type": "string", "minLength": 1, "maxLength": 40, "examples": ["08:00–12:00"]},
            "installed_date": {"type": "string", "format": "date"},
            "new_date": {"type": "string", "format": "date", "description": "jeopardy: the date it is delayed to"},
            "reason": {"type": "string", "minLength": 1, "maxLength": 500},
            "circuit_id": {"type": "string", "minLength": 1, "maxLength": 60},
            "ip_block": {"type": "string", "description": "an IPv4 or IPv6 network, like 203.0.113.8/29"},
            "numbers": {"type": "array", "items": {"type": "string"}, "description": "E.164 or NANP numbers"},
            "devices": {"type": "array", "items": _ref("Device")},
            "shipments": {"type": "array", "items": _ref("Shipment")},
            "message": TEXT,
        },
    },
    "UpdateAnswer": {
        "type": "object",
        "required": ["status"],
        "properties": {"status": {"type": "string", "enum": ["accepted", "duplicate"]}, "update_id": {}},
    },
    "OrderStatus": {
        "type": "object",
        "required": ["order_number", "type", "status", "devices", "shipments", "updated_at"],
        "properties": {
            "order_number": {"type": "string"},
            "type": {"type": "string"},
            "status": {"type": "string"},
            "carrier_reference": NULLABLE_TEXT,
            "service_number": NULLABLE_TEXT,
            "devices": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"imei": NULLABLE_TEXT, "serial": NULLABLE_TEXT, "iccid": NULLABLE_TEXT},
                },
            },
            "shipments": {"type": "array", "items": _ref("Shipment")},
            "updated_at": {"type": "string"},
            "site": {**NULLABLE_TEXT, "description": "wireline orders: the site's name"},
            "wireline": _ref("WirelineFacts"),
        },
    },
    "WirelineFacts": {
        "type": "object",
        "description": "Wireline orders only: the milestones recorded so far, in order, and the facts they carried "
        "(by the names a carrier reports them with; install_date is the date a jeopardy moved it to, if any).",
        "required": ["milestones"],
        "properties": {
            "milestones": {
                "type": "array",
                "items": {
                    "type": "string",
                    "enum": ["foc", "site_survey", "install_scheduled", "installed", "turned_up", "jeopardy"],
                },
            },
            "foc_date": {"type": "string", "format": "date"},
            "survey_date": {"type": "string", "format": "date"},
            "install_date": {"type": "string", "format": "date"},
            "install_window": {"type": "string"},
            "installed_date": {"type": "string", "format": "date"},
            "circuit_id": {"type": "string"},
            "ip_block": {"type": "string"},
            "numbers": {"type": "array", "items": {"type": "string", "description": "E.164"}},
            "jeopardy": {
                "type": "object",
                "required": ["new_date", "reason"],
                "properties": {"new_date": {"type": "string", "format": "date"}, "reason": {"type": "string"}},
            },
        },
    },
    "Item": {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "code": {"type": "string"}},
    },
    "Address": {
        "type": "object",
        "properties": {
            key: {"type": "string"} for key in ("name", "street", "city", "state", "postal_code", "country")
        },
    },
    "OrderDocument": {
        "type": "object",
        "description": "An order as the portal sends it (and lists it for carriers that poll).",
        "required": ["idempotency_key", "order_number", "type", "items", "employee", "details"],
        "properties": {
            "idempotency_key": {"type": "string", "description": "the same on every try: make one order per key"},
            "order_number": {"type": "string"},
            "type": {"type": "string"},
            "type_name": {"type": "string"},
            "account_number": {"type": "string"},
            "items": {
                "type": "object",
                "properties": {
                    "plan": _ref("Item"),
                    "device_model": _ref("Item"),
                    "features": {"type": "array", "items": _ref("Item")},
                    "accessories": {"type": "array", "items": _ref("Item")},
                },
            },
            "employee": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "email": {"type": "string"}, "employee_number": {}},
            },
            "shipping_address": {"anyOf": [_ref("Address"), {"type": "null"}]},
            "line": {"type": ["object", "null"]},
            "device": {"type": ["object", "null"]},
            "details": {"type": "object"},
            "one_time_cents": {"type": "integer"},
            "monthly_cents": {"type": "integer"},
            "port_in": {
                "type": "object",
                "description": "a port's account number and transfer PIN, in clear over this signed channel only",
            },
            "account_transfer": {"type": "object"},
            "test": {"type": "boolean", "description": "a test order: answer it, carry nothing out"},
        },
    },
    "OrdersPage": {
        "type": "object",
        "required": ["orders", "page", "per_page", "total", "next_page"],
        "properties": {
            "orders": {"type": "array", "items": _ref("OrderDocument")},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer"},
            "total": {"type": "integer", "minimum": 0},
            "next_page": {"type": ["integer", "null"]},
        },
    },
    "CancelDocument": {
        "type": "object",
        "required": ["idempotency_key", "order_number"],
        "properties": {
            "idempotency_key": {"type": "string"},
            "order_number": {"type": "string"},
            "carrier_reference": NULLABLE_TEXT,
            "reason": {"type": "string"},
        },
    },
    "CarrierAnswer": {
        "type": "object",
        "description": "What a carrier answers an order (with its reference) or a cancellation (with its outcome).",
        "properties": {
            "carrier_reference": {"type": "string", "maxLength": 80},
            "status": {"type": "string", "description": "a cancellation: cancelled or cancel_refused"},
            "message": {"type": "string"},
        },
    },
}

SIGNED: list[dict[str, list[str]]] = [{"carrier": [], "signature": [], "timestamp": []}]
OUTBOUND_HEADERS = [
    {"name": "Idempotency-Key", "in": "header", "required": True, "schema": {"type": "string"}},
    {"name": "X-Dialtone-Carrier", "in": "header", "required": True, "schema": {"type": "string"}},
    {"name": "X-Dialtone-Timestamp", "in": "header", "required": True, "schema": {"type": "string"}},
    {"name": "X-Dialtone-Signature", "in": "header", "required": True, "schema": {"type": "string"}},
]
CARRIER_ANSWERS = {
    "2XX": _json(_ref("CarrierAnswer"), "Taken."),
    "4XX": _json(
        {"type": "object", "properties": {"message": {"type": "string"}, "error": {"type": "string"}}},
        "Refused (408 and 429 are tried again): the order needs attention with the message.",
    ),
    "5XX": {"description": "Tried again after 1 min, 5 min, 30 min, 2 h and 6 h, then the order needs attention."},
}

DOCUMENT: Schema = {
    "openapi": "3.1.0",
    "info": {
        "title": "Dialtone carrier API",
        "version": "1",
        "description": "Carriers push updates and poll orders (paths); carriers in API mode are sent orders and "
        "cancellations by the portal (webhooks). Every request is signed: HMAC-SHA256 with the shared secret of "
        "`<METHOD>\\n<path>\\n<X-Dialtone-Timestamp>\\n` followed by the raw body, as `sha256=<hex>`.",
    },
    "paths": {
        "/api/v1/carrier-updates": {
            "post": {
                "operationId": "pushCarrierUpdate",
                "summary": "Store a carrier's update on an order (the worker applies it, once)",
                "security": SIGNED,
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("CarrierUpdate")}}},
                "responses": {
                    "202": _json(_ref("UpdateAnswer"), "Stored; applied within moments."),
                    "200": _json(_ref("UpdateAnswer"), "The same update sent again: nothing changes."),
                    "400": _error("Not JSON, or text no database can store (a NUL character)."),
                    **ERRORS,
                    "404": _error("No such order, or another carrier's."),
                    "409": _json(
                        {"anyOf": [_ref("Error"), _ref("FieldErrors")]},
                        "The order's state does not allow it; the update id was used for another update; or a "
                        "number, IMEI or ICCID belongs to another record (`errors` names the fields).",
                    ),
                    "413": _error("The body is larger than the limit (64 KB by default); it is not read."),
                    "422": _json(_ref("FieldErrors"), "A field is not valid: `errors` names each."),
                },
            }
        },
        "/api/v1/orders": {
            "get": {
                "operationId": "listWaitingOrders",
                "summary": "For carriers that poll: their approved orders, as the hand-off carries them",
                "security": SIGNED,
                "parameters": [
                    {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["approved"]}},
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                ],
                "responses": {
                    "200": _json(_ref("OrdersPage"), "A page of orders, oldest approval first."),
                    "400": _error("A status other than approved."),
                    **ERRORS,
                },
            }
        },
        "/api/v1/orders/{number}": {
            "get": {
                "operationId": "getOrder",
                "summary": "What is recorded on one of the carrier's orders",
                "security": SIGNED,
                "parameters": [{"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": _json(_ref("OrderStatus"), "The order."),
                    **ERRORS,
                    "404": _error("No such order, or another carrier's."),
                },
            }
        },
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "getOpenApiDocument",
                "summary": "This document",
                "security": [],
                "responses": {"200": _json({"type": "object"}, "The OpenAPI document.")},
            }
        },
    },
    "webhooks": {
        "order": {
            "post": {
                "operationId": "sendOrder",
                "summary": "Sent to the carrier's order endpoint when an order is approved",
                "parameters": OUTBOUND_HEADERS,
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("OrderDocument")}}},
                "responses": CARRIER_ANSWERS,
            }
        },
        "cancellation": {
            "post": {
                "operationId": "sendCancellation",
                "summary": "Sent to `<order endpoint>/<order number>/cancel` when the carrier's order is cancelled",
                "parameters": OUTBOUND_HEADERS,
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("CancelDocument")}}},
                "responses": CARRIER_ANSWERS,
            }
        },
    },
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {
            "carrier": {"type": "apiKey", "in": "header", "name": "X-Dialtone-Carrier"},
            "signature": {"type": "apiKey", "in": "header", "name": "X-Dialtone-Signature"},
            "timestamp": {"type": "apiKey", "in": "header", "name": "X-Dialtone-Timestamp"},
        },
    },
}
