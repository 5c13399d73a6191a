"""Making and checking the identifiers of the trade: phone numbers, IMEIs, ICCIDs, tracking numbers.

Each `parse_*` returns the normalised value or raises `InvalidIdentifier` with a message fit to show next to
the field. Phone numbers use `phonenumbers`; Luhn check digits use `python-stdnum`.
"""

from __future__ import annotations

import re

import phonenumbers
from stdnum import imei as stdnum_imei
from stdnum import luhn

DEFAULT_REGION = "US"


class InvalidIdentifier(ValueError):
    """A value that is not a valid identifier of its kind; the message says what is wrong."""


def digits_only(value: str) -> str:
    """The ASCII digits in `value` (digits of other scripts, like '٣' or '３', are not an identifier's digits)."""
    return re.sub(r"[^0-9]", "", value or "")


def parse_phone(value: str, region: str = DEFAULT_REGION) -> str:
    """'(212) 555-0123', '212.555.0123', '+1 212 555 0123' → '+12125550123' (E.164)."""
    text = (value or "").strip()
    if not text:
        raise InvalidIdentifier("Enter a phone number.")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidIdentifier("Enter a phone number like (212) 555-0123.") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidIdentifier(f"{text} is not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_search_digits(value: str) -> str:
    """Digits to look for in stored E.164 numbers, whatever way the number was typed ('+1' dropped)."""
    digits = digits_only(value)
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def parse_imei(value: str) -> str:
    digits = digits_only(value)
    if not digits:
        raise InvalidIdentifier("Enter the IMEI.")
    if len(digits) != 15:
        raise InvalidIdentifier(f"An IMEI has 15 digits; this has {len(digits)}.")
    if not stdnum_imei.is_valid(digits):
        raise InvalidIdentifier("This IMEI's check digit is wrong: check for a mistyped digit.")
    return digits


def parse_iccid(value: str) -> str:
    digits = digits_only(value)
    if not digits:
        raise InvalidIdentifier("Enter the ICCID.")
    if not 19 <= len(digits) <= 20:
        raise InvalidIdentifier(f"An ICCID has 19 or 20 digits; this has {len(digits)}.")
    if not digits.startswith("89"):
        raise InvalidIdentifier("An ICCID starts with 89.")
    if not luhn.is_valid(digits):
        raise InvalidIdentifier("This ICCID's check digit is wrong: check for a mistyped digit.")
    return digits


TRACKING_FORMATS = {
    "UPS": (re.compile(r"^1Z[0-9A-Z]{16}$", re.ASCII), "a UPS tracking number is 1Z followed by 16 letters or digits"),
    "FedEx": (
        re.compile(r"^(\d{12}|\d{15}|\d{20}|\d{22})$", re.ASCII),
        "a FedEx tracking number has 12, 15, 20 or 22 digits",
    ),
    "USPS": (
        re.compile(r"^(\d{20}|\d{22}|9\d{21}|[A-Z]{2}\d{9}US)$", re.ASCII),
        "a USPS tracking number has 20 or 22 digits, or looks like EA123456789US",
    ),
    "DHL": (re.compile(r"^\d{10,11}$", re.ASCII), "a DHL tracking number has 10 or 11 digits"),
}
TRACKING_URLS = {
    "UPS": "https://www.ups.com/track?tracknum={}",
    "FedEx": "https://www.fedex.com/fedextrack/?trknbr={}",
    "USPS": "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
    "DHL": "https://www.dhl.com/us-en/home/tracking.html?tracking-id={}",
}


def parse_tracking(shipping_carrier: str, value: str) -> str:
    if shipping_carrier not in TRACKING_FORMATS:
        raise InvalidIdentifier("Choose UPS, FedEx, USPS or DHL.")
    number = re.sub(r"\s", "", value or "").upper()
    if not number:
        raise InvalidIdentifier("Enter the tracking number.")
    pattern, rule = TRACKING_FORMATS[shipping_carrier]
    if not pattern.match(number):
        raise InvalidIdentifier(f"That is not a {shipping_carrier} tracking number: {rule}.")
    return number


def tracking_url(shipping_carrier: str, number: str) -> str | None:
    template = TRACKING_URLS.get(shipping_carrier)
    return template.format(number) if template else None


def make_imei(tac: str, serial: int) -> str:
    """A 15-digit IMEI: 8-digit type allocation code, 6-digit serial, Luhn check digit."""
    body = f"{tac}{serial:06d}"
    return body + luhn.calc_check_digit(body)


def make_iccid(issuer: str, serial: int, length: int = 19) -> str:
    """An ICCID starting 89 (telecom), the issuer's digits, a serial, and a Luhn check digit."""
    body = f"89{issuer}"
    body += f"{serial:0{length - 1 - len(body)}d}"
    return body + luhn.calc_check_digit(body)


def national_digits(e164: str) -> str:
    """'+12125550123' → '2125550123': the digits people type for a number, without the country code."""
    try:
        return phonenumbers.national_significant_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return digits_only(e164)


def number_endings(digits: str) -> list[str]:
    """Every ending of a number's digits ('2125550100', '125550100', …, '0'): digits found anywhere in the number
    are the start of one of them, which an ordinary index finds."""
    return [digits[i:] for i in range(len(digits))]


def phone_search_prefix(value: str) -> str:
    """The start of a national number, from however much of it was typed: '+1212555 01', '(212) 555-01' and
    '212.555.01' all give '21255501'. A leading '+' is followed by a country code, which is dropped."""
    text = (value or "").strip()
    digits = digits_only(text)
    if text.startswith("+"):
        for length in (1, 2, 3):
            if int(digits[:length] or 0) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
                return digits[length:]
        return digits
    return phone_search_digits(text)
