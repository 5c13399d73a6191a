"""Who may order what (app.catalog.eligibility): by department, group or role; everything else is open to all,
and what a person is not eligible for is "out of policy" with a reason they can read."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from app.catalog.eligibility import (
    EVERYONE,
    Eligibility,
    audience_of,
    cost_share_for,
    eligibility_for,
    eligible_items,
    set_audience,
)
from app.extensions import db
from app.models import Accessory, Department, DeviceModel, Feature, Group, Plan, Role, User


def person(email: str) -> User:
    return db.session.scalars(select(User).where(User.email == email)).one()


def department(name: str) -> Department:
    return db.session.scalars(select(Department).where(Department.name == name)).one()


def group(name: str) -> Group:
    return db.session.scalars(select(Group).where(Group.name == name)).one()


def model(name: str) -> DeviceModel:
    return db.session.scalars(select(DeviceModel).where(DeviceModel.name == name)).one()


def test_an_item_without_rules_is_open_to_everyone(db_session):
    for email in ("employee@example.com", "telecom@example.com", "admin@example.com"):
        assert eligibility_for(db.session, person(email), model("iPhone 16")) == Eligibility(True, EVERYONE)


def test_tablets_for_field_engineering_only(db_session):
    ipad = model("iPad Air 11-inch")
    set_audience(db.session, ipad, departments=[department("Field engineering")])
    field_lead = person("rosa.mendes@example.com")
    erin = person("employee@example.com")
    assert eligibility_for(db.session, field_lead, ipad) == Eligibility(True, "For the Field engineering department.")
    decision = eligibility_for(db.session, erin, ipad)
    assert decision.out_of_policy and decision.reason == "Only for the Field engineering department."


def test_a_group_or_a_role_opens_an_item_too(db_session):
    pro = model("iPhone 16 Pro")
    set_audience(
        db.session, pro, departments=[department("Sales")], groups=[group("Telecom admins")], roles=[Role.HELPDESK]
    )
    assert eligibility_for(db.session, person("employee@example.com"), pro).eligible  # Sales
    assert eligibility_for(db.session, person("telecom@example.com"), pro).eligible  # Telecom admins group
    assert eligibility_for(db.session, person("helpdesk@example.com"), pro).eligible  # helpdesk role
    finance = person("laura.chen@example.com")
    assert eligibility_for(db.session, finance, pro) == Eligibility(
        False, "Only for the Sales department, the Telecom admins group or the helpdesk role."
    )


def test_plans_and_accessories_have_rules_of_their_own(db_session):
    plan = db.session.scalars(select(Plan).where(Plan.name == "Data only 20 GB")).first()
    headset = db.session.scalars(select(Accessory).where(Accessory.name == "Wireless headset")).one()
    set_audience(db.session, plan, groups=[group("Telecom admins")])
    erin = person("employee@example.com")
    assert eligibility_for(db.session, erin, plan).out_of_policy
    assert eligibility_for(
        db.session, erin, headset
    ).eligible  # a rule on a plan says nothing about an accessory with that id
    set_audience(db.session, headset, departments=[department("Finance")])
    assert eligibility_for(db.session, erin, headset).reason == "Only for the Finance department."


def test_changing_an_audience_replaces_it_and_says_whether_anything_changed(db_session):
    se = model("iPhone SE")
    assert set_audience(db.session, se, departments=[department("Sales")]) is True
    assert set_audience(db.session, se, departments=[department("Sales")]) is False
    assert set_audience(db.session, se, roles=[Role.ADMIN]) is True
    audience = audience_of(db.session, se)
    assert (audience.departments, audience.roles) == ([], [Role.ADMIN])
    assert set_audience(db.session, se) is True and audience_of(db.session, se).is_everyone


def test_eligible_items_decides_a_whole_catalog_in_a_fixed_number_of_queries(app, db_session):
    models = db.session.scalars(select(DeviceModel)).all()
    set_audience(db.session, models[0], departments=[department("Finance")])
    set_audience(db.session, models[1], groups=[group("Telecom admins")])
    db.session.commit()
    db.session.expire_all()
    erin = person("employee@example.com")
    models = db.session.scalars(select(DeviceModel).order_by(DeviceModel.id)).all()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        decisions = eligible_items(db.session, erin, models)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) <= 3, statements  # her groups and roles, then the rules of all the models at once
    assert list(decisions) == models  # in the order given
    assert [d.eligible for d in decisions.values()] == [False, False] + [True] * (len(models) - 2)


def test_only_plans_device_models_and_accessories_have_eligibility(db_session):
    feature = db.session.scalars(select(Feature)).first()
    with pytest.raises(TypeError, match="plans, device models and accessories"):
        eligibility_for(db.session, person("employee@example.com"), feature)


def test_cost_share_is_what_the_admins_set_and_never_more_than_the_price(db_session):
    erin = person("employee@example.com")
    pro = model("iPhone 16 Pro")
    assert cost_share_for(erin, pro) == 0
    pro.employee_share_cents = 20000
    assert cost_share_for(erin, pro) == 20000
    pro.employee_share_cents = pro.price_cents + 1
    assert cost_share_for(erin, pro) == pro.price_cents
    plan = db.session.scalars(select(Plan)).first()
    plan.employee_share_cents = 500
    assert cost_share_for(erin, plan) == 500  # monthly, for a plan
