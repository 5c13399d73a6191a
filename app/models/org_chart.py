"""The org chart as a closure table: one row for every person and everyone above them (and one for the person
itself, depth 0), so "everyone below the COO" is one index range, not a recursive walk per request.

This module owns it. Listeners on the people table keep it true whatever writes a person through the ORM (the
admin's person page, the HR import, new people, the demo, the tests): a new person gets their manager's rows, a
person who changes manager takes their whole team along. Writers that bypass the ORM (the scale seeder's bulk
inserts) call `rebuild` once after their load. A change that would make the chain loop is refused: `moved` says so
before anything is written; as a last guard, a loop however it was written is refused when its transaction commits.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import (
    Connection,
    ForeignKey,
    Index,
    Integer,
    Select,
    Table,
    and_,
    delete,
    exists,
    func,
    insert,
    inspect,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column, object_session
from sqlalchemy.sql.selectable import Exists

from app.database import DbSession
from app.extensions import Model
from app.models.people import User


class OrgChartLoop(ValueError):
    """A person cannot report to someone below them (or to themselves): the management chain would loop."""


class OrgChartLink(Model):
    """`descendant` is `depth` levels below `ancestor` in the management chain (0: the same person)."""

    __tablename__ = "org_chart"
    __table_args__ = (Index("ix_org_chart_descendant", "descendant_id", "ancestor_id"),)
    # The primary key serves "everyone below X" (ancestor first); the index serves "everyone above X".
    ancestor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    descendant_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    depth: Mapped[int] = mapped_column(Integer)


LINKS = cast(Table, OrgChartLink.__table__)
USERS = cast(Table, User.__table__)
_REBUILD = "org_chart_rebuild"  # in a session's info: the flush changed managers in an order that needs a rebuild


# ---------------------------------------------------------------- reading
def below(person: User | int) -> Select:
    """Ids of everyone below the person, at any depth (not the person): a selectable for `IN (...)`."""
    person_id = person if isinstance(person, int) else person.id
    return select(LINKS.c.descendant_id).where(
        LINKS.c.ancestor_id == person_id, LINKS.c.descendant_id != LINKS.c.ancestor_id
    )


def is_below(session: DbSession, person: User, boss: User) -> bool:
    """Whether `person` reports to `boss`, directly or not."""
    _settle(session)
    return _is_below(session.connection(), person.id, boss.id)


def _is_below(connection: Connection, person_id: int, boss_id: int) -> bool:
    link = select(LINKS.c.depth).where(LINKS.c.ancestor_id == boss_id, LINKS.c.descendant_id == person_id)
    return person_id != boss_id and connection.scalar(link) is not None


# ---------------------------------------------------------------- changing
def moved(session: DbSession, person: User, new_manager: User | None) -> None:
    """The person (with everyone below them) now reports to `new_manager` (None: to nobody). Refused with
    OrgChartLoop when the new manager is the person or someone below them. Flushes; the caller commits."""
    if person.manager is new_manager:
        return
    if new_manager is not None and (new_manager.id == person.id or is_below(session, new_manager, person)):
        raise OrgChartLoop(
            f"{person.name} cannot report to {new_manager.name}: {new_manager.name} reports to "
            f"{person.name}{'' if new_manager.id == person.id else ', directly or not'}, so the management "
            "chain would loop."
        )
    person.manager = new_manager
    session.flush()


def rebuild(session: DbSession) -> int:
    """The whole chart again from the people's managers (after a bulk load); returns how many links it holds.
    Raises OrgChartLoop, naming some of them, when people's managers go round in a circle."""
    session.flush()
    session.info.pop(_REBUILD, None)
    return _rebuild(session.connection())


def _rebuild(connection: Connection) -> int:
    connection.execute(delete(LINKS))
    written = 0
    while True:  # one level of the chart per statement: the heads first, then their reports, and so on
        connection.execute(insert(LINKS).from_select(["ancestor_id", "descendant_id", "depth"], _next_level()))
        # Counted, not read from the cursor: psycopg reports -1 rows for an INSERT ... SELECT here.
        now = connection.scalar(select(func.count()).select_from(LINKS)) or 0
        if now == written:
            break
        written = now
    unplaced = connection.execute(select(USERS.c.id, USERS.c.manager_id, USERS.c.name).where(~_placed(USERS.c.id)))
    people = {row.id: row for row in unplaced}
    if people:
        raise OrgChartLoop(f"The management chain loops: {_circle(people)}.")
    return written


