"""A large company for benchmarks (`flask --app wsgi seed-scale`): tens of thousands of people, lines, devices
and orders, each order with the timeline and approval steps its status implies, written with bulk inserts
(Core `insert()` of lists of dicts, in batches, explicit ids: no ORM object per row).

It builds on the demo company (loaded first when absent): the demo catalog, approval policies and logins stay
as they are, and Marco (manager@example.com) gets `inbox` orders waiting for his approval. Every scale person
signs in with the demo password. Random but reproducible: the same sizes and seed give the same company.
"""

from __future__ import annotations

import random
import string
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, insert, select, text, update
from werkzeug.security import generate_password_hash

from app import clock
from app.approvals.policies import OrderFacts, matches
from app.crypto import encrypt_json
from app.database import DbSession
from app.demo import DEMO_PASSWORD, FIRST_NAMES, LAST_NAMES, load_demo
from app.extensions import db
from app.fulfilment.simulator import completion_message
from app.identifiers import make_iccid, make_imei, number_endings
from app.models import (
    Accessory,
    Approval,
    ApprovalPolicy,
    ApprovalStatus,
    ApproverKind,
    Carrier,
    CostCenter,
    Department,
    Device,
    DeviceModel,
    DeviceStatus,
    FulfilmentMode,
    Group,
    InventoryChange,
    Line,
    LineFeature,
    LineNumberEnding,
    LineStatus,
    Location,
    Order,
    OrderEvent,
    OrderStatus,
    PersonWord,
    ReportedDevice,
    Shipment,
    Sim,
    SimKind,
    Stipend,
    StipendStatus,
    StipendTier,
    User,
    get_setting,
    org_chart,
)
from app.orders import lifecycle
from app.orders.types import MOBILE, REGISTRY
from app.orders.types.base import SampleDraft
from app.orders.types.samples import AREA_CODES, area_code
from app.search_words import words_of

S = OrderStatus
SCALE_EMAIL = "@scale.example.com"  # every scale person's address ends so: how a second load is refused
BATCH = 5000
HISTORY_DAYS = 730  # orders were submitted over the last two years
RECENT_DAYS = 21  # only orders this young are still on their way
MARCO_REPORTS = 40  # scale people who report to Marco, besides his demo team
ERIN_ORDERS = 60  # Erin's (employee@example.com) own orders over the two years, whatever the size

NEW_DEPARTMENTS = (
    "Marketing",
    "Customer support",
    "Operations",
    "Legal",
    "Human resources",
    "Logistics",
    "Research",
    "Manufacturing",
    "Procurement",
    "Facilities",
    "Product",
    "Quality",
)
NEW_LOCATIONS = {  # name: (street, city, state, ZIP)
    "Chicago office": ("233 South Wacker Drive", "Chicago", "IL", "60606"),
    "Austin office": ("500 West 2nd Street", "Austin", "TX", "78701"),
    "Seattle office": ("1201 Third Avenue", "Seattle", "WA", "98101"),
    "Atlanta office": ("1180 Peachtree Street NE", "Atlanta", "GA", "30309"),
}
# Type allocation codes other than the demo's and the simulator's, so no IMEI can collide with theirs.
TACS = {"Apple": "35407115", "Samsung": "35332011", "Google": "35925611", "Netgear": "86583905"}
ICCID_ISSUER = "01480"  # the demo uses 01260, the simulator 01410

TYPE_WEIGHTS = {
    "accessory": 14,
    "upgrade": 12,
    "change_features": 10,
    "new_line": 8,
    "change_plan": 8,
    "sim_request": 6,
    "disconnect": 6,
    "assign_line": 5,
    "suspend": 4,
    "activate_in_stock": 4,
    "warranty_replacement": 4,
    "restore": 3,
    "change_number": 3,
    "swap_to_stock_device": 3,
    "port_in": 3,
    "stipend_enroll": 3,
    "transfer_liability": 2,
    "stipend_remove": 2,
}
RECENT_STATUSES = {
    S.PENDING_APPROVAL: 25,
    S.INFO_REQUESTED: 5,
    S.APPROVED: 8,
    S.WITH_CARRIER: 15,
    S.SHIPPED: 12,
    S.NEEDS_ATTENTION: 3,
    S.COMPLETED: 25,
    S.REJECTED: 4,
    S.CANCELLED: 3,
}
OLD_STATUSES = {S.COMPLETED: 84, S.REJECTED: 7, S.CANCELLED: 7, S.NEEDS_ATTENTION: 1, S.DRAFT: 1}
INTERNAL_STATUSES = (S.DRAFT, S.PENDING_APPROVAL, S.INFO_REQUESTED, S.COMPLETED, S.REJECTED, S.CANCELLED)
SIMULATOR_MOVES = {S.APPROVED, S.WITH_CARRIER, S.SHIPPED, S.CANCELLATION_REQUESTED}
LINE_STATUSES = (
    (LineStatus.ACTIVE, 72),
    (LineStatus.SUSPENDED, 4),
    (LineStatus.DISCONNECTED, 20),
    (LineStatus.TRANSFERRED_OUT, 4),
)


class AlreadyLoaded(Exception):
    """The scale company is in this database already."""


