"""Phone numbers, IMEIs, ICCIDs and tracking numbers: normalised, or refused with a specific message."""

import pytest

from app.identifiers import (
    InvalidIdentifier,
    make_iccid,
    make_imei,
    parse_iccid,
    parse_imei,
    parse_phone,
    parse_tracking,
    phone_search_digits,
)


@pytest.mark.parametrize("typed", ["(212) 555-0123", "212.555.0123", "+1 212 555 0123", "2125550123"])
def test_phone_numbers_typed_any_way_become_e164(typed):
    assert parse_phone(typed) == "+12125550123"


@pytest.mark.parametrize(
    "typed,message",
    [("", "Enter a phone number."), ("hello", "like (212) 555-0123"), ("(555) 010-1234", "not a valid phone number")],
)
def test_bad_phone_numbers_say_what_is_wrong(typed, message):
    with pytest.raises(InvalidIdentifier, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_phone(typed)


@pytest.mark.parametrize("typed", ["(555) 010-1234", "555.010.1234", "+15550101234"])
def test_search_digits_ignore_formatting_and_country_code(typed):
    assert phone_search_digits(typed) == "5550101234"


def test_imei_check_digit():
    good = make_imei("35391110", 104729)
    assert parse_imei(good) == good
    assert parse_imei(f"{good[:2]}-{good[2:8]}-{good[8:14]}-{good[14]}") == good
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    with pytest.raises(InvalidIdentifier, match="check digit"):
        parse_imei(bad)
    with pytest.raises(InvalidIdentifier, match="15 digits; this has 14"):
        parse_imei(good[:-1])


def test_iccid_length_prefix_and_check_digit():
    good = make_iccid("01260", 42)
    assert len(good) == 19 and parse_iccid(good) == good
    assert len(make_iccid("01260", 42, length=20)) == 20
    with pytest.raises(InvalidIdentifier, match="starts with 89"):
        parse_iccid("1" + good[1:])
    with pytest.raises(InvalidIdentifier, match="check digit"):
        parse_iccid(good[:-1] + str((int(good[-1]) + 1) % 10))
    with pytest.raises(InvalidIdentifier, match="19 or 20 digits"):
        parse_iccid(good[:10])


@pytest.mark.parametrize(
    "carrier,number",
    [
        ("UPS", "1Z999AA10123456784"),
        ("FedEx", "123456789012"),
        ("USPS", "9400111899223197428490"),
        ("DHL", "1234567890"),
    ],
)
def test_tracking_numbers_by_shipping_carrier(carrier, number):
    assert parse_tracking(carrier, number.lower()) == number.upper()


def test_tracking_number_of_the_wrong_shape_names_the_rule():
    with pytest.raises(InvalidIdentifier, match="UPS tracking number is 1Z"):
        parse_tracking("UPS", "123")
    with pytest.raises(InvalidIdentifier, match="Choose UPS"):
        parse_tracking("Pigeon", "123")
