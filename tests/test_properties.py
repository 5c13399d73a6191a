"""Property-based tests (hypothesis) for the parsers of the trade: IMEI, ICCID, phone number, tracking number
and money. Whatever is typed, each returns its normal form or raises its own error, never anything else; what
it returns parses again to itself; and valid values survive the ways people type and the ways pages show them."""

from __future__ import annotations

import re

import phonenumbers
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from stdnum import luhn

from app.formatting import imei as format_imei
from app.formatting import money, money_input, parse_money
from app.identifiers import (
    TRACKING_FORMATS,
    InvalidIdentifier,
    make_iccid,
    make_imei,
    parse_iccid,
    parse_imei,
    parse_phone,
    parse_tracking,
)

# No deadline: a slow machine is not a failure (and no example database left in the work tree).
settings.register_profile(
    "dialtone", deadline=None, database=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("dialtone")

ASCII_DIGITS = re.compile(r"^[0-9]+$")
# Text people might type or paste: digits of any script, separators, letters, emoji, control characters.
typed = st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.from_regex(
    r"[0-9 ()+.\-]{0,30}", fullmatch=True
)
separators = st.sampled_from(["", " ", "-", ".", "  "])


def _spread(digits: str, separator: str, every: int) -> str:
    return separator.join(digits[i : i + every] for i in range(0, len(digits), every))


# ---------------------------------------------------------------- IMEI
@given(typed)
@example("٣٥٣٩١١١٠٧٧٧٠٠١٥")  # digits of another script are not an IMEI's digits
@example("３５３９１１１０７７７００１５")
def test_parse_imei_returns_fifteen_luhn_digits_or_refuses(text):
    try:
        value = parse_imei(text)
    except InvalidIdentifier:
        return
    assert ASCII_DIGITS.match(value) and len(value) == 15 and luhn.is_valid(value)
    assert parse_imei(value) == value


@given(st.from_regex(r"[0-9]{8}", fullmatch=True), st.integers(0, 999_999), separators, st.sampled_from([2, 4, 6]))
def test_an_imei_round_trips_however_it_is_typed_or_shown(tac, serial, separator, every):
    value = make_imei(tac, serial)
    assert parse_imei(value) == value
    assert parse_imei(_spread(value, separator, every)) == value
    assert parse_imei(format_imei(value)) == value  # as the pages show it: 35-391110-777001-5


@given(st.from_regex(r"[0-9]{15}", fullmatch=True))
def test_an_imei_with_a_wrong_check_digit_is_refused(digits):
    wrong = digits[:14] + str((int(luhn.calc_check_digit(digits[:14])) + 1) % 10)
    try:
        parse_imei(wrong)
    except InvalidIdentifier as error:
        assert "check digit" in str(error)
    else:
        raise AssertionError(f"{wrong} was accepted")


# ---------------------------------------------------------------- ICCID
@given(typed)
@example("٨٩" + "0" * 17)
def test_parse_iccid_returns_19_or_20_luhn_digits_starting_89_or_refuses(text):
    try:
        value = parse_iccid(text)
    except InvalidIdentifier:
        return
    assert ASCII_DIGITS.match(value) and 19 <= len(value) <= 20 and value.startswith("89") and luhn.is_valid(value)
    assert parse_iccid(value) == value


@given(st.from_regex(r"[0-9]{2,5}", fullmatch=True), st.integers(0, 10**9), st.sampled_from([19, 20]), separators)
def test_an_iccid_round_trips_however_it_is_typed(issuer, serial, length, separator):
    value = make_iccid(issuer, serial % 10 ** (length - 3 - len(issuer)), length=length)
    assert parse_iccid(value) == value
    assert parse_iccid(_spread(value, separator, 4)) == value


# ---------------------------------------------------------------- phone numbers
@given(typed)
@example("+1 ٢١٢ ٥٥٥ ٠١٢٣")
@example("\x00212 555 0123")
@example("+" + "9" * 300)
def test_parse_phone_returns_e164_that_parses_to_itself_or_refuses(text):
    try:
        value = parse_phone(text)
    except InvalidIdentifier:
        return
    assert re.fullmatch(r"\+[1-9][0-9]{6,14}", value), value
    assert parse_phone(value) == value


NANP = st.builds(
    lambda area, exchange, line: f"{area}{exchange}{line:04d}",
    st.sampled_from(["212", "415", "617", "312", "646", "917", "206", "303"]),
    st.integers(200, 999).map(str).filter(lambda e: not e.endswith("11")),
    st.integers(0, 9999),
)


@given(NANP, st.sampled_from(["{a}{e}{l}", "({a}) {e}-{l}", "{a}.{e}.{l}", "+1 {a} {e} {l}", "1-{a}-{e}-{l}"]))
def test_a_us_number_round_trips_however_it_is_typed_and_as_pages_show_it(digits, layout):
    from app.formatting import phone

    typed_number = layout.format(a=digits[:3], e=digits[3:6], l=digits[6:])
    try:
        value = parse_phone(typed_number)
    except InvalidIdentifier:
        assert not phonenumbers.is_valid_number(phonenumbers.parse("+1" + digits))
        return
    assert value == "+1" + digits
    assert parse_phone(phone(value)) == value  # "(212) 555-0123" back to "+12125550123"


# ---------------------------------------------------------------- tracking numbers
TRACKING_EXAMPLES = {
    "UPS": st.from_regex(r"1Z[0-9A-Z]{16}", fullmatch=True),
    "FedEx": st.from_regex(r"([0-9]{12}|[0-9]{15}|[0-9]{20}|[0-9]{22})", fullmatch=True),
    "USPS": st.from_regex(r"([0-9]{20}|[0-9]{22}|[A-Z]{2}[0-9]{9}US)", fullmatch=True),
    "DHL": st.from_regex(r"[0-9]{10,11}", fullmatch=True),
}


@given(st.sampled_from([*TRACKING_FORMATS, "ups", "Royal Mail", ""]), typed)
@example("FedEx", "١٢٣٤٥٦٧٨٩٠١٢")
@example("DHL", "１２３４５６７８９０")
def test_parse_tracking_returns_the_carriers_format_or_refuses(shipping_carrier, text):
    try:
        value = parse_tracking(shipping_carrier, text)
    except InvalidIdentifier:
        return
    assert value.isascii() and value == value.upper() and " " not in value
    assert TRACKING_FORMATS[shipping_carrier][0].fullmatch(value)
    assert parse_tracking(shipping_carrier, value) == value


@given(
    st.sampled_from(list(TRACKING_EXAMPLES)).flatmap(lambda c: st.tuples(st.just(c), TRACKING_EXAMPLES[c])), separators
)
def test_a_tracking_number_round_trips_typed_with_spaces_or_in_lower_case(carrier_and_number, separator):
    shipping_carrier, number = carrier_and_number
    assert parse_tracking(shipping_carrier, number) == number
    assert (
        parse_tracking(shipping_carrier, _spread(number.lower(), separator.replace("-", " ").replace(".", " "), 4))
        == number
    )


# ---------------------------------------------------------------- money
@given(typed)
@example("٤٥.٠٠")
@example("1,2,3")
@example("$")
@example(".")
def test_parse_money_returns_whole_cents_or_refuses(text):
    try:
        cents = parse_money(text)
    except ValueError:
        return
    assert isinstance(cents, int) and cents >= 0
    assert parse_money(money_input(cents)) == cents


@given(st.integers(0, 10**12))
def test_money_round_trips_as_forms_and_pages_show_it(cents):
    assert parse_money(money_input(cents)) == cents  # 4500 → "45.00" → 4500
    assert parse_money(money(cents)) == cents  # 129900 → "$1,299.00" → 129900


@given(st.integers(0, 10**9), st.sampled_from(["{d}", "${d}", " {d} ", "{d}.", "$ {d}"]))
def test_whole_dollars_are_read_as_dollars(dollars, layout):
    assert parse_money(layout.format(d=dollars)) == dollars * 100


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.from_regex(r"-?[0-9]+\.[0-9]{3,}", fullmatch=True) | st.from_regex(r"-[0-9.,$]+", fullmatch=True))
def test_negative_amounts_and_fractions_of_a_cent_are_refused(text):
    try:
        parse_money(text)
    except ValueError:
        return
    raise AssertionError(f"{text!r} was accepted")
