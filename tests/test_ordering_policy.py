"""Who may order what, as ordering sees it: out-of-policy choices, justification, the extra approval step,
the employee's cost share, per-group upgrade months, and retired catalog items."""

from sqlalchemy import select

from app.catalog.eligibility import set_audience
from app.extensions import db
from app.models import Approval, Department, DeviceModel, Group, Order, Plan, User
from tests.support.ordering import ERIN, errors_of, fill, place, valid_orders


def tablets_for_field_engineering(app) -> None:
    with app.app_context():
        ipad = db.session.scalar(select(DeviceModel).where(DeviceModel.name == "iPad Air 11-inch"))
        field = db.session.scalar(select(Department).where(Department.name == "Field engineering"))
        set_audience(db.session, ipad, departments=[field])
        db.session.commit()


def test_an_out_of_policy_device_is_offered_with_the_reason(app, login, demo):
    tablets_for_field_engineering(app)
    client = login("employee")
    client.get("/orders/new/new_line")
    html = client.post(
        "/orders/new/new_line?refresh=1", {"carrier": demo.carrier("northwind")}, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert (
        "iPad Air 11-inch 128 GB Space gray · $599.00 — out of policy: Only for the Field engineering department."
        in html
    )
    assert "iPhone 16 128 GB Black · $799.00<" in html  # open to everyone: no mark


def test_ordering_out_of_policy_needs_a_justification_and_gets_the_out_of_policy_approvals(app, login, demo):
    tablets_for_field_engineering(app)
    client = login("employee")
    data = {**valid_orders(demo)["new_line"][1], "device_model": demo.model("iPad Air 11-inch")}
    refused = fill(client, "new_line", data)
    assert refused.status_code == 422
    assert "is out of policy (Only for the Field engineering department.): say why you need it." in errors_of(refused)
    number = place(client, "new_line", {**data, "justification": "I present to clients on site."})
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        assert order.out_of_policy is True
        steps = db.session.scalars(
            select(Approval).where(Approval.order_id == order.id).order_by(Approval.position)
        ).all()
        assert [s.approver_kind.value for s in steps] == ["manager", "cost_center_owner", "group"]
    review = client.get(f"/orders/{number}").get_data(as_text=True)
    assert "Out of policy" in review and "I present to clients on site." in review


def test_the_employee_cost_share_shows_on_the_review_page(app, login, demo):
    with app.app_context():
        model = db.session.scalar(select(DeviceModel).where(DeviceModel.name == "iPhone 16"))
        model.employee_share_cents = 10000
        db.session.commit()
    client = login("employee")
    response = fill(client, "new_line", valid_orders(demo)["new_line"][1])
    review = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Employee's share" in review and "$100.00" in review


def test_a_group_with_shorter_upgrade_months_makes_its_members_eligible_sooner(app, login, demo):
    with app.app_context():
        erin = db.session.scalar(select(User).where(User.email == ERIN))
        db.session.add(Group(name="Road warriors", members=[erin], upgrade_eligibility_months=3))
        db.session.commit()
    place(login("employee"), "upgrade", valid_orders(demo)["upgrade"][1])


def test_a_retired_plan_is_no_longer_offered_but_stays_on_the_lines_that_have_it(app, login, demo):
    with app.app_context():
        plan = db.session.scalar(
            select(Plan).join(Plan.carrier).where(Plan.name == "Business Unlimited", Plan.carrier.has(code="northwind"))
        )
        plan.active = False
        db.session.commit()
    client = login("employee")
    client.get("/orders/new/new_line")
    html = client.post(
        "/orders/new/new_line?refresh=1", {"carrier": demo.carrier("northwind")}, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "Business Unlimited" not in html and "Business 10 GB" in html
    assert "Business Unlimited" in client.get("/inventory/mine").get_data(as_text=True)
