"""Making and checking the identifiers of the trade: IMEIs, ICCIDs (Luhn check digits via python-stdnum)."""
from stdnum import luhn


def make_imei(tac: str, serial: int) -> str:
    """A 15-digit IMEI: 8-digit type allocation code, 6-digit serial, Luhn check digit."""
    body = f"{tac}{serial:06d}"
    return body + luhn.calc_check_digit(body)


def make_iccid(issuer: str, serial: int, length: int = 19) -> str:
    """An ICCID starting 89 (telecom), the issuer's digits, a serial, and a Luhn check digit."""
    body = f"89{issuer}"
    body += f"{serial:0{length - 1 - len(body)}d}"
    return body + luhn.calc_check_digit(body)
