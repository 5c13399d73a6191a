"""Inventory imports: valid CSV rows for lines that do not exist yet."""

from __future__ import annotations

import csv
import io

from app.identifiers import make_iccid, make_imei
from app.inventory import imports


def new_row(n: int, **changes: str) -> dict[str, str]:
    """A valid row for a line that does not exist yet: number (646) 555-1nnn, a new device and SIM."""
    row = {
        "phone_number": f"(646) 555-{1000 + n}",
        "carrier": "contoso",
        "account_number": "CM-5530192",
        "plan": "Business 10 GB",
        "line_status": "active",
        "employee_email": "employee@example.com",
        "cost_center": "CC-1100",
        "activated_on": "2026-03-01",
        "imei": make_imei("35999911", n),
        "serial": f"SA{n:08d}",
        "device_model": "Samsung Galaxy S25",
        "iccid": make_iccid("09999", n),
    }
    row.update(changes)
    return row


def as_csv(rows: list[dict[str, str]], columns=imports.COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
