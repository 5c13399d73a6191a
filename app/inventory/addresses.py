"""Checking a US service address: the street line parsed with `usaddress` (a street number and a street name
required, a suite or floor typed on the street line moved to its own field), the state a US state, the ZIP code
five digits or ZIP+4. Each problem is said in words, for the field it concerns."""

from __future__ import annotations

import re
from dataclasses import dataclass

import usaddress

_STATE_CODES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH "
    "OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI"
)
STATES = frozenset(_STATE_CODES.split())
ZIP = re.compile(r"\d{5}(-\d{4})?")
# What usaddress calls the parts of an address that say where inside the building: a suite, a floor, a building.
UNIT_LABELS = frozenset(
    {"OccupancyType", "OccupancyIdentifier", "SubaddressType", "SubaddressIdentifier", "BuildingName"}
)
STREET_LABELS = frozenset(
    {
        "AddressNumberPrefix",
        "AddressNumber",
        "AddressNumberSuffix",
        "StreetNamePreModifier",
        "StreetNamePreDirectional",
        "StreetNamePreType",
        "StreetName",
        "StreetNamePostType",
        "StreetNamePostDirectional",
        "StreetNamePostModifier",
    }
)


@dataclass(frozen=True)
class Address:
    """A checked service address, tidied: '350 Fifth Avenue', 'Floor 21', 'New York', 'NY', '10118'."""

    street: str
    unit: str
    city: str
    state: str
    zip_code: str


class AddressProblems(ValueError):
    """What is wrong with an address, field by field (street, unit, city, state, zip_code)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def _join(tokens: list[str]) -> str:
    return " ".join(t.strip(" ,") for t in tokens if t.strip(" ,")).strip()


def split_street(line: str) -> tuple[str, str, dict[str, str]]:
    """'350 Fifth Avenue, Floor 21' → ('350 Fifth Avenue', 'Floor 21', the parts usaddress found)."""
    street: list[str] = []
    unit: list[str] = []
    parts: dict[str, str] = {}
    for token, label in usaddress.parse(line):
        (unit if label in UNIT_LABELS else street).append(token)
        parts[label] = _join([parts.get(label, ""), token])
    return _join(street), _join(unit), parts


def check_address(street: str, unit: str, city: str, state: str, zip_code: str) -> Address:
    """The address tidied, or AddressProblems saying what is wrong with each field."""
    errors: dict[str, str] = {}
    street, unit, city = (street or "").strip(), (unit or "").strip(), (city or "").strip()
    state, zip_code = (state or "").strip().upper(), (zip_code or "").strip()
    found_unit = ""
    if not street:
        errors["street"] = "Enter the street address, like 350 Fifth Avenue."
    elif street.upper().replace(".", "").replace(" ", "").startswith(("POBOX", "BOX")):
        errors["street"] = "A PO box cannot have services installed: enter the building's street address."
    else:
        street, found_unit, parts = split_street(street)
        if "AddressNumber" not in parts:
            errors["street"] = f"“{street or found_unit}” has no street number: enter it like 350 Fifth Avenue."
        elif "StreetName" not in parts:
            errors["street"] = f"“{street}” has no street name after the number {parts['AddressNumber']}."
        elif not set(parts) <= STREET_LABELS | UNIT_LABELS:
            errors["street"] = (
                "Enter only the number, the street and a suite or floor here; the city, state and ZIP code have "
                "their own fields."
            )
    if found_unit and unit and found_unit.lower() != unit.lower():
        errors["unit"] = f"The street line names “{found_unit}” and this field “{unit}”: keep one of them."
    unit = unit or found_unit
    if not city:
        errors["city"] = "Enter the city."
    if not state:
        errors["state"] = "Enter the state, like NY."
    elif state not in STATES:
        errors["state"] = f"{state} is not a US state: use its two-letter code, like NY."
    if not zip_code:
        errors["zip_code"] = "Enter the ZIP code."
    elif not ZIP.fullmatch(zip_code):
        errors["zip_code"] = f"ZIP {zip_code} is not a ZIP code: enter five digits, or ZIP+4 like 10118-0110."
    if errors:
        raise AddressProblems(errors)
    return Address(street=street, unit=unit, city=city, state=state, zip_code=zip_code)
