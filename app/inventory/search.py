"""Finding inventory records: for each list, one query built from its filters, shared by the page, its HTMX
fragment and its CSV export, so what is exported is exactly what is listed.

Phone numbers match by digits anywhere in the national number, however it was typed, through the index of the
numbers' endings; IMEIs and ICCIDs by their start; people by the start of any word of their name or email, or
by their employee number (app.search_words).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    ColumnExpressionArgument,
    Integer,
    Select,
    String,
    and_,
    any_,
    bindparam,
    false,
    func,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import defaultload, joinedload, lazyload, load_only, selectinload

from app import formatting, params
from app.database import DbSession
from app.identifiers import InvalidIdentifier, digits_only, parse_phone, phone_search_prefix
from app.models import (
    Carrier,
    CostCenter,
    Department,
    Device,
    DeviceModel,
    DeviceStatus,
    InventoryChange,
    Line,
    LineFeature,
    LineNumberEnding,
    LineStatus,
    PersonWord,
    Plan,
    Sim,
    SimKind,
    Stipend,
    StipendStatus,
    StipendTier,
    User,
)
from app.search_words import after_prefix, terms_of


@dataclass(frozen=True)
class Filters:
    """What someone asked a list for: the search text, the chosen filters, the sort."""

    q: str = ""
    sort: str = ""
    descending: bool = False
    chosen: dict[str, str] = field(default_factory=dict)
    default_sort: str = ""

    def id_of(self, name: str) -> int | None:
        return params.to_int(self.chosen.get(name, ""), minimum=1)

    def member(self, name: str, kind: type[enum.Enum]) -> Any:
        try:
            return kind(self.chosen.get(name, ""))
        except ValueError:
            return None

    def args(self, **overrides: Any) -> dict[str, Any]:
        """The query-string arguments that give this list again (with some changed), blanks left out."""
        values: dict[str, Any] = {
            "q": self.q,
            **self.chosen,
            "sort": self.sort,
            "dir": "desc" if self.descending else "",
        }
        values.update(overrides)
        if values.get("sort") == self.default_sort and not values.get("dir"):
            values["sort"] = ""  # the usual order needs no mention in the address
        return {k: v for k, v in values.items() if v not in ("", None)}

    @property
    def active(self) -> bool:
        return bool(self.q or any(self.chosen.values()))


@dataclass(frozen=True)
class Found:
    """What a search matches, written twice: as the page's rows are best found (`listed`), and as their count is
    (`counted`). Both give the same rows; a phone search walks the numbers in their order for its first 50 but
    counts through the numbers' endings."""

    listed: ColumnElement[bool]
    counted: ColumnElement[bool]
    # The ids counted, in a query of their own, when no filter narrows the list (no join to the list's table).
    alone: Select | None = None
    # The rows found are few: sort them, never walk an index in the list's order looking for them (the planner
    # takes them to be spread evenly along it, but the lines of one area code sit together, maybe at its far end).
    sort_found: bool = False


