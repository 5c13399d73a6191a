"""The org chart's closure table stays true whatever changes a manager (new people, the admin's person page, the
HR import, a bulk load), refuses a loop, and lets the home page and the ordering-for list read everyone below a
manager without walking the chart per request."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, insert, select, update

from app.admin.people import PeopleError, update_person
from app.admin.people_import import apply_import, preview_import
from app.dashboard import home
from app.extensions import db
from app.models import Order, OrderStatus, OrgChartLink, OrgChartLoop, User, org_chart
from app.orders import lifecycle, service
from tests.support.databases import USE_POSTGRES
from tests.support.helpers import Client
from tests.support.plans import postgres_plan, statements_sent

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC).replace(tzinfo=None)


def person(email: str) -> User:
    return db.session.scalars(select(User).where(User.email == email)).one()


def chart_from_managers() -> set[tuple[int, int, int]]:
    """What the closure must hold, worked out here from each person's manager."""
    manager_of = {row.id: row.manager_id for row in db.session.execute(select(User.id, User.manager_id))}
    links = set()
    for person_id in manager_of:
        above, depth = person_id, 0
        while above is not None:
            links.add((above, person_id, depth))
            above, depth = manager_of[above], depth + 1
    return links


def stored_chart() -> set[tuple[int, int, int]]:
    rows = db.session.execute(select(OrgChartLink.ancestor_id, OrgChartLink.descendant_id, OrgChartLink.depth))
    return {tuple(row) for row in rows}


def names_below(boss: User) -> set[str]:
    return set(db.session.scalars(select(User.name).where(User.id.in_(org_chart.below(boss)))))


def new_person(name: str, manager: User | None) -> User:
    email = name.lower().replace(" ", ".") + "@example.com"
    someone = User(email=email, name=name, manager=manager, department=manager.department if manager else None)
    someone.set_password("demo")
    db.session.add(someone)
    return someone


def test_the_demo_company_is_in_the_chart_as_its_managers_say(db_session):
    assert stored_chart() == chart_from_managers()
    priya, sofia = person("priya.raman@example.com"), person("sofia.alvarez@example.com")
    assert "Erin Park" in names_below(sofia) and "Erin Park" in names_below(priya)
    assert "Sofia Alvarez" not in names_below(sofia)  # below means below, not the person
    assert names_below(person("employee@example.com")) == set()


def test_new_people_join_the_chart_under_everyone_above_their_manager(db_session):
    erin = person("employee@example.com")
    newcomer = new_person("Nia Brooks", erin)
    intern = new_person("Ari Cole", newcomer)  # both in one flush: the manager is written first
    db.session.commit()
    assert stored_chart() == chart_from_managers()
    assert {"Nia Brooks", "Ari Cole"} <= names_below(person("priya.raman@example.com"))
    assert names_below(erin) == {"Nia Brooks", "Ari Cole"}
    assert db.session.get(OrgChartLink, (erin.id, intern.id)).depth == 2


def test_a_person_moves_with_everyone_below_them(db_session):
    marco, laura = person("manager@example.com"), person("laura.chen@example.com")
    sofia = person("sofia.alvarez@example.com")
    team = names_below(marco)
    assert "Erin Park" in team
    org_chart.moved(db.session, marco, laura)
    db.session.commit()
    assert stored_chart() == chart_from_managers()
    assert team | {"Marco Diaz"} <= names_below(laura)
    assert not (team | {"Marco Diaz"}) & names_below(sofia)
    org_chart.moved(db.session, marco, None)  # to nobody: the top of a chart of his own
    db.session.commit()
    assert stored_chart() == chart_from_managers()
    assert "Erin Park" not in names_below(person("priya.raman@example.com"))


def test_the_admins_person_page_moves_a_person_and_the_chart_follows(db_session):
    admin, marco = person("admin@example.com"), person("manager@example.com")
    omar = person("omar.haddad@example.com")
    update_person(
        db.session,
        marco,
        admin,
        name=marco.name,
        email=marco.email,
        department=marco.department,
        cost_center=marco.cost_center,
        manager=omar,
        roles=marco.roles,
        groups=list(marco.groups),
    )
    db.session.commit()
    assert stored_chart() == chart_from_managers()
    assert "Erin Park" in names_below(omar)


