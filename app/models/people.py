"""People: employees and their departments, cost centers, office locations, groups and roles."""

from __future__ import annotations

import enum
import functools
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    Select,
    String,
    Table,
    UniqueConstraint,
    bindparam,
    delete,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy import event as sa_event
from sqlalchemy.orm import InstanceState, Mapped, aliased, joinedload, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import Model, db
from app.formatting import address
from app.models.types import enum_column
from app.search_words import words_of


class Role(str, enum.Enum):
    """Roles beyond "employee" (everyone) and "approver" (anyone with reports or an approval group)."""

    HELPDESK = "helpdesk"
    FULFILLMENT = "fulfillment"
    ADMIN = "admin"


class Department(Model):
    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)

    def __str__(self) -> str:
        return self.name


class CostCenter(Model):
    __tablename__ = "cost_centers"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", use_alter=True))
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], post_update=True)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Location(Model):
    """An office; shipping addresses default to the employee's office."""

    __tablename__ = "locations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    street: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(40))
    postal_code: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2), default="US")

    def __str__(self) -> str:
        return address(self.name, self.street, self.city, f"{self.state} {self.postal_code}")


group_members = Table(
    "group_members",
    db.metadata,
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Group(Model):
    """A named set of people; an approval step can name a group, and any member decides."""

    __tablename__ = "groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(String(400), default="")
    # Overrides the company-wide upgrade eligibility for members (None: the company-wide setting applies).
    upgrade_eligibility_months: Mapped[int | None] = mapped_column(Integer)
    members: Mapped[list[User]] = relationship(secondary=group_members, back_populates="groups")

    def __str__(self) -> str:
        return self.name


class UserRole(Model):
    __tablename__ = "user_roles"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(enum_column(Role), primary_key=True)


class PersonWord(Model):
    """A word a person is found by (app.search_words): kept by the listeners below whenever a person's name,
    email or employee number is written, so a search finds people by index."""

    __tablename__ = "person_words"
    # Compared byte by byte on PostgreSQL too, so that a prefix is a range of the index whatever the locale.
    word: Mapped[str] = mapped_column(
        String(80).with_variant(String(80, collation="C"), "postgresql"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


_IS_MANAGER = "_is_manager"  # where a person keeps the answer, with the transaction it holds for


class User(UserMixin, Model):
    """A person at the company: an employee, and possibly an approver, helpdesk, fulfilment or admin."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("employee_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    employee_number: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str | None] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    cost_center_id: Mapped[int | None] = mapped_column(ForeignKey("cost_centers.id"), index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"))
    informational_emails: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of every session cookie: signing out or deactivation bumps it, which ends every session at once.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())

    department: Mapped[Department | None] = relationship()
    cost_center: Mapped[CostCenter | None] = relationship(foreign_keys=[cost_center_id])
    location: Mapped[Location | None] = relationship()
    manager: Mapped[User | None] = relationship(remote_side=[id], back_populates="reports")
    reports: Mapped[list[User]] = relationship(back_populates="manager")
    groups: Mapped[list[Group]] = relationship(secondary=group_members, back_populates="members")
    # Loaded with the signed-in person (from_session_id) and by lists that show roles; not with every person a
    # query loads (a list of orders loads its people, and would pay a second query for their roles).
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan")

    def __str__(self) -> str:
        return self.name

    # Flask-Login: a deactivated person cannot sign in.
    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """What the session cookie holds: the id and the session version ("12.3")."""
        return f"{self.id}.{self.session_version or 0}"

    @classmethod
    def from_session_id(cls, session_id: str) -> User | None:
        """The active person a session cookie names, unless their sessions were ended since it was made."""
        user_id, _, version = (session_id or "").partition(".")
        if not user_id.isdigit() or not version.isdigit():
            return None
        # Every page asks about the person's roles, groups and whether anyone reports to them (the menu, the area
        # checks): one query for all four.
        found = db.session.execute(_signed_in_person(), {"user_id": int(user_id)}).unique().first()
        if found is None:
            return None
        person, is_manager = found
        if not person.active or (person.session_version or 0) != int(version):
            return None
        person.__dict__[_IS_MANAGER] = (db.session().get_transaction(), bool(is_manager))
        return person

    def end_sessions(self) -> None:
        """Sign this person out everywhere (sign-out, deactivation): every session cookie made so far stops working."""
        self.session_version = (self.session_version or 0) + 1

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return self.password_hash is not None and check_password_hash(self.password_hash, password)

    @property
    def roles(self) -> set[Role]:
        return {row.role for row in self.role_rows}

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    def grant(self, role: Role) -> None:
        if role not in self.roles:
            self.role_rows.append(UserRole(role=role))

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def is_helpdesk(self) -> bool:
        return bool(self.roles & {Role.HELPDESK, Role.ADMIN})

    @property
    def is_fulfillment(self) -> bool:
        return bool(self.roles & {Role.FULFILLMENT, Role.ADMIN})

    @property
    def is_manager(self) -> bool:
        """Whether anyone reports to this person. A page asks several times (the menu, the area check): the
        answer is kept for the rest of the transaction."""
        session = db.session()
        known = self.__dict__.get(_IS_MANAGER)
        if known is None or known[0] is not session.get_transaction():
            found = session.query(User.id).filter(User.manager_id == self.id).first() is not None
            known = self.__dict__[_IS_MANAGER] = (session.get_transaction(), found)
        return known[1]

    @property
    def is_approver(self) -> bool:
        return self.is_manager or bool(self.groups) or self.is_admin

    def management_chain(self) -> list[User]:
        """The manager, the manager's manager, and so on up (a loop in the data stops the walk)."""
        chain: list[User] = []
        person = self.manager
        while person is not None and person not in chain and person is not self:
            chain.append(person)
            person = person.manager
        return chain


# ---------------------------------------------------------------- the words people are found by
_FOUND_BY = ("name", "email", "employee_number")


@sa_event.listens_for(User, "after_insert")
def _words_of_new_person(mapper, connection, person: User) -> None:
    _write_words(connection, person)


@sa_event.listens_for(User, "after_update")
def _words_of_changed_person(mapper, connection, person: User) -> None:
    state: InstanceState[User] = inspect(person)
    if any(state.attrs[name].history.has_changes() for name in _FOUND_BY):
        connection.execute(delete(PersonWord).where(PersonWord.user_id == person.id))
        _write_words(connection, person)


@functools.cache
def _signed_in_person() -> Select:
    """The query every page runs for the person its session names, built once (building a statement with an
    alias costs more than running it): the person, their roles and groups, and whether anyone reports to them."""
    report = aliased(User)
    has_reports = select(report.id).where(report.manager_id == User.id).exists()
    return (
        select(User, has_reports)
        .where(User.id == bindparam("user_id"))
        .options(joinedload(User.role_rows), joinedload(User.groups))
    )


def _write_words(connection, person: User) -> None:
    words = words_of(person.name, person.email, person.employee_number)
    if words:
        connection.execute(insert(PersonWord), [{"word": w, "user_id": person.id} for w in sorted(words)])