# ---------------------------------------------------------------- writing rows in batches
class Rows:
    """Rows waiting to be inserted, table by table; written in batches, parents before children."""

    def __init__(self, session: DbSession, batch: int = BATCH) -> None:
        self.connection = session.connection()
        self.copy = self.connection.dialect.name == "postgresql"  # COPY FROM STDIN there; multi-row INSERTs elsewhere
        self.batch = batch
        self.pending: dict[Table, list[dict]] = {}
        self.written: dict[str, int] = {}
        self.seconds: dict[str, float] = {}  # time spent writing each table
        self.next_ids: dict[Table, int] = {}

    def next_id(self, model: type[Any]) -> int:
        """Ids are given here (so children can name their parents before anything is written)."""
        table = model.__table__
        if table not in self.next_ids:
            self.next_ids[table] = (self.connection.scalar(select(func.max(table.c.id))) or 0) + 1
        self.next_ids[table] += 1
        return self.next_ids[table] - 1

    def add(self, model: type[Any], row: dict) -> None:
        table = model.__table__
        self.pending.setdefault(table, []).append(row)
        if model is Line:  # what the ORM's validator writes for a line's number, written here with it
            for ending in number_endings(row["number_digits"]):
                self.add(LineNumberEnding, {"line_id": row["id"], "ending": ending})
        if model is User:  # what the ORM's listeners write for a person, written here with them
            for word in sorted(words_of(row.get("name"), row.get("email"), row.get("employee_number"))):
                self.add(PersonWord, {"word": word, "user_id": row["id"]})
        if len(self.pending[table]) >= self.batch:
            self.flush()

    def flush(self) -> None:
        """Write everything pending, parents before children (the tables in foreign-key order)."""
        ranks = {t: rank for rank, t in enumerate(User.metadata.sorted_tables)}
        for table, rows in sorted(self.pending.items(), key=lambda item: ranks[item[0]]):
            if rows:
                started = time.perf_counter()
                if self.copy:
                    _copy(self.connection, table, rows)
                else:
                    self.connection.execute(insert(table), rows)
                self.seconds[table.name] = self.seconds.get(table.name, 0) + time.perf_counter() - started
                self.written[table.name] = self.written.get(table.name, 0) + len(rows)
                rows.clear()

    def finish(self) -> None:
        """Write the rest and move PostgreSQL's id sequences past the ids given here."""
        self.flush()
        if self.connection.dialect.name == "postgresql":
            for table in self.next_ids:
                self.connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"
                    )
                )


def _copy(connection: Connection, table: Table, rows: list[dict]) -> None:
    """PostgreSQL's `COPY … FROM STDIN` of the rows, each value bound as `insert()` would bind it (enums as their
    values, JSON as text, a column's Python default where a row leaves it out). Several times faster than
    multi-row INSERTs: no statement to parse per batch, no parameters to plan."""
    dialect = connection.dialect
    given = list(rows[0])
    defaults = {
        column.key: _default_of(column)
        for column in table.columns
        if column.key not in rows[0] and column.default is not None
    }
    columns = [table.c[key] for key in (*given, *defaults)]
    bind = [column.type._cached_bind_processor(dialect) for column in columns]
    fixed = list(defaults.values())
    quote = dialect.identifier_preparer
    names = ", ".join(quote.format_column(column) for column in columns)
    cursor = connection.connection.cursor()  # the DB-API cursor of the same transaction
    with cursor.copy(f"COPY {quote.format_table(table)} ({names}) FROM STDIN") as copy:
        for row in rows:
            values = [row[key] for key in given] + fixed
            copy.write_row(
                [value if process is None else process(value) for process, value in zip(bind, values, strict=True)]
            )


def _default_of(column: Any) -> Any:
    default = column.default
    if default.is_scalar:
        return default.arg
    if default.is_callable:  # SQLAlchemy wraps a callable of no arguments as one taking the execution context
        return default.arg(None)
    raise ValueError(f"{column}: a default COPY cannot give")


@contextmanager
def _indexes_built_after(connection: Connection, echo: Callable[[str], None]) -> Iterator[None]:
    """PostgreSQL: drop the secondary indexes and foreign keys of the application's tables for the load and build
    them again after it: one sort per index instead of an index insertion per row, one join per foreign key
    instead of a lookup per row. Primary keys and unique constraints stay (the loader relies on them). It all
    happens in the load's transaction: a failed load leaves every index as it was."""
    if connection.dialect.name != "postgresql":
        yield
        return
    tables = [table.name for table in User.metadata.sorted_tables]
    foreign_keys = connection.execute(
        text(
            "SELECT c.conrelid::regclass::text AS tab, c.conname AS name, pg_get_constraintdef(c.oid) AS definition "
            "FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(:tables)"
        ),
        {"tables": tables},
    ).all()
    indexes = connection.execute(
        text(
            "SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition "
            "FROM pg_index i WHERE i.indrelid::regclass::text = ANY(:tables) AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
        ),
        {"tables": tables},
    ).all()
    for key in foreign_keys:
        connection.exec_driver_sql(f'ALTER TABLE "{key.tab}" DROP CONSTRAINT "{key.name}"')
    for index in indexes:
        connection.exec_driver_sql(f"DROP INDEX {index.name}")
    yield
    started = time.monotonic()
    connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
    for index in indexes:
        connection.exec_driver_sql(index.definition)
    for key in foreign_keys:
        connection.exec_driver_sql(f'ALTER TABLE "{key.tab}" ADD CONSTRAINT "{key.name}" {key.definition}')
    echo(
        f"  {len(indexes)} indexes and {len(foreign_keys)} foreign keys built after the load in "
        f"{time.monotonic() - started:.1f} s"
    )


# ---------------------------------------------------------------- what the demo company gives
@dataclass
class Person:
    id: int
    manager_id: int | None
    cost_center_id: int | None
    city: str
    name: str
    lines: list[int] = field(default_factory=list)  # indexes into World.lines
    devices: list[int] = field(default_factory=list)  # ids of assigned devices


@dataclass
class LineFacts:
    id: int
    number: str
    employee_id: int | None
    carrier: dict
    plan: dict
    device_id: int | None
    model: dict | None
    status: LineStatus