def test_a_person_cannot_report_to_someone_below_them(db_session):
    sofia, marco, erin = (
        person("sofia.alvarez@example.com"),
        person("manager@example.com"),
        person("employee@example.com"),
    )
    before = stored_chart()
    with pytest.raises(OrgChartLoop, match="Sofia Alvarez cannot report to Erin Park: Erin Park reports to Sofia"):
        org_chart.moved(db.session, sofia, erin)
    with pytest.raises(OrgChartLoop, match="cannot report to Marco Diaz"):
        org_chart.moved(db.session, marco, marco)
    with pytest.raises(PeopleError, match="the management chain would loop"):
        update_person(
            db.session,
            marco,
            person("admin@example.com"),
            name=marco.name,
            email=marco.email,
            department=marco.department,
            cost_center=marco.cost_center,
            manager=erin,
            roles=marco.roles,
            groups=[],
        )
    assert sofia.manager.name == "Priya Raman" and marco.manager is sofia
    db.session.rollback()
    assert stored_chart() == before


def test_a_loop_made_around_the_domain_is_refused_when_it_commits(db_session):
    """The listeners are the last guard: whatever sets the manager, a loop is not committed."""
    sofia, erin = person("sofia.alvarez@example.com"), person("employee@example.com")
    before = stored_chart()
    sofia.manager = erin
    with pytest.raises(OrgChartLoop, match="loops: Sofia Alvarez → Erin Park → Marco Diaz → Sofia Alvarez."):
        db.session.commit()
    db.session.rollback()
    assert stored_chart() == before == chart_from_managers()


def test_the_hr_import_keeps_the_chart_true_even_when_two_people_change_places(db_session):
    """Marco moves under Erin, who reported to him, and Erin under Sofia: written a person at a time the managers
    go round in a circle for a moment, so the chart is built again before the import commits."""
    marco, erin = person("manager@example.com"), person("employee@example.com")

    def row(who: User, manager_email: str) -> str:
        return ",".join(
            [who.employee_number, who.name, who.email, manager_email, who.department.name, who.cost_center.code]
        )

    data = "\n".join(
        [
            "employee id,name,email,manager email,department,cost center",
            row(marco, erin.email),  # Marco and Erin change places
            row(erin, "sofia.alvarez@example.com"),
            "E3001,Nia Brooks,nia.brooks@example.com,manager@example.com,Sales,CC-1100",  # a new person
        ]
    ).encode()
    preview = preview_import(db.session, data)
    assert preview.ok, preview.errors
    apply_import(db.session, preview, person("admin@example.com"))
    db.session.commit()
    assert stored_chart() == chart_from_managers()
    assert {"Marco Diaz", "Nia Brooks"} <= names_below(erin) and "Erin Park" not in names_below(marco)
    assert [m.name for m in marco.management_chain()] == ["Erin Park", "Sofia Alvarez", "Priya Raman"]


def test_a_bulk_load_is_placed_by_a_rebuild_and_a_loop_in_the_data_is_named(db_session):
    """Writers that bypass the ORM (the scale seeder) rebuild the chart once after their load."""
    erin = person("employee@example.com")
    ids = db.session.scalars(
        insert(User).returning(User.id),
        [{"email": f"bulk{i}@example.com", "name": f"Bulk {i}", "manager_id": erin.id} for i in range(3)],
    ).all()
    assert names_below(erin) == set()  # not in the chart yet
    org_chart.rebuild(db.session)
    assert stored_chart() == chart_from_managers()
    assert names_below(erin) == {"Bulk 0", "Bulk 1", "Bulk 2"}
    db.session.execute(update(User).where(User.id == ids[0]).values(manager_id=ids[1]))
    db.session.execute(update(User).where(User.id == ids[1]).values(manager_id=ids[0]))
    with pytest.raises(OrgChartLoop, match="loops: Bulk 0 → Bulk 1 → Bulk 0."):
        org_chart.rebuild(db.session)