@dataclass(frozen=True)
class ListSpec:
    """One inventory list: the filters it offers, the columns it sorts by, and the query that finds its rows."""

    name: str
    model: type[Any]
    filters: tuple[str, ...]
    sorts: Mapping[str, tuple[Any, Any]]  # sort key → (ordering column, relationship to join, or None)
    default_sort: str
    base: Callable[[], Select]  # the records with what each row shows, loaded in the same query
    match: Callable[[DbSession, str], ColumnElement[bool] | Found]  # the search box
    narrow: Callable[[Select, Filters], Select]  # the filters

    def read(self, args: Mapping[str, str]) -> Filters:
        sort = args.get("sort", "")
        return Filters(
            q=(args.get("q") or "").strip()[:100],
            sort=sort if sort in self.sorts else self.default_sort,
            descending=args.get("dir") == "desc",
            chosen={name: (args.get(name) or "").strip() for name in self.filters},
            default_sort=self.default_sort,
        )

    def export_query(self, session: DbSession, filters: Filters) -> Select:
        """The same query, loading what the CSV has beyond the page (a line's SIMs), streamed in batches."""
        query = self.query(session, filters)
        if self.model is Line:
            query = query.options(selectinload(Line.sims))
        return query.execution_options(yield_per=500)

    def query(self, session: DbSession, filters: Filters, *, rows: bool = True) -> Select:
        """The one query for this list: filtered, searched and sorted (the page paginates it, CSV streams it).
        `rows=False` leaves out what each row shows: the page picks its rows first, then `with_rows` loads that."""
        return self.page_queries(session, filters, rows=rows)[0]

    def page_queries(self, session: DbSession, filters: Filters, *, rows: bool = False) -> tuple[Select, Select]:
        """The list's query, and the query its page counts: the same rows, by their ids alone (an index has them),
        found another way when the search says so (see `Found`)."""
        found = self.match(session, filters.q) if filters.q else None
        listed = found.listed if isinstance(found, Found) else found
        counted = found.counted if isinstance(found, Found) else found
        # A page's rows are picked by their ids (and sort keys) alone, which an index may hold; `with_rows` loads the
        # rest of those 50.
        picked = self.base() if rows else select(self.model).options(load_only(self.model.id))
        query = self._sorted(
            self.narrow(self._where(picked, listed), filters), filters, isinstance(found, Found) and found.sort_found
        )
        if isinstance(found, Found) and found.alone is not None and not any(filters.chosen.values()):
            return query, found.alone
        return query, self.narrow(self._where(select(self.model.id), counted), filters)

    @staticmethod
    def _where(query: Select, match: ColumnElement[bool] | None) -> Select:
        return query if match is None else query.where(match)

    def _sorted(self, query: Select, filters: Filters, apart: bool = False) -> Select:
        column, join = self.sorts.get(filters.sort) or self.sorts[self.default_sort]
        if join is not None:
            query = query.outerjoin(join)
        if apart and isinstance(column.type, String) and not isinstance(column.type, sa.Enum):
            column = column.concat("")  # the same order, which no index gives: the rows are found, then sorted
        order = column.desc() if filters.descending else column.asc()
        tie_break = self.model.id.desc() if filters.descending else self.model.id.asc()
        return query.order_by(order, tie_break)

    def with_rows(self, session: DbSession, records: list) -> list:
        """Load what the list shows for a page of records, in one query. Joined into the list's own query instead,
        the database would join every match (a three-digit search matches thousands of lines) before keeping 50."""
        session.scalars(self.base().where(self.model.id.in_([r.id for r in records]))).unique().all()
        return records  # (an empty page asks too: a page costs the same statements whatever it finds)


# ------------------------------------------------------------------ matching helpers
def starts_with(column: Any, digits: str) -> ColumnElement[bool]:
    """`column` starts with `digits`, as a range an ordinary index answers: '219' ≤ value < '22'."""
    if not digits:
        return false()
    upper = _successor(digits)
    return column >= digits if upper is None else and_(column >= digits, column < upper)


def _successor(digits: str) -> str | None:
    """The smallest digit string after every string starting with `digits` ('219' → '22'; '99' → None)."""
    stripped = digits.rstrip("9")
    if not stripped:
        return None
    return stripped[:-1] + str(int(stripped[-1]) + 1)


def is_number_search(text: str) -> bool:
    """Digits with phone-number punctuation only: '(212) 555-01', '+1 212', '35-391110'."""
    return bool(digits_only(text)) and re.fullmatch(r"[\d\s()+.\-/]+", text) is not None


def number_matches(text: str) -> ColumnElement[bool]:
    """A line whose national number has what was typed anywhere in it: the matching lines are found first, through
    the index of the numbers' endings (app.models.LineNumberEnding), and only those are sorted."""
    prefix = phone_search_prefix(text)
    endings = select(LineNumberEnding.line_id).where(starts_with(LineNumberEnding.ending, prefix))
    return _or(Line.id.in_(endings), *_with_trunk_one(text, prefix))