@dataclass
class World:
    """What the generator knows while it writes: the catalog, the people, the lines, the stock."""

    today: date
    now: datetime
    prefix: str
    carriers: list[dict]
    models: list[dict]
    accessories: list[dict]
    tiers: list[dict]
    policies: list[ApprovalPolicy]
    group_id: int
    group_members: list[int]
    people: dict[int, Person]
    logins: dict[str, int]
    owners: dict[int, int | None]  # cost center id → owner id
    lines: list[LineFacts] = field(default_factory=list)
    stock: list[tuple[int, dict]] = field(default_factory=list)  # in-stock devices: (id, model)
    steps_cache: dict = field(default_factory=dict)
    demo_ids: set[int] = field(default_factory=set)
    stipend_holders: set[int] = field(default_factory=set)  # people enrolled now: the only ones who can leave

    def steps(self, facts: OrderFacts) -> list[tuple[ApproverKind, int | None]]:
        """The approval steps the company's policies give an order (app.approvals.policies decides)."""
        if facts not in self.steps_cache:
            chosen = next((p for p in self.policies if not p.is_default and matches(p, facts)), None) or next(
                (p for p in self.policies if p.is_default), None
            )
            self.steps_cache[facts] = [(s.approver_kind, s.group_id) for s in chosen.steps] if chosen else []
        return self.steps_cache[facts]


def _catalog(session: DbSession) -> dict[str, Any]:
    carriers = []
    for carrier in session.scalars(select(Carrier).order_by(Carrier.id)):
        carriers.append(
            {
                "id": carrier.id,
                "name": carrier.name,
                "code": carrier.code,
                "account": carrier.account_number,
                "simulated": carrier.fulfilment_mode is FulfilmentMode.SIMULATED,
                "plans": [{"id": p.id, "name": p.name, "cents": p.monthly_cents} for p in carrier.plans],
                "features": [{"id": f.id, "name": f.name, "cents": f.monthly_cents} for f in carrier.features],
            }
        )
    models = [
        {"id": m.id, "name": str(m), "maker": m.maker, "kind": m.kind, "cents": m.price_cents, "esim": m.esim}
        for m in session.scalars(select(DeviceModel).order_by(DeviceModel.id))
    ]
    accessories = [
        {"id": a.id, "name": a.name, "cents": a.price_cents}
        for a in session.scalars(select(Accessory).order_by(Accessory.id))
    ]
    tiers = [
        {"id": t.id, "name": t.name, "cents": t.monthly_cents}
        for t in session.scalars(select(StipendTier).order_by(StipendTier.id))
    ]
    policies = list(
        session.scalars(
            select(ApprovalPolicy).where(ApprovalPolicy.active).order_by(ApprovalPolicy.priority, ApprovalPolicy.id)
        )
    )
    group = session.scalar(select(Group).where(Group.name == "Telecom admins")) or session.scalar(select(Group))
    if group is None:
        raise LookupError("The demo company has no approval group: load the demo first")
    return {
        "carriers": carriers,
        "models": models,
        "accessories": accessories,
        "tiers": tiers,
        "policies": policies,
        "group_id": group.id,
        "group_members": [m.id for m in group.members],
    }


# ---------------------------------------------------------------- the loader
def is_loaded(session: DbSession) -> bool:
    return session.scalar(select(User.id).where(User.email.like(f"%{SCALE_EMAIL}")).limit(1)) is not None