# ---------------------------------------------------------------- reading it: statements, not walks
def grow_org(boss: User, levels: int, per_level: int, tag: str = "") -> None:
    """A chain `levels` deep under `boss`, `per_level` people at each level, each with an open order."""
    above = boss
    for level in range(levels):
        team = [new_person(f"Level{level} Person{i}{tag}", above) for i in range(per_level)]
        for i, someone in enumerate(team):
            db.session.add(
                Order(
                    number=f"T-{tag[:1]}{level}-{i}",
                    type="new_line",
                    status=OrderStatus.PENDING_APPROVAL,
                    requester=someone,
                    employee=someone,
                    submitted_at=NOW,
                )
            )
        above = team[0]
    db.session.commit()


def statements_of(app, client: Client, url: str) -> list[str]:
    assert client.get(url).status_code == 200  # warms the caches
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200
    return seen


def test_a_managers_home_page_reads_the_org_in_the_same_few_statements_whatever_its_depth(app, db_session):
    sofia = person("sofia.alvarez@example.com")
    client = Client(app)
    client.sign_in(sofia.email)
    counted = {}
    for size, (levels, per_level) in {"shallow": (1, 2), "deep": (12, 4)}.items():
        grow_org(sofia if size == "shallow" else person("employee@example.com"), levels, per_level, tag=size)
        home_page = statements_of(app, client, "/")
        count = statements_of(app, client, "/home/team-count")
        assert not [s for s in home_page + count if "RECURSIVE" in s.upper()]
        counted[size] = (len(home_page), len(count))
    assert counted["shallow"] == counted["deep"]
    assert counted["deep"][0] <= 12
    html = client.get("/").get_data(as_text=True)
    assert "most recently updated open orders; there are more" in html  # counted once the page is shown
    assert 'data-hx-get="/home/team-count"' in html
    total = home.team_open_count(db.session, sofia)
    fragment = client.get("/home/team-count", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f"The 10 most recently updated of {total} open orders." in fragment


def test_the_team_count_stops_at_its_bound(db_session):
    sofia = person("sofia.alvarez@example.com")
    grow_org(sofia, 2, 3)
    assert home.team_open_count(db.session, sofia, bound=4) == 5  # "more than 4"
    assert home.team_open_count(db.session, sofia) >= 6


def test_the_open_orders_index_holds_the_open_statuses():
    """A query for the open orders may use their index only if its statuses are among the index's."""
    index = next(index for index in Order.__table__.indexes if index.name == "ix_orders_open_updated")
    where = {dialect: str(index.dialect_options[dialect]["where"]) for dialect in ("postgresql", "sqlite")}
    assert where["postgresql"] == where["sqlite"]
    assert set(re.findall(r"'(\w+)'", where["postgresql"])) == {status.value for status in lifecycle.OPEN}


@pytest.mark.skipif(not USE_POSTGRES, reason="the plan of PostgreSQL is the one that matters at scale")
def test_the_coos_team_open_orders_are_walked_in_the_order_shown_not_all_read_and_sorted(db_session):
    """Everyone is below the COO: her team's open orders are the company's. PostgreSQL can walk them latest change
    first through the open orders' index, keep those of people below her and stop at the few listed, instead of
    reading every open order of the company to sort them (at 2,000,000 orders: 48,000 open ones, 190 ms)."""
    priya = person("priya.raman@example.com")
    grow_org(priya, 2, 3)
    with statements_sent() as statements:
        listed = home.team_open_orders(db.session, priya)
    assert len(listed.orders) == 6
    [(sql, params)] = [(sql, params) for sql, params in statements if "org_chart" in sql]  # the list's own
    plan = postgres_plan(sql, params, without=("sort",))  # the demo's few orders: sorting them all is cheaper
    assert "ix_orders_open_updated" in plan and "Sort" not in plan, plan


def test_whom_a_manager_may_order_for_is_one_query_whatever_the_depth(app, db_session):
    sofia = person("sofia.alvarez@example.com")
    grow_org(sofia, 10, 1)
    assert not sofia.is_helpdesk  # her roles are loaded before counting
    seen = []

    def record(*_args) -> None:
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        people = service.orderable_people(db.session, sofia)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len(seen) == 1
    assert people[0] == sofia and {f"Level{n} Person0" for n in range(10)} <= {p.name for p in people}
    assert [p.name for p in people[1:]] == sorted(p.name for p in people[1:])
