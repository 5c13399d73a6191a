"""A site's service address is checked with usaddress: a street number and a street, a US state, a ZIP code or
ZIP+4; a suite or floor typed on the street line is kept in its own field; each problem is said for its field."""

import pytest

from app.inventory.addresses import Address, AddressProblems, check_address


def problems(*address: str) -> dict[str, str]:
    with pytest.raises(AddressProblems) as raised:
        check_address(*address)
    return raised.value.errors


def test_a_floor_typed_on_the_street_line_is_kept_apart_from_the_street():
    assert check_address("350 Fifth Avenue, Floor 21", "", "New York", "ny", "10118") == Address(
        "350 Fifth Avenue", "Floor 21", "New York", "NY", "10118"
    )


def test_a_suite_in_its_own_field_and_a_zip_plus_four_are_accepted():
    found = check_address("1600 Glenarm Place", "Suite 200", "Denver", "CO", "80202-1234")
    assert (found.street, found.unit, found.zip_code) == ("1600 Glenarm Place", "Suite 200", "80202-1234")


@pytest.mark.parametrize(
    ("zip_code", "message"),
    [
        ("1001", "ZIP 1001 is not a ZIP code"),
        ("100011", "ZIP 100011 is not a ZIP code"),
        ("10118-01", "ZIP 10118-01 is not a ZIP code"),
        ("ABCDE", "ZIP ABCDE is not a ZIP code"),
        ("", "Enter the ZIP code."),
    ],
)
def test_a_zip_code_is_five_digits_or_zip_plus_four(zip_code, message):
    assert problems("350 Fifth Avenue", "", "New York", "NY", zip_code)["zip_code"].startswith(message)


def test_a_street_without_a_number_says_so():
    assert "no street number" in problems("Fifth Avenue", "", "New York", "NY", "10118")["street"]


def test_a_po_box_is_no_place_to_install_a_circuit():
    assert "PO box" in problems("PO Box 12", "", "Denver", "CO", "80202")["street"]


def test_the_city_state_and_zip_belong_in_their_own_fields():
    assert "their own fields" in problems("1600 Glenarm Place, Denver CO 80202", "", "Denver", "CO", "80202")["street"]


def test_every_field_gets_its_own_message_at_once():
    found = problems("", "", "", "ZZ", "1001")
    assert set(found) == {"street", "city", "state", "zip_code"}
    assert found["state"] == "ZZ is not a US state: use its two-letter code, like NY."


def test_two_different_suites_are_refused():
    assert "keep one" in problems("1600 Glenarm Place Suite 200", "Floor 3", "Denver", "CO", "80202")["unit"]
