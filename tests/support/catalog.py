"""The admin catalog's lists: a valid new item of each kind, a bad value with its message, and an edit."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Accessory, Carrier, DeviceModel, Feature, Plan, StipendTier


def _id(model, **where):
    return db.session.scalar(select(model.id).filter_by(**where))


# What a valid new item of each kind looks like, one bad value with the message it earns, and an edit.
# Ids of the demo company's carriers and models are looked up by name when a case needs them.
CASES = {
    "carriers": dict(
        model=Carrier,
        new=lambda: {
            "name": "Litware Telecom",
            "code": "litware",
            "fulfilment_mode": "manual",
            "reactivation_window_days": "45",
            "account_number": "LT-1",
        },
        find={"code": "litware"},
        bad=(
            "reactivation_window_days",
            "thirty",
            "Enter the reactivation window as a whole number of days from 0 to 365, like 30.",
        ),
        existing={"code": "fabrikam"},
        edit=("reactivation_window_days", "90"),
        check=lambda c: c.reactivation_window_days == 90,
    ),
    "plans": dict(
        model=Plan,
        new=lambda: {
            "carrier_id": str(_id(Carrier, code="northwind")),
            "name": "Field 50 GB",
            "kind": "voice_data",
            "data_gb": "50",
            "monthly_price": "$55.5",
            "employee_share": "",
        },
        find={"name": "Field 50 GB"},
        bad=("monthly_price", "forty-five", "Enter a monthly price like 45.00."),
        existing={"name": "Voice only", "monthly_cents": 1500},
        edit=("monthly_price", "17.25"),
        check=lambda p: p.monthly_cents == 1725,
    ),
    "features": dict(
        model=Feature,
        new=lambda: {
            "carrier_id": str(_id(Carrier, code="contoso")),
            "name": "Satellite messaging",
            "code": "sat_msg",
            "monthly_price": "4",
            "takes_dates": "y",
        },
        find={"code": "sat_msg"},
        bad=("monthly_price", "4.999", "Enter a monthly price like 10.00, or 0 for a free feature."),
        existing={"code": "hotspot", "monthly_cents": 1000, "carrier_id": "northwind"},
        edit=("name", "Hotspot 50 GB"),
        check=lambda f: f.name == "Hotspot 50 GB",
    ),
    "device-models": dict(
        model=DeviceModel,
        new=lambda: {
            "maker": "Google",
            "name": "Pixel 10",
            "kind": "phone",
            "storage": "256",
            "colors": "Frost",
            "price": "999",
            "employee_share": "",
            "carriers": [str(_id(Carrier, code="northwind"))],
            "esim": "y",
        },
        find={"name": "Pixel 10"},
        bad=("price", "lots", "Enter a price like 799.00."),
        existing={"name": "iPhone SE"},
        edit=("price", "399.00"),
        check=lambda m: m.price_cents == 39900,
    ),
    "accessories": dict(
        model=Accessory,
        new=lambda: {
            "name": "Screen protector (Pixel 9)",
            "kind": "Screen protector",
            "price": "19.99",
            "fits": [str(_id(DeviceModel, name="Pixel 9"))],
        },
        find={"name": "Screen protector (Pixel 9)"},
        bad=("price", "-5", "Enter a price like 49.99."),
        existing={"name": "USB-C fast charger 30 W"},
        edit=("price", "24.00"),
        check=lambda a: a.price_cents == 2400,
    ),
    "stipend-tiers": dict(
        model=StipendTier,
        new=lambda: {"name": "Executive", "monthly_amount": "120"},
        find={"name": "Executive"},
        bad=("monthly_amount", "120 dollars", "Enter a monthly amount like 50.00."),
        existing={"name": "Basic"},
        edit=("monthly_amount", "30"),
        check=lambda t: t.monthly_cents == 3000,
    ),
}