def _with_trunk_one(text: str, prefix: str) -> list[ColumnElement[bool]]:
    if not text.lstrip().startswith("+") and prefix.startswith("1") and len(prefix) > 1:
        return [starts_with(Line.number_digits, prefix[1:])]  # '1 212 555…' with the trunk 1
    return []


def _or(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return or_(*conditions) if len(conditions) > 1 else conditions[0]


ENDINGS_LISTED = 1_000  # as few lines found as this are fetched by id; more are looked for along the list's order


def lines_numbered(session: DbSession, text: str) -> Found:
    """The lines whose national number has what was typed anywhere in it, for a page sorted by any column. The
    lines are found first, ENDINGS_LISTED + 1 of them at most, through the numbers' endings (and the numbers that
    start with the digits after a trunk 1). As few as that: they are fetched by id and only those sorted. More (three
    digits typed, an area code): they are common enough that walking the lines in the list's order, looking at each
    number's digits, reaches a page of them soon, where sorting them all would cost more with every line added. The
    count reads the endings' index alone."""
    prefix = phone_search_prefix(text)
    endings = select(LineNumberEnding.line_id).where(starts_with(LineNumberEnding.ending, prefix))
    trunk = [select(Line.id).where(condition) for condition in _with_trunk_one(text, prefix)]
    found = union_all(endings, *trunk) if trunk else endings
    ids = session.scalars(found.limit(ENDINGS_LISTED + 1)).all()
    # Each line once, by the last place the digits are in its number: the ending with no other match after its
    # first digit. Counted in the endings' index, at most COUNT_LIMIT + 1 of them, however many lines match.
    last = endings.where(_position(session, func.substr(LineNumberEnding.ending, 2), prefix) == 0)
    alone = select(union(last, *trunk).subquery().c.line_id) if trunk else last
    if len(ids) <= ENDINGS_LISTED:
        listed = _id_among(session, sorted(set(ids)))
        return Found(listed, listed, alone, sort_found=True)
    walked = _or(_contains(session, Line.number_digits, prefix), *_with_trunk_one(text, prefix))
    return Found(walked, Line.id.in_(found), alone)


def _id_among(session: DbSession, ids: list[int]) -> ColumnElement[bool]:
    """`Line.id` is one of `ids`: one array on PostgreSQL (thousands of parameters cost time to bind)."""
    if session.get_bind().dialect.name == "postgresql":
        return Line.id == any_(bindparam("line_ids", ids, type_=ARRAY(Integer)))
    return Line.id.in_(ids)


def _contains(session: DbSession, column: Any, digits: str) -> ColumnElement[bool]:
    """`digits` is somewhere in `column`. A function, not LIKE '%…%': the planner takes it to hold for a third of
    the rows, so walks the list's order for a page of them, however rare the digits look to its statistics."""
    return _position(session, column, digits) > 0


def _position(session: DbSession, column: Any, digits: str) -> ColumnElement[int]:
    """Where `digits` first are in `column`, from 1; 0 when they are not in it."""
    where = func.strpos if session.get_bind().dialect.name == "postgresql" else func.instr
    return where(column, digits)


OLD_NUMBERS_FOUND = 100


def had_number(session: DbSession, text: str) -> list[int]:
    """The lines whose history says they had the whole number typed (changed or moved away since); [] when what
    was typed is not a whole number. An index of the old numbers serves it (their lines are few)."""
    try:
        shown = formatting.phone(parse_phone(text))
    except InvalidIdentifier:
        return []
    return list(
        session.scalars(
            select(InventoryChange.record_id)
            .where(
                InventoryChange.field == "number",
                InventoryChange.old_value == shown,
                InventoryChange.record_type == "line",
            )
            .distinct()
            .limit(OLD_NUMBERS_FOUND)
        )
    )


def people_matching(text: str) -> Select:
    """The ids of people with a word starting each word of `text` (their name, email or employee number: see
    app.search_words), found through the index of people's words, not by reading every person."""
    terms = terms_of(text)
    if not terms:
        return select(User.id).where(false())
    found = [
        select(PersonWord.user_id).where(PersonWord.word >= term, PersonWord.word < after_prefix(term))
        for term in terms
    ]
    if len(found) == 1:
        return found[0]
    return select(User.id).where(*(User.id.in_(query) for query in found))


PEOPLE_FOUND = 20  # a search for a person lists at most this many
PEOPLE_SORTED = 1_000  # … the first by name among the people of at most this many words found (past it: type more)


def first_found_by_name(text: str, where: Iterable[ColumnExpressionArgument[bool]], limit: int | None) -> Select:
    """The ids of the first `limit` people by name whom `text` finds and for whom `where` holds. Those found come
    from the index of people's words first (the people of at most PEOPLE_SORTED words), and only they are sorted:
    asked for the first by name among everyone, PostgreSQL walks the company in name order until enough match
    (6,154 people read for "sil" at 100,000 people: 37 ms, against 6 ms this way)."""
    found = people_matching(text).limit(PEOPLE_SORTED).subquery("found")
    # OFFSET 0 keeps the sort out of the subquery: the people found are fetched, then the few are sorted
    matched = select(User.id, User.name).where(User.id.in_(select(found.c[0])), *where).offset(0).subquery("matched")
    return select(matched.c.id).order_by(matched.c.name, matched.c.id).limit(limit)


class PeopleFound(NamedTuple):
    people: list[User]  # the one already chosen first, then those the search found
    matched: bool  # whether the search found anyone (the one chosen included)


def people_found(
    session: DbSession,
    text: str,
    *,
    chosen: int | None = None,
    where: Iterable[ColumnExpressionArgument[bool]] = (),
    limit: int = PEOPLE_FOUND,
) -> PeopleFound:
    """What a person picker offers: the one already `chosen` (kept, whatever was searched), then the people `text`
    finds, by name, at most `limit` of them; all of them people for whom `where` holds. Never the whole company:
    with a hundred thousand people a list of everyone weighs megabytes."""
    conditions = list(where)
    text = text.strip()
    people: list[User] = []
    if chosen is not None and 0 < chosen <= params.INT_MAX:
        people += session.scalars(select(User).where(User.id == chosen, *conditions)).all()
    found: list[User] = []
    if text:
        matching = select(User).where(User.id.in_(first_found_by_name(text, conditions, limit)))
        found = list(session.scalars(matching.order_by(User.name, User.id)))
    return PeopleFound(people + [p for p in found if p.id != chosen], bool(found))


def imei_matches(text: str) -> ColumnElement[bool]:
    return starts_with(Device.imei, digits_only(text))


# ------------------------------------------------------------------ lines
def _lines_base() -> Select:
    return select(Line).options(
        joinedload(Line.carrier),
        joinedload(Line.plan),
        joinedload(Line.cost_center),
        joinedload(Line.employee).joinedload(User.department),
        _without_roles(Line.employee),
        joinedload(Line.device).joinedload(Device.model),
        selectinload(Line.features).joinedload(LineFeature.feature),
    )


def _without_roles(relationship: Any) -> Any:
    """A row's employee comes without their roles (a list never shows them, and they cost a query)."""
    return defaultload(relationship).lazyload(User.role_rows)


IMEI_SEARCH_DIGITS = 12  # fewer could be the start of a phone number; 12 narrow an IMEI to at most 100 devices


def _line_match(session: DbSession, text: str) -> ColumnElement[bool] | Found:
    if not is_number_search(text):
        return Line.employee_id.in_(people_matching(text))
    # The numbers' endings, the lines that had the number, and the devices, first, in queries of their own: an OR
    # of plain index conditions stays an index search (a sub-select inside the OR would make PostgreSQL read every
    # line).
    number = lines_numbered(session, text)
    others = []
    if formerly := had_number(session, text):
        others.append(Line.id.in_(formerly))
    if len(digits_only(text)) >= IMEI_SEARCH_DIGITS:
        devices = session.scalars(select(Device.id).where(imei_matches(text)).limit(100)).all()
        if devices:
            others.append(Line.device_id.in_(devices))
    if not others:
        return number
    return Found(_or(number.listed, *others), _or(number.counted, *others), sort_found=number.sort_found)


def _line_filters(query: Select, filters: Filters) -> Select:
    if (carrier := filters.id_of("carrier")) is not None:
        query = query.where(Line.carrier_id == carrier)
    if (status := filters.member("status", LineStatus)) is not None:
        query = query.where(Line.status == status)
    if (department := filters.id_of("department")) is not None:
        query = query.where(Line.employee_id.in_(select(User.id).where(User.department_id == department)))
    if (cost_center := filters.id_of("cost_center")) is not None:
        query = query.where(Line.cost_center_id == cost_center)
    return query


LINES = ListSpec(
    name="lines",
    model=Line,
    filters=("carrier", "status", "department", "cost_center"),
    sorts={
        "number": (Line.number, None),
        "carrier": (Carrier.name, Line.carrier),
        "plan": (Plan.name, Line.plan),
        "employee": (User.name, Line.employee),
        "cost_center": (CostCenter.code, Line.cost_center),
        "status": (Line.status, None),
        "activated": (Line.activated_on, None),
    },
    default_sort="number",
    base=_lines_base,
    match=_line_match,
    narrow=_line_filters,
)


# ------------------------------------------------------------------ devices
def _devices_base() -> Select:
    return select(Device).options(
        joinedload(Device.model), joinedload(Device.employee), _without_roles(Device.employee)
    )


def _device_match(session: DbSession, text: str) -> ColumnElement[bool]:
    by_serial = Device.serial.istartswith(text, autoescape=True)
    if is_number_search(text):
        return or_(imei_matches(text), by_serial)
    model_ids = select(DeviceModel.id).where(
        func.lower(DeviceModel.maker + " " + DeviceModel.name).contains(text.lower(), autoescape=True)
    )
    return or_(by_serial, Device.employee_id.in_(people_matching(text)), Device.model_id.in_(model_ids))


def _device_filters(query: Select, filters: Filters) -> Select:
    if (status := filters.member("status", DeviceStatus)) is not None:
        query = query.where(Device.status == status)
    if (model := filters.id_of("model")) is not None:
        query = query.where(Device.model_id == model)
    return query


DEVICES = ListSpec(
    name="devices",
    model=Device,
    filters=("status", "model"),
    sorts={
        "model": (DeviceModel.name, Device.model),
        "imei": (Device.imei, None),
        "serial": (Device.serial, None),
        "status": (Device.status, None),
        "employee": (User.name, Device.employee),
        "purchased": (Device.purchased_on, None),
        "warranty": (Device.warranty_ends_on, None),
    },
    default_sort="model",
    base=_devices_base,
    match=_device_match,
    narrow=_device_filters,
)


# ------------------------------------------------------------------ SIMs
def _sims_base() -> Select:
    return select(Sim).options(
        joinedload(Sim.line).joinedload(Line.employee),
        defaultload(Sim.line).defaultload(Line.employee).lazyload(User.role_rows),
    )


def _sim_match(session: DbSession, text: str) -> ColumnElement[bool]:
    if is_number_search(text):
        return or_(
            starts_with(Sim.iccid, digits_only(text)), Sim.line_id.in_(select(Line.id).where(number_matches(text)))
        )
    return Sim.line_id.in_(select(Line.id).where(Line.employee_id.in_(people_matching(text))))


def _sim_filters(query: Select, filters: Filters) -> Select:
    if (kind := filters.member("kind", SimKind)) is not None:
        query = query.where(Sim.kind == kind)
    state = filters.chosen.get("state")
    if state in ("active", "inactive"):
        query = query.where(Sim.active.is_(state == "active"))
    return query


SIMS = ListSpec(
    name="sims",
    model=Sim,
    filters=("kind", "state"),
    sorts={
        "iccid": (Sim.iccid, None),
        "kind": (Sim.kind, None),
        "line": (Line.number, Sim.line),
        "activated": (Sim.activated_on, None),
    },
    default_sort="iccid",
    base=_sims_base,
    match=_sim_match,
    narrow=_sim_filters,
)


# ------------------------------------------------------------------ stipends
def _stipends_base() -> Select:
    return select(Stipend).options(
        joinedload(Stipend.employee).joinedload(User.department),
        _without_roles(Stipend.employee),
        joinedload(Stipend.tier),
    )


def _stipend_filters(query: Select, filters: Filters) -> Select:
    if (tier := filters.id_of("tier")) is not None:
        query = query.where(Stipend.tier_id == tier)
    if (status := filters.member("status", StipendStatus)) is not None:
        query = query.where(Stipend.status == status)
    return query


STIPENDS = ListSpec(
    name="stipends",
    model=Stipend,
    filters=("tier", "status"),
    sorts={
        "employee": (User.name, Stipend.employee),
        "tier": (StipendTier.name, Stipend.tier),
        "amount": (Stipend.monthly_cents, None),
        "status": (Stipend.status, None),
        "starts": (Stipend.starts_on, None),
        "ends": (Stipend.ends_on, None),
    },
    default_sort="employee",
    base=_stipends_base,
    match=lambda session, text: Stipend.employee_id.in_(people_matching(text)),
    narrow=_stipend_filters,
)


# ------------------------------------------------------------------ employees
def _employees_base() -> Select:
    return select(User).options(joinedload(User.department), joinedload(User.cost_center), lazyload(User.role_rows))


def _employee_filters(query: Select, filters: Filters) -> Select:
    if (department := filters.id_of("department")) is not None:
        query = query.where(User.department_id == department)
    if (cost_center := filters.id_of("cost_center")) is not None:
        query = query.where(User.cost_center_id == cost_center)
    return query


EMPLOYEES = ListSpec(
    name="employees",
    model=User,
    filters=("department", "cost_center"),
    sorts={
        "name": (User.name, None),
        "email": (User.email, None),
        "department": (Department.name, User.department),
        "cost_center": (CostCenter.code, User.cost_center),
    },
    default_sort="name",
    base=_employees_base,
    match=lambda session, text: User.id.in_(people_matching(text)),
    narrow=_employee_filters,
)

LISTS: dict[str, ListSpec] = {spec.name: spec for spec in (LINES, DEVICES, SIMS, STIPENDS, EMPLOYEES)}


# ------------------------------------------------------------------ what a page of rows also needs
def live_lines_by_device(session: DbSession, device_ids: Iterable[int]) -> dict[int, Line]:
    """The line each device is on now (one query for a page of devices)."""
    ids = list(device_ids)
    if not ids:
        return {}
    lines = select(Line).where(Line.device_id.in_(ids))
    found: dict[int, Line] = {}
    for line in session.scalars(lines.order_by(Line.id)):
        if line.device_id is not None and (line.device_id not in found or line.is_live):
            found[line.device_id] = line
    return found


def live_line_counts(session: DbSession, user_ids: Iterable[int]) -> dict[int, int]:
    """How many active or suspended lines each person has (one query for a page of people)."""
    ids = list(user_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Line.employee_id, func.count())
        .where(Line.employee_id.in_(ids), Line.status.in_([LineStatus.ACTIVE, LineStatus.SUSPENDED]))
        .group_by(Line.employee_id)
    )
    return {user_id: count for user_id, count in rows if user_id is not None}