def load_scale(
    session: DbSession,
    *,
    employees: int,
    lines: int,
    orders: int,
    inbox: int = 1000,
    seed: int = 9,
    today: date | None = None,
    echo: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Add a large company to the demo company; returns how many rows each table got. Commits."""
    if not session.scalar(select(User.id).where(User.email == "admin@example.com")):
        load_demo()
    if is_loaded(session):
        raise AlreadyLoaded("The scale company is loaded already: start from an empty database to load another.")
    say = echo or (lambda _message: None)
    rng = random.Random(seed)
    now = clock.now()
    today = today or now.date()
    now = datetime.combine(today, now.time())
    rows = Rows(session)
    catalog = _catalog(session)
    world = World(
        today=today, now=now, prefix=get_setting("order_number_prefix"), people={}, logins={}, owners={}, **catalog
    )
    started = time.monotonic()
    with _indexes_built_after(rows.connection, say):
        for phase, run in (
            ("people", lambda: _people(session, rows, world, employees, rng)),
            ("org chart", lambda: org_chart.rebuild(session)),  # in bulk, one level per statement, after the people
            ("lines, devices and SIMs", lambda: _inventory(session, rows, world, lines, rng)),
            ("orders, timelines and approvals", lambda: _orders(rows, world, orders, inbox, rng)),
        ):
            run()
            rows.flush()
            say(
                f"  {phase}: done after {time.monotonic() - started:.1f} s "
                f"({sum(rows.seconds.values()):.1f} s of it writing)"
            )
        rows.finish()
    say(
        "  writing: "
        + ", ".join(
            f"{name} {seconds:.1f} s" for name, seconds in sorted(rows.seconds.items(), key=lambda item: -item[1])
        )
    )
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        # What autovacuum would do in a while: statistics for the planner, and the visibility map that lets
        # index-only scans skip the table.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    return dict(rows.written)


# ---------------------------------------------------------------- people
def _people(session: DbSession, rows: Rows, world: World, count: int, rng: random.Random) -> None:
    """Departments, cost centers, offices and a management chain: each department a tree under its head,
    about eight reports per manager, every head reporting to the demo company's chief operating officer."""
    demo = {u.email: u for u in session.scalars(select(User))}
    world.logins = {email.split("@")[0]: u.id for email, u in demo.items() if email.endswith("@example.com")}
    world.demo_ids = set(world.logins.values())
    for user in demo.values():
        world.people[user.id] = Person(
            user.id,
            user.manager_id,
            user.cost_center_id,
            user.location.city if user.location else "New York",
            user.name,
        )
    coo = demo["priya.raman@example.com"]
    marco = demo["manager@example.com"]
    cities = {loc.id: loc.city for loc in session.scalars(select(Location))}
    for name, (street, city, state, zip_code) in NEW_LOCATIONS.items():
        location_id = rows.next_id(Location)
        rows.add(
            Location,
            {
                "id": location_id,
                "name": name,
                "street": street,
                "city": city,
                "state": state,
                "postal_code": zip_code,
                "country": "US",
            },
        )
        cities[location_id] = city
    departments: list[tuple[int, list[int], int | None]] = []  # (id, cost center ids, head id or None)
    for department in session.scalars(select(Department).order_by(Department.id)):
        head = next((u for u in demo.values() if u.department_id == department.id and u.manager_id == coo.id), None)
        centers = [c.id for c in session.scalars(select(CostCenter).where(CostCenter.name == department.name))]
        departments.append((department.id, centers, head.id if head else None))
    code = 5000
    for name in NEW_DEPARTMENTS:
        department_id = rows.next_id(Department)
        rows.add(Department, {"id": department_id, "name": name})
        centers = []
        for suffix in ("", " projects", " field"):
            code += 10
            center_id = rows.next_id(CostCenter)
            rows.add(CostCenter, {"id": center_id, "code": f"CC-{code}", "name": f"{name}{suffix}", "owner_id": None})
            centers.append(center_id)
        departments.append((department_id, centers, None))
    rows.flush()

    per_department, extra = divmod(max(count - MARCO_REPORTS, len(departments)), len(departments))
    serial = 0
    location_ids = list(cities)
    for index, (department_id, centers, head_id) in enumerate(departments):
        members: list[int] = [head_id] if head_id else []
        size = (
            per_department
            + (1 if index < extra else 0)
            + (MARCO_REPORTS if department_id == marco.department_id else 0)
        )
        for number in range(size):
            serial += 1
            in_marcos_team = department_id == marco.department_id and number < MARCO_REPORTS
            if in_marcos_team:
                manager_id, title = marco.id, "Account executive"
            elif not members:
                manager_id, title = coo.id, "Director"
            else:  # the tree: the person at position p reports to the one at (p - 1) // 8
                manager_id = members[(len(members) - 1) // 8]
                title = TITLES[min(_depth(len(members)), len(TITLES)) - 1]
            person_id = _add_person(
                rows,
                world,
                serial,
                department_id,
                rng.choice(centers),
                manager_id,
                rng.choice(location_ids),
                cities,
                title,
                rng,
            )
            if not in_marcos_team:
                members.append(person_id)
        for center_id in centers:
            world.owners.setdefault(center_id, members[0] if members else coo.id)
    rows.flush()
    owners = [{"center": c, "owner": o} for c, o in world.owners.items() if c not in _demo_centers(session)]
    if owners:
        rows.connection.execute(
            update(CostCenter).where(CostCenter.id == bindparam("center")).values(owner_id=bindparam("owner")),
            owners,
        )
    for center in session.scalars(select(CostCenter).where(CostCenter.owner_id.is_not(None))):
        world.owners.setdefault(center.id, center.owner_id)


TITLES = ("Senior manager", "Manager", "Team lead", "Analyst")


def _depth(position: int) -> int:
    """How far below the head the person at `position` of a department's tree (eight reports each) is."""
    depth = 0
    while position > 0:
        position, depth = (position - 1) // 8, depth + 1
    return depth


def _demo_centers(session: DbSession) -> set[int]:
    return set(session.scalars(select(CostCenter.id).where(CostCenter.owner_id.is_not(None))))


def _add_person(
    rows: Rows,
    world: World,
    serial: int,
    department_id: int,
    center_id: int,
    manager_id: int,
    location_id: int,
    cities: dict[int, str],
    title: str,
    rng: random.Random,
) -> int:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    person_id = rows.next_id(User)
    rows.add(
        User,
        {
            "id": person_id,
            "email": f"{first.lower()}.{last.lower()}.{serial}{SCALE_EMAIL}",
            "name": f"{first} {last}",
            "employee_number": f"S{serial:06d}",
            "title": title,
            "password_hash": _demo_password_hash(),
            "active": True,
            "department_id": department_id,
            "cost_center_id": center_id,
            "manager_id": manager_id,
            "location_id": location_id,
            "informational_emails": True,
        },
    )
    world.people[person_id] = Person(person_id, manager_id, center_id, cities[location_id], f"{first} {last}")
    return person_id


_HASH: list[str] = []


def _demo_ids(world: World) -> set[int]:
    return world.demo_ids


def _demo_password_hash() -> str:
    """Hashed once: every scale person signs in with the demo password."""
    if not _HASH:
        _HASH.append(generate_password_hash(DEMO_PASSWORD))
    return _HASH[0]


# ---------------------------------------------------------------- lines, devices, SIMs, stipends
def _numbers(count: int, rng: random.Random) -> Iterator[str]:
    """Distinct, valid NANP numbers in the offices' area codes (never 555 or an N11 exchange)."""
    areas = [code for codes in AREA_CODES.values() for code in codes]
    exchanges = [e for e in range(201, 1000) if e != 555 and e % 100 != 11]
    space = len(areas) * len(exchanges) * 10_000
    for k in rng.sample(range(space), count):
        area, rest = areas[k % len(areas)], k // len(areas)
        yield f"+1{area}{exchanges[rest % len(exchanges)]}{rest // len(exchanges):04d}"


def _demo_lines(session: DbSession, world: World) -> None:
    """The demo company's lines and devices, so its people order for them too."""
    carriers = {c["id"]: c for c in world.carriers}
    models = {m["id"]: m for m in world.models}
    for line in session.scalars(select(Line).order_by(Line.id)):
        carrier = carriers[line.carrier_id]
        plan = next((p for p in carrier["plans"] if p["id"] == line.plan_id), carrier["plans"][0])
        model = models.get(line.device.model_id) if line.device else None
        world.lines.append(
            LineFacts(line.id, line.number, line.employee_id, carrier, plan, line.device_id, model, line.status)
        )
        if line.employee_id in world.people and line.is_live:
            world.people[line.employee_id].lines.append(len(world.lines) - 1)
            if line.device_id:
                world.people[line.employee_id].devices.append(line.device_id)


def _inventory(session: DbSession, rows: Rows, world: World, count: int, rng: random.Random) -> None:
    """`count` lines, each with its device and SIM; stock and the device life cycle beside them; stipends."""
    _demo_lines(session, world)
    world.stipend_holders = set(
        session.scalars(select(Stipend.employee_id).where(Stipend.status == StipendStatus.ACTIVE))
    )
    scale_people = [p for p in world.people.values() if p.id not in _demo_ids(world)]
    holders = sorted(scale_people, key=lambda p: p.id)
    phones = [m for m in world.models if m.get("kind") == "phone"] or world.models
    statuses = [status for status, _ in LINE_STATUSES]
    weights = [weight for _, weight in LINE_STATUSES]
    serials = {maker: 0 for maker in TACS}
    numbers = _numbers(count, rng)

    def device(model: dict, status: DeviceStatus, owner: int | None, bought: date) -> int:
        maker = model["maker"] if model["maker"] in TACS else "Apple"
        serials[maker] += 1
        device_id = rows.next_id(Device)
        rows.add(
            Device,
            {
                "id": device_id,
                "imei": make_imei(TACS[maker], serials[maker]),
                "serial": f"{maker[:2].upper()}S{device_id:08d}",
                "model_id": model["id"],
                "status": status,
                "employee_id": owner,
                "purchased_on": bought,
                "activated_on": bought if owner else None,
                "warranty_ends_on": bought + timedelta(days=365),
                "version": 1,
            },
        )
        return device_id

    for index in range(count):
        # Everyone gets a phone line first; the rest are second devices (tablets, hotspots) and old lines.
        owner = holders[index] if index < len(holders) else rng.choice(scale_people or holders)
        status = statuses[0] if index < len(holders) else rng.choices(statuses, weights)[0]
        live = status in (LineStatus.ACTIVE, LineStatus.SUSPENDED)
        model = rng.choice(phones) if index < len(holders) or rng.random() < 0.6 else rng.choice(world.models)
        carrier = world.carriers[index % len(world.carriers)]
        plan = carrier["plans"][3 if model.get("kind") != "phone" and len(carrier["plans"]) > 3 else index % 2]
        activated = world.today - timedelta(days=rng.randint(30, 1400))
        device_status = (
            DeviceStatus.ASSIGNED
            if live
            else rng.choice([DeviceStatus.RETIRED, DeviceStatus.RETURNED_TO_VENDOR, DeviceStatus.PENDING_RETURN])
        )
        device_id = device(model, device_status, owner.id if live else None, activated)
        line_id = rows.next_id(Line)
        number = next(numbers)
        digits = number[2:]
        rows.add(
            Line,
            {
                "id": line_id,
                "number": number,
                "number_digits": digits,
                "number_digits_reversed": digits[::-1],
                "carrier_id": carrier["id"],
                "account_number": carrier["account"],
                "plan_id": plan["id"],
                "employee_id": owner.id if status is not LineStatus.TRANSFERRED_OUT else None,
                "cost_center_id": owner.cost_center_id,
                "device_id": device_id,
                "status": status,
                "activated_on": activated,
                "suspended_on": world.today - timedelta(days=rng.randint(1, 60))
                if status is LineStatus.SUSPENDED
                else None,
                "suspend_reason": "Extended leave" if status is LineStatus.SUSPENDED else "",
                "disconnected_on": activated + timedelta(days=rng.randint(20, 400))
                if status is LineStatus.DISCONNECTED
                else None,
                "version": 1,
            },
        )
        esim = model.get("esim", True) and rng.random() < 0.3
        rows.add(
            Sim,
            {
                "id": rows.next_id(Sim),
                "iccid": make_iccid(ICCID_ISSUER, index + 1),  # one SIM per line
                "kind": SimKind.ESIM if esim else SimKind.PHYSICAL,
                "line_id": line_id,
                "active": live,
                "activated_on": activated,
                "version": 1,
            },
        )
        if live and rng.random() < 0.4:
            for feature in rng.sample(carrier["features"], rng.randint(1, 2)):
                rows.add(
                    LineFeature,
                    {
                        "id": rows.next_id(LineFeature),
                        "line_id": line_id,
                        "feature_id": feature["id"],
                        "starts_on": None,
                        "ends_on": None,
                    },
                )
        for record_type, record_id in (("line", line_id), ("device", device_id)):
            rows.add(
                InventoryChange,
                {
                    "id": rows.next_id(InventoryChange),
                    "at": world.now - timedelta(days=(world.today - activated).days),
                    "actor_id": None,
                    "record_type": record_type,
                    "record_id": record_id,
                    "field": "record",
                    "old_value": None,
                    "new_value": "imported",
                    "order_id": None,
                },
            )
        facts = LineFacts(line_id, number, owner.id, carrier, plan, device_id, model, status)
        world.lines.append(facts)
        if live:
            owner.lines.append(len(world.lines) - 1)
            owner.devices.append(device_id)
    for index in range(max(count // 50, 20)):  # stock, and devices elsewhere in their life cycle
        model = rng.choice(world.models)
        device_status = (
            DeviceStatus.IN_STOCK
            if index % 4
            else rng.choice([DeviceStatus.IN_REPAIR, DeviceStatus.LOST_STOLEN, DeviceStatus.RETIRED])
        )
        holder = rng.choice(scale_people or holders).id if device_status is not DeviceStatus.IN_STOCK else None
        device_id = device(
            model,
            device_status,
            holder if device_status is DeviceStatus.IN_REPAIR else None,
            world.today - timedelta(days=rng.randint(5, 300)),
        )
        if device_status is DeviceStatus.IN_STOCK:
            world.stock.append((device_id, model))
    for person in rng.sample(scale_people, min(len(scale_people), len(scale_people) // 20)):
        tier = rng.choice(world.tiers)
        ended = rng.random() < 0.2
        starts = world.today - timedelta(days=rng.randint(60, 900))
        if not ended:
            world.stipend_holders.add(person.id)
        rows.add(
            Stipend,
            {
                "id": rows.next_id(Stipend),
                "employee_id": person.id,
                "tier_id": tier["id"],
                "monthly_cents": tier["cents"],
                "status": StipendStatus.ENDED if ended else StipendStatus.ACTIVE,
                "starts_on": starts,
                "ends_on": starts + timedelta(days=40) if ended else None,
                "version": 1,
            },
        )


# ---------------------------------------------------------------- orders
Draft = SampleDraft  # one order being made up: who, what, and what its type needs on the order page


def _orders(rows: Rows, world: World, count: int, inbox: int, rng: random.Random) -> None:
    """`count` orders: every type and status at least once, Marco's inbox, Erin's history, then the rest by
    age (old orders are finished; only recent ones are still on their way)."""
    marco = world.logins["manager"]
    erin = world.people[world.logins["employee"]]
    team = [p for p in world.people.values() if p.manager_id == marco and p.lines]
    others = [p for p in world.people.values() if p.manager_id != marco and p.id != marco]
    with_lines = [p for p in others if p.lines]
    types, weights = zip(*TYPE_WEIGHTS.items(), strict=True)
    inbox = min(inbox, count // 2)
    coverage = [
        (code, status)
        for code in REGISTRY
        for status in S
        # wireline types have no sample generator yet: the large company orders mobile types only
        if REGISTRY[code].module == MOBILE and (REGISTRY[code].carrier_fulfilled or status in INTERNAL_STATUSES)
    ]
    history = min(ERIN_ORDERS, count // 10)  # the same at every size: pages about her compare like with like
    holders = sorted(p for p in world.stipend_holders if world.people[p].manager_id != marco)
    claimed: set[int] = set()  # lines an open order holds
    for index in range(count):
        if index < len(coverage):
            code, status = coverage[index]
            employee = rng.choice(with_lines)
            age = rng.uniform(0, RECENT_DAYS)
        elif index < len(coverage) + inbox:
            code, status = rng.choices(types, weights)[0], S.PENDING_APPROVAL
            employee = rng.choice(team)
            age = rng.uniform(0, 20)
        elif index < len(coverage) + inbox + history:
            code = rng.choices(types, weights)[0]
            status = rng.choice([S.COMPLETED, S.COMPLETED, S.COMPLETED, S.CANCELLED, S.REJECTED, S.SHIPPED])
            employee, age = erin, rng.uniform(0, HISTORY_DAYS)
        else:
            code = rng.choices(types, weights)[0]
            age = rng.uniform(0, HISTORY_DAYS)
            pool = RECENT_STATUSES if age < RECENT_DAYS else OLD_STATUSES
            status = rng.choices(list(pool), list(pool.values()))[0]
            employee = rng.choice(with_lines)
        if not REGISTRY[code].carrier_fulfilled and status not in INTERNAL_STATUSES:
            status = S.COMPLETED
        elif status is S.SHIPPED and not REGISTRY[code].ships:
            status = S.WITH_CARRIER
        if code == "stipend_remove" and employee.id not in world.stipend_holders:
            # Only someone enrolled can leave; a person who is not joins instead.
            if employee.manager_id == marco or not holders:
                code = "stipend_enroll"
            else:
                employee = world.people[rng.choice(holders)]
        elif code == "stipend_enroll" and employee.id in world.stipend_holders:
            code = "stipend_remove"
        draft = _draft(world, code, employee, rng)
        if status in SIMULATOR_MOVES and draft.carrier and draft.carrier["simulated"]:
            status = S.COMPLETED  # the simulator finishes its orders within minutes: none are still on the way
        if employee.manager_id == marco:  # Marco's team orders for itself: every waiting step is his
            draft.requester = employee
        if status in lifecycle.OPEN and REGISTRY[code].claims_line and draft.line is not None:
            if draft.line.id in claimed:  # one open order per line, as the portal holds it: a new line instead
                requester = draft.requester
                draft = _draft(world, "new_line", employee, rng)
                draft.requester = requester
            else:
                claimed.add(draft.line.id)
        _write_order(rows, world, draft, status, world.now - timedelta(days=age), rng)


def _requester(world: World, employee: Person, rng: random.Random) -> Person:
    """Most people order for themselves; some orders are placed by their manager or by the helpdesk."""
    roll = rng.random()
    if roll < 0.07 and employee.manager_id in world.people:
        return world.people[employee.manager_id]
    if roll < 0.10:
        return world.people[world.logins["helpdesk"]]
    return employee


def _draft(world: World, code: str, employee: Person, rng: random.Random) -> Draft:
    draft = Draft(code, employee, _requester(world, employee, rng))
    if REGISTRY[code].needs_line or code in ("accessory", "transfer_liability"):
        live = [world.lines[i] for i in employee.lines]
        if code == "restore":
            dead = [
                ln
                for ln in world.lines[rng.randrange(len(world.lines)) :][:50]
                if ln.status in (LineStatus.SUSPENDED, LineStatus.DISCONNECTED) and ln.employee_id
            ]
            live = dead or live
        draft.line = rng.choice(live) if live else None
    if draft.line is not None:
        draft.carrier, draft.device_id = draft.line.carrier, draft.line.device_id
    sample = REGISTRY[code].sample
    if sample is not None:
        sample(world, draft, rng)
    return draft


# ---------------------------------------------------------------- an order's story: events and approvals
@dataclass
class Story:
    """The events and approval steps of one order, in the order they happened."""

    order_id: int
    clock: datetime
    events: list[dict] = field(default_factory=list)
    approvals: list[dict] = field(default_factory=list)
    version: int = 1

    def event(
        self,
        kind: str,
        actor: int | None,
        before: OrderStatus | None,
        after: OrderStatus | None,
        *,
        minutes: float = 0,
        comment: str = "",
        data: dict | None = None,
    ) -> datetime:
        self.clock += timedelta(minutes=minutes)
        self.events.append(
            {
                "order_id": self.order_id,
                "at": self.clock,
                "actor_id": actor,
                "kind": kind,
                "from_status": before.value if before else None,
                "to_status": after.value if after else None,
                "comment": comment,
                "data": data or {},
            }
        )
        self.version += 1
        return self.clock


def _approver(world: World, kind: ApproverKind, draft: Draft) -> int | None:
    """The step's person: the manager (or the cost center owner), moved up the chain past the requester."""
    people = world.people
    if kind is ApproverKind.COST_CENTER_OWNER:
        candidate = world.owners.get(draft.employee.cost_center_id)
    else:
        candidate = draft.employee.manager_id
        if kind is ApproverKind.MANAGERS_MANAGER and candidate in people:
            candidate = people[candidate].manager_id
    seen = 0
    while candidate in (draft.requester.id, draft.employee.id) and candidate in people and seen < 20:
        candidate, seen = people[candidate].manager_id, seen + 1
    return candidate if candidate is not None else world.logins.get("admin")


def _write_order(
    rows: Rows, world: World, draft: Draft, status: OrderStatus, submitted: datetime, rng: random.Random
) -> None:
    order_id = rows.next_id(Order)
    story = Story(order_id, submitted - timedelta(minutes=rng.uniform(2, 90)))
    created = story.clock
    times: dict[str, datetime | None] = {"submitted": None, "approved": None, "completed": None}
    facts = OrderFacts(draft.type, draft.carrier["id"] if draft.carrier else None, draft.one_time, draft.monthly, False)
    extra: dict[str, Any] = {}
    if status is not S.DRAFT:
        times["submitted"] = story.event("submit", draft.requester.id, S.DRAFT, S.PENDING_APPROVAL, minutes=5)
        reached = _approvals(world, draft, story, status, world.steps(facts), times, rng)
        if REGISTRY[draft.type].carrier_fulfilled and reached is S.APPROVED:
            extra = _fulfil(rows, world, draft, story, status, times, rng)
        if status is S.CANCELLED:
            story.event(
                "cancel",
                draft.requester.id,
                reached,
                S.CANCELLED,
                minutes=rng.uniform(10, 600),
                comment="No longer needed.",
            )
    rows.add(
        Order,
        {
            "id": order_id,
            "number": f"{world.prefix}{order_id:06d}",
            "type": draft.type,
            "status": status,
            "requester_id": draft.requester.id,
            "employee_id": draft.employee.id,
            "line_id": draft.line.id if draft.line else None,
            "device_id": draft.device_id,
            "carrier_id": draft.carrier["id"] if draft.carrier else None,
            "cost_center_id": draft.employee.cost_center_id,
            "one_time_cents": draft.one_time,
            "monthly_cents": draft.monthly,
            "details": {**draft.details, "_summary": draft.summary},
            "secrets_encrypted": encrypt_json(draft.secrets) if draft.secrets else None,
            "out_of_policy": False,
            "submit_token": None,
            "handed_off_at": extra.get("handed_off_at"),
            "line_claim": draft.line.id
            if draft.line and status in lifecycle.OPEN and REGISTRY[draft.type].claims_line
            else None,
            "carrier_reference": extra.get("reference"),
            "service_number": extra.get("service_number"),
            "created_at": created,
            "submitted_at": times["submitted"],
            "approved_at": times["approved"],
            "completed_at": times["completed"],
            "updated_at": story.clock,
            "version": story.version,
        },
    )
    for approval in story.approvals:
        rows.add(Approval, {"id": rows.next_id(Approval), **approval})
    for event in story.events:
        rows.add(OrderEvent, {"id": rows.next_id(OrderEvent), **event})


def _approvals(
    world: World,
    draft: Draft,
    story: Story,
    status: OrderStatus,
    steps: list[tuple[ApproverKind, int | None]],
    times: dict,
    rng: random.Random,
) -> OrderStatus:
    """Decide the steps as far as `status` says: all approved, one pending (or asked about), one rejected,
    or cancelled part way; the steps after stay waiting or are skipped."""
    last = len(steps) - 1
    if status in (S.PENDING_APPROVAL, S.INFO_REQUESTED):
        stop = rng.randint(0, last) if last > 0 and draft.employee.manager_id != world.logins["manager"] else 0
    elif status is S.REJECTED:
        stop = rng.randint(0, last)
    elif status is S.CANCELLED:
        after_approval = 1 if REGISTRY[draft.type].carrier_fulfilled else 0  # internal types complete then
        stop = rng.randint(0, last + after_approval)  # last + 1: cancelled after approval
    else:
        stop = last + 1
    approved_status = S.PENDING_APPROVAL
    for position, (kind, group_id) in enumerate(steps, start=1):
        index = position - 1
        assignee = None if kind is ApproverKind.GROUP else _approver(world, kind, draft)
        decider = assignee or next(
            (m for m in world.group_members if m not in (draft.requester.id, draft.employee.id)), None
        )
        row = {
            "order_id": story.order_id,
            "position": position,
            "approver_kind": kind,
            "assignee_id": assignee,
            "group_id": group_id if kind is ApproverKind.GROUP else None,
            "on_behalf_of_id": None,
            "status": ApprovalStatus.WAITING,
            "assigned_at": None,
            "decided_by_id": None,
            "decided_at": None,
            "comment": "",
            "reminded_at": None,
            "escalated_at": None,
        }
        story.approvals.append(row)
        if index > stop or (index == stop and status is S.CANCELLED):
            row["status"] = ApprovalStatus.SKIPPED if status in (S.REJECTED, S.CANCELLED) else ApprovalStatus.WAITING
            continue
        row["assigned_at"] = story.clock
        if index == stop and status in (S.PENDING_APPROVAL, S.INFO_REQUESTED):
            row["status"] = ApprovalStatus.PENDING
            _reminded_and_escalated(world, row)
            if status is S.INFO_REQUESTED:
                story.event(
                    "request_info",
                    decider,
                    S.PENDING_APPROVAL,
                    S.INFO_REQUESTED,
                    minutes=rng.uniform(30, 1440),
                    comment="Which office should it ship to?",
                    data={"step": position},
                )
            continue
        wait = rng.uniform(20, 2880)
        if index == stop and status is S.REJECTED:
            row.update(
                status=ApprovalStatus.REJECTED,
                decided_by_id=decider,
                decided_at=story.clock + timedelta(minutes=wait),
                comment="Not within the budget this quarter.",
            )
            story.event(
                "reject",
                decider,
                S.PENDING_APPROVAL,
                S.REJECTED,
                minutes=wait,
                comment="Not within the budget this quarter.",
                data={"step": position},
            )
            continue
        row.update(
            status=ApprovalStatus.APPROVED, decided_by_id=decider, decided_at=story.clock + timedelta(minutes=wait)
        )
        if index < last:
            story.event(
                "approve_step",
                decider,
                S.PENDING_APPROVAL,
                S.PENDING_APPROVAL,
                minutes=wait,
                data={"step": position, "on_behalf_of": None},
            )
        else:
            times["approved"] = story.event(
                "approve",
                decider,
                S.PENDING_APPROVAL,
                S.APPROVED,
                minutes=wait,
                data={"step": position, "on_behalf_of": None},
            )
            approved_status = S.APPROVED
    if not steps and status is not S.CANCELLED:
        times["approved"] = story.event("approve", None, S.PENDING_APPROVAL, S.APPROVED, minutes=1)
        approved_status = S.APPROVED
    if status is S.COMPLETED and not REGISTRY[draft.type].carrier_fulfilled:
        times["completed"] = story.event(
            "complete", None, S.APPROVED, S.COMPLETED, comment="Completed on approval: no carrier needed."
        )
    return approved_status


def _reminded_and_escalated(world: World, row: dict) -> None:
    """A step waiting longer than the reminder (a day) or escalation time (three days) has had them already,
    as the worker's approval sweep would have done: the current holder is where escalation left it."""
    waited = world.now - row["assigned_at"]
    if waited >= timedelta(hours=72):
        row["escalated_at"] = row["assigned_at"] = row["assigned_at"] + timedelta(hours=72)
        waited = world.now - row["assigned_at"]
    if waited >= timedelta(hours=24):
        row["reminded_at"] = row["assigned_at"] + timedelta(hours=24)


def _fulfil(
    rows: Rows, world: World, draft: Draft, story: Story, status: OrderStatus, times: dict, rng: random.Random
) -> dict[str, Any]:
    """The carrier's part: hand-off, placed, shipped, completed (with what it reported), or a problem."""
    carrier = draft.carrier or world.carriers[0]
    reference = f"{carrier['code'][:2].upper()}-{story.order_id:07d}"
    handed = story.event("handed_off", None, S.APPROVED, S.APPROVED, minutes=1, comment=f"Sent to {carrier['name']}.")
    if status in (S.CANCELLED, S.APPROVED):
        return {"handed_off_at": handed}
    story.event(
        "place", None, S.APPROVED, S.WITH_CARRIER, minutes=rng.uniform(5, 240), data={"carrier_reference": reference}
    )
    result: dict[str, Any] = {"reference": reference, "handed_off_at": handed}
    if status is S.NEEDS_ATTENTION:
        story.event(
            "report_problem",
            None,
            S.WITH_CARRIER,
            S.NEEDS_ATTENTION,
            minutes=rng.uniform(60, 2880),
            comment="The carrier needs the account holder's authorisation.",
        )
        return result
    if status is S.CANCELLATION_REQUESTED:
        story.event(
            "request_cancel",
            draft.requester.id,
            S.WITH_CARRIER,
            S.CANCELLATION_REQUESTED,
            minutes=rng.uniform(30, 600),
            comment="No longer needed.",
        )
        return result
    before = S.WITH_CARRIER
    if REGISTRY[draft.type].ships and status in (S.SHIPPED, S.COMPLETED):
        shipper, tracking = _tracking(story.order_id, rng)
        story.event(
            "ship",
            None,
            S.WITH_CARRIER,
            S.SHIPPED,
            minutes=rng.uniform(240, 4320),
            data={"shipping_carrier": shipper, "tracking_number": tracking},
        )
        rows.add(
            Shipment,
            {
                "id": rows.next_id(Shipment),
                "order_id": story.order_id,
                "shipping_carrier": shipper,
                "tracking_number": tracking,
                "shipped_at": story.clock,
            },
        )
        before = S.SHIPPED
    if status is not S.COMPLETED:
        return result
    order_type = REGISTRY[draft.type]
    reported = {*order_type.needs_reported(draft.details), *order_type.also_reports}
    if "service_number" in reported:
        result["service_number"] = (
            f"+1{area_code(draft.employee.city)}{rng.randrange(201, 999)}{rng.randrange(10_000):04d}"
        )
    if {"imei", "iccid"} & reported:
        device: dict[str, str | None] = {"imei": None, "serial": None, "iccid": None}
        if "imei" in reported:
            device["imei"] = make_imei("35190999", story.order_id % 1_000_000)
            device["serial"] = f"RP{story.order_id:08d}"
        if "iccid" in reported:
            device["iccid"] = make_iccid("01499", story.order_id)
        rows.add(ReportedDevice, {"id": rows.next_id(ReportedDevice), "order_id": story.order_id, **device})
    times["completed"] = story.event(
        "complete",
        None,
        before,
        S.COMPLETED,
        minutes=rng.uniform(60, 2880),
        comment=completion_message(order_type, draft.details, carrier["name"]),
    )
    if draft.line is not None:
        rows.add(
            InventoryChange,
            {
                "id": rows.next_id(InventoryChange),
                "at": story.clock,
                "actor_id": None,
                "record_type": "line",
                "record_id": draft.line.id,
                "field": "plan",
                "old_value": draft.line.plan["name"],
                "new_value": draft.line.plan["name"],
                "order_id": story.order_id,
            },
        )
    return result


def _tracking(order_id: int, rng: random.Random) -> tuple[str, str]:
    shipper = ("UPS", "FedEx", "USPS")[order_id % 3]
    if shipper == "UPS":
        return (
            shipper,
            f"1Z{''.join(rng.choices(string.ascii_uppercase + string.digits, k=6))}03{rng.randrange(10**8):08d}",
        )
    if shipper == "FedEx":
        return shipper, f"{rng.randrange(10**12):012d}"
    return shipper, f"9400{rng.randrange(10**18):018d}"