def _circle(people: dict) -> str:
    """The circle people left out of the chart are in (or hang below): "A → B → C → A"."""
    walk = [min(people)]
    while people[walk[-1]].manager_id not in walk:
        walk.append(people[walk[-1]].manager_id)
    circle = walk[walk.index(people[walk[-1]].manager_id) :]
    return " → ".join(people[person_id].name for person_id in [*circle, circle[0]])


def _placed(person_id) -> Exists:
    return exists().where(LINKS.c.ancestor_id == person_id, LINKS.c.descendant_id == person_id)


def _next_level():
    """The rows of people not in the chart yet whose manager is (or who have none): their own row, and a row
    for each of their manager's rows one level further down."""
    person = aliased(USERS, name="person")
    above = aliased(LINKS, name="above")
    reports = (
        select(above.c.ancestor_id, person.c.id, above.c.depth + 1)
        .select_from(person.join(above, above.c.descendant_id == person.c.manager_id))
        .where(~_placed(person.c.id))
    )
    selves = select(person.c.id, person.c.id, literal(0)).where(
        ~_placed(person.c.id), or_(person.c.manager_id.is_(None), _placed(person.c.manager_id))
    )
    return union_all(reports, selves)


def _add(connection: Connection, person_id: int, manager_id: int | None) -> None:
    """A new person: their own row, and their manager's rows one level further down."""
    own = select(literal(person_id), literal(person_id), literal(0))
    if manager_id is None:
        connection.execute(insert(LINKS).from_select(["ancestor_id", "descendant_id", "depth"], own))
        return
    inherited = select(LINKS.c.ancestor_id, literal(person_id), LINKS.c.depth + 1).where(
        LINKS.c.descendant_id == manager_id
    )
    connection.execute(insert(LINKS).from_select(["ancestor_id", "descendant_id", "depth"], union_all(own, inherited)))


def _move(connection: Connection, person_id: int, manager_id: int | None) -> None:
    """The person's team (the person and everyone below) leaves everyone above the person, then joins everyone
    from the new manager up."""
    team = select(LINKS.c.descendant_id).where(LINKS.c.ancestor_id == person_id)
    above = select(LINKS.c.ancestor_id).where(LINKS.c.descendant_id == person_id, LINKS.c.depth > 0)
    connection.execute(delete(LINKS).where(LINKS.c.descendant_id.in_(team), LINKS.c.ancestor_id.in_(above)))
    if manager_id is None:
        return
    upper, lower = aliased(LINKS, name="upper"), aliased(LINKS, name="lower")
    joined = (
        select(upper.c.ancestor_id, lower.c.descendant_id, upper.c.depth + lower.c.depth + 1)
        .select_from(upper.join(lower, true()))
        .where(and_(upper.c.descendant_id == manager_id, lower.c.ancestor_id == person_id))
    )
    connection.execute(insert(LINKS).from_select(["ancestor_id", "descendant_id", "depth"], joined))


# ---------------------------------------------------------------- kept by the people table's listeners
def _pending(person: User) -> dict:
    """Where a session notes that its chart must be built again before it commits."""
    session = object_session(person)
    return session.info if session is not None else {}


@sa_event.listens_for(User, "after_insert")
def _person_added(mapper, connection: Connection, person: User) -> None:
    if not _pending(person).get(_REBUILD):
        _add(connection, person.id, person.manager_id)


@sa_event.listens_for(User, "after_update")
def _person_changed(mapper, connection: Connection, person: User) -> None:
    info = _pending(person)
    if info.get(_REBUILD) or not inspect(person).attrs.manager_id.history.has_changes():
        return
    if person.manager_id is not None and (
        person.manager_id == person.id or _is_below(connection, person.manager_id, person.id)
    ):
        # Moved under someone who is still below them: a loop, unless it is a moment of a larger change (an HR
        # file where two people change places is written a person at a time). The chart is built again, from
        # the managers as they stand, before the transaction commits, and a loop still there is refused then.
        info[_REBUILD] = True
        return
    _move(connection, person.id, person.manager_id)


def _settle(session: DbSession) -> None:
    """Build the chart again if a change of managers in this transaction asked for it; refuse a loop."""
    session.flush()
    if session.info.get(_REBUILD):
        _rebuild(session.connection())
        session.info.pop(_REBUILD, None)


@sa_event.listens_for(Session, "before_commit")
def _settle_before_commit(session: Session) -> None:
    _settle(session)


@sa_event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_REBUILD, None)  # the chart went back with the managers
