"""Wireline: the company's sites (service addresses) and the services at them (internet, circuits, phone lines,
SIP trunks, toll-free numbers) with their telephone numbers."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.extensions import Model
from app.identifiers import national_digits
from app.models.catalog import Carrier
from app.models.people import Location, User
from app.models.types import enum_column


class Site(Model):
    """A company location where services are installed: its checked service address, who to call, and when an
    installer may come."""

    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    street: Mapped[str] = mapped_column(String(200))  # number and street: '350 Fifth Avenue'
    unit: Mapped[str] = mapped_column(String(60), default="")  # suite or floor: 'Floor 21'
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(2))
    zip_code: Mapped[str] = mapped_column(String(10), index=True)  # 12345 or 12345-6789
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    hours: Mapped[str] = mapped_column(Text, default="")  # opening hours for installers, as the site gives them
    # The office (people's location) this site was made from, if any: one site per office.
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now(), onupdate=func.now())

    contact: Mapped[User | None] = relationship()
    location: Mapped[Location | None] = relationship()
    services: Mapped[list[WirelineService]] = relationship(back_populates="site")
    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return self.name

    @property
    def address(self) -> str:
        """'350 Fifth Avenue, Floor 21, New York, NY 10118'."""
        street = f"{self.street}, {self.unit}" if self.unit else self.street
        return f"{street}, {self.city}, {self.state} {self.zip_code}"


class ServiceKind(str, enum.Enum):
    INTERNET = "internet"  # business internet (broadband)
    DEDICATED_INTERNET = "dedicated_internet"
    MPLS = "mpls"
    SD_WAN = "sd_wan"
    POTS = "pots"  # an analog line: the alarm, the lift, the fax
    SIP_TRUNK = "sip_trunk"
    TOLL_FREE = "toll_free"


class ServiceStatus(str, enum.Enum):
    PENDING = "pending"
    ACTIVE = "active"
    DISCONNECTED = "disconnected"


class WirelineService(Model):
    """A service at a site from a carrier: a circuit, a line or a trunk, with its numbers, cost and contract."""

    __tablename__ = "wireline_services"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    kind: Mapped[ServiceKind] = mapped_column(enum_column(ServiceKind), index=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"), index=True)
    circuit_id: Mapped[str] = mapped_column(String(60), default="")
    # The circuit ID without punctuation, upper case: '12.KXGS.123456..NW' is found by typing '12kxgs123'.
    # Compared byte by byte on PostgreSQL too, so that a prefix is a range of the index whatever the locale.
    circuit_key: Mapped[str] = mapped_column(
        String(60).with_variant(String(60, collation="C"), "postgresql"), default="", index=True
    )
    bandwidth_mbps: Mapped[int | None] = mapped_column(Integer)
    channels: Mapped[int | None] = mapped_column(Integer)  # a SIP trunk's concurrent calls
    monthly_cents: Mapped[int] = mapped_column(Integer, default=0)
    term_months: Mapped[int | None] = mapped_column(Integer)
    contract_ends_on: Mapped[date | None] = mapped_column(Date, index=True)
    installed_on: Mapped[date | None] = mapped_column(Date)
    equipment: Mapped[str] = mapped_column(String(200), default="")  # router, ONT…
    status: Mapped[ServiceStatus] = mapped_column(enum_column(ServiceStatus), index=True)
    disconnected_on: Mapped[date | None] = mapped_column(Date)
    disconnects_on: Mapped[date | None] = mapped_column(Date)  # an order disconnects it on this later day
    hunt_group: Mapped[str] = mapped_column(String(20), default="", server_default="")  # '', linear, circular…
    caller_id_name: Mapped[str] = mapped_column(String(15), default="", server_default="")  # CNAM: 15 characters
    ip_block: Mapped[str] = mapped_column(String(43), default="", server_default="")  # '203.0.113.8/29'
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now(), onupdate=func.now())

    site: Mapped[Site] = relationship(back_populates="services")
    carrier: Mapped[Carrier] = relationship()
    numbers: Mapped[list[WirelineNumber]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="WirelineNumber.number"
    )
    __mapper_args__ = {"version_id_col": version}

    def __str__(self) -> str:
        return self.circuit_id or f"service {self.id}"

    @validates("circuit_id")
    def _keep_circuit_key(self, _key: str, circuit_id: str) -> str:
        self.circuit_key = circuit_key(circuit_id)
        return circuit_id


def circuit_key(text: str) -> str:
    """A circuit ID as it is searched: letters and digits only, upper case."""
    return "".join(c for c in (text or "").upper() if c.isascii() and c.isalnum())


class WirelineNumber(Model):
    """A telephone number (a DID, a toll-free number) of a wireline service, in E.164, with its national digits
    forwards and backwards so that the start or the end of a number is an index range scan."""

    __tablename__ = "wireline_numbers"
    __table_args__ = (Index("ix_wireline_numbers_number", "number"),)
    service_id: Mapped[int] = mapped_column(ForeignKey("wireline_services.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    digits: Mapped[str] = mapped_column(String(20), default="", index=True)
    digits_reversed: Mapped[str] = mapped_column(String(20), default="", index=True)

    @validates("number")
    def _keep_digits(self, _key: str, number: str) -> str:
        self.digits = national_digits(number)
        self.digits_reversed = self.digits[::-1]
        return number
