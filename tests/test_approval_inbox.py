"""The approver inbox and the admin pages for approval policies, through the real views."""

from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Approval, ApprovalPolicy, ApprovalStatus, AuditEntry, Group, OrderStatus, User
from tests.support.approvals import order_of, pending_step, submit


def test_inbox_lists_what_waits_for_me_oldest_first_with_requester_type_and_cost(app, login, demo):
    first = submit(login, demo)
    second = submit(login, demo, code="change_plan")
    html = login("manager").get("/approvals").get_data(as_text=True)
    assert html.index(first) < html.index(second)
    assert "Erin Park" in html and "New line" in html and "$799.00" in html
    assert 'class="count-badge">2<' in html


def test_filters_by_type_and_requester(app, login, demo):
    new_line = submit(login, demo)
    plan = submit(login, demo, code="change_plan")
    marco = login("manager")
    html = marco.get("/approvals?type=change_plan").get_data(as_text=True)
    assert plan in html and new_line not in html
    fragment = marco.get("/approvals?type=new_line&part=queue", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and new_line in fragment and plan not in fragment
    erin_id = demo.user("employee@example.com")
    assert new_line in marco.get(f"/approvals?requester={erin_id}").get_data(as_text=True)


def test_opening_a_row_shows_details_line_open_orders_and_the_decisions(app, login, demo):
    number = submit(login, demo)
    other = submit(login, demo, code="change_plan")
    with app.app_context():
        step_id = pending_step(number).id
    marco = login("manager")
    fragment = marco.get(f"/approvals/{step_id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment
    for text in ("Approve", "Reject", "Request information", "Business Unlimited", "Erin Park's lines", other):
        assert text in fragment
    page = marco.get(f"/approvals/{step_id}").get_data(as_text=True)
    assert "<html" in page and "Approve" in page


def test_approving_from_the_panel_with_htmx_answers_with_the_panel_and_a_toast(app, login, demo):
    number = submit(login, demo)
    with app.app_context():
        step_id = pending_step(number).id
    response = login("manager").post(
        f"/approvals/{step_id}/approve", {"comment": "Fine."}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "approvals-changed" in response.headers["HX-Trigger"] and "toast" in response.headers["HX-Trigger"]
    assert f"Approved {number}. It goes on to Telecom admins." in response.headers["HX-Trigger"]


def test_a_step_decided_by_someone_else_is_refused_with_who(app, login, demo):
    number = submit(login, demo)
    with app.app_context():
        step_id = pending_step(number).id
    login("manager").post(f"/approvals/{step_id}/approve", {})
    with app.app_context():
        group_step = pending_step(number).id
    login("telecom").post(f"/approvals/{group_step}/approve", {})
    late = login("admin").post(f"/approvals/{group_step}/approve", {}, follow_redirects=True)
    assert "Tara Singh already decided this step" in late.get_data(as_text=True)


def test_select_several_and_approve_them_at_once(app, login, demo):
    numbers = [submit(login, demo, code="change_number"), submit(login, demo, code="accessory")]
    with app.app_context():
        ids = [pending_step(n).id for n in numbers]
    marco = login("manager")
    response = marco.post("/approvals/approve-selected", {"approval": [str(i) for i in ids]}, follow_redirects=True)
    assert "Approved 2 orders" in response.get_data(as_text=True)
    with app.app_context():
        assert {order_of(n).status for n in numbers} == {OrderStatus.APPROVED}
    decided = marco.get("/approvals?tab=decided").get_data(as_text=True)
    assert all(n in decided for n in numbers)


def test_the_badge_counts_what_waits_and_is_served_alone_for_polling(app, login, demo):
    submit(login, demo)
    badge = login("manager").get("/approvals/count").get_data(as_text=True)
    assert 'class="count-badge">1<' in badge and "<html" not in badge
    assert "count-badge" not in login("telecom").get("/approvals/count").get_data(as_text=True)


def test_an_approver_cannot_open_a_step_that_is_not_theirs(app, login, demo):
    number = submit(login, demo)
    with app.app_context():
        step_id = pending_step(number).id
    assert login("telecom").get(f"/approvals/{step_id}").status_code == 404
    assert login("telecom").post(f"/approvals/{step_id}/approve", {}).status_code == 404
    assert login("employee").get(f"/approvals/{step_id}").status_code == 403


# ------------------------------------------------------------------ admin: approval policies
def test_admin_sees_the_policies_in_priority_order(login):
    html = login("admin").get("/admin/approval-policies").get_data(as_text=True)
    assert html.index("New service and devices") < html.index("Accessories under $150") < html.index("Company default")
    assert "Any member of Telecom admins" in html


def test_only_admins_reach_the_policy_pages(login):
    for role in ("employee", "manager", "telecom", "helpdesk"):
        assert login(role).get("/admin/approval-policies").status_code == 403


def test_admin_creates_a_policy_adds_and_reorders_steps_and_switches_it_on_and_off(app, login, demo):
    admin = login("admin")
    bad = admin.post(
        "/admin/approval-policies/new", {"name": "", "priority": "x", "min_one_time": "lots", "out_of_policy": "any"}
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Give the policy a name." in html and "Enter an amount like 150.00" in html
    response = admin.post(
        "/admin/approval-policies/new",
        {
            "name": "Expensive phones",
            "priority": "5",
            "active": "y",
            "order_types": ["new_line", "upgrade"],
            "min_one_time": "1000",
            "out_of_policy": "any",
        },
    )
    assert response.status_code == 302
    edit_url = response.headers["Location"]
    with app.app_context():
        policy = db.session.scalar(select(ApprovalPolicy).where(ApprovalPolicy.name == "Expensive phones"))
        assert policy.order_types == ["new_line", "upgrade"] and policy.min_one_time_cents == 100000
        policy_id = policy.id
    refused = admin.post(f"{edit_url}/steps", {"approver_kind": "user", "user_id": ""})
    assert "Choose the person who approves this step." in refused.get_data(as_text=True)
    admin.post(f"{edit_url}/steps", {"approver_kind": "manager"})
    admin.post(f"{edit_url}/steps", {"approver_kind": "cost_center_owner"})
    with app.app_context():
        steps = db.session.get(ApprovalPolicy, policy_id).steps
        second = steps[1].id
    admin.post(f"{edit_url}/steps/{second}/up", {})
    with app.app_context():
        policy = db.session.get(ApprovalPolicy, policy_id)
        assert [s.approver_kind.value for s in policy.steps] == ["cost_center_owner", "manager"]
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.target == "Expensive phones")) is not None
        assert policy.active is False  # added switched off: approvals fail closed, a policy in use has a step
    admin.post(f"/admin/approval-policies/{policy_id}/switch", {})  # on, now that it has steps
    # The policy now routes an expensive new line: the cost center owner first.
    number = submit(
        login, demo, device_model=demo.model("iPhone 16 Pro"), plan=demo.plan("northwind", "Business Unlimited")
    )
    with app.app_context():
        assert order_of(number).one_time_cents == 109900
        first = db.session.scalar(
            select(Approval).where(Approval.order_id == order_of(number).id, Approval.status == ApprovalStatus.PENDING)
        )
        assert first.assignee.email == "sofia.alvarez@example.com"
    admin.post(f"/admin/approval-policies/{policy_id}/switch", {})
    with app.app_context():
        assert db.session.get(ApprovalPolicy, policy_id).active is False


def test_a_policy_without_steps_cannot_be_switched_on_nor_lose_its_last_step(app, login):
    admin = login("admin")
    response = admin.post(
        "/admin/approval-policies/new", {"name": "Empty", "priority": "50", "active": "y", "out_of_policy": "any"}
    )
    edit_url = response.headers["Location"]
    with app.app_context():
        policy_id = db.session.scalar(select(ApprovalPolicy.id).where(ApprovalPolicy.name == "Empty"))
    refused = admin.post(f"/admin/approval-policies/{policy_id}/switch", {}, follow_redirects=True)
    assert "needs at least one approval step" in refused.get_data(as_text=True)
    edited = admin.post(edit_url, {"name": "Empty", "priority": "50", "active": "y", "out_of_policy": "any"})
    assert edited.status_code == 422 and "needs at least one approval step" in edited.get_data(as_text=True)
    admin.post(f"{edit_url}/steps", {"approver_kind": "manager"})
    admin.post(f"/admin/approval-policies/{policy_id}/switch", {})
    with app.app_context():
        policy = db.session.get(ApprovalPolicy, policy_id)
        assert policy.active and len(policy.steps) == 1
        step_id = policy.steps[0].id
    kept = admin.post(f"{edit_url}/steps/{step_id}/remove", {}, follow_redirects=True)
    assert "last step of a policy in use" in kept.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.get(ApprovalPolicy, policy_id).steps) == 1


def test_try_it_names_the_people_of_a_group_and_cuts_a_long_list_short(app, login, demo):
    number = submit(login, demo)
    admin = login("admin")

    def step_of_the_group() -> str:
        html = admin.get("/admin/approval-policies", query_string={"order_number": number}).get_data(as_text=True)
        return next(li for li in html.split("<li>") if "any member of Telecom admins" in li).split("</li>")[0]

    assert "any member of Telecom admins</strong>: Ada Lopez and Tara Singh" in step_of_the_group()
    with app.app_context():
        group = db.session.scalar(select(Group).where(Group.name == "Telecom admins"))
        for n in range(12):
            group.members.append(User(email=f"admin{n:02d}@example.com", name=f"Zed Admin {n:02d}"))
        db.session.commit()
    step = step_of_the_group()
    assert ": Ada Lopez, Tara Singh, Zed Admin 00, Zed Admin 01, Zed Admin 02 and 9 more" in step
    assert "Zed Admin 03" not in step


def test_try_it_shows_the_approvers_an_existing_or_described_order_would_get(app, login, demo):
    number = submit(login, demo)
    admin = login("admin")
    html = admin.get("/admin/approval-policies", query_string={"order_number": number}).get_data(as_text=True)
    assert "New service and devices" in html and "Marco Diaz" in html and "any member of Telecom admins" in html
    described = admin.get(
        "/admin/approval-policies",
        query_string={"type": "accessory", "employee": demo.user("employee@example.com"), "one_time": "200"},
    ).get_data(as_text=True)
    assert "Accessories $150 and over" in described.split("Try it")[1]
    missing = admin.get("/admin/approval-policies", query_string={"order_number": "WO-999999"}).get_data(as_text=True)
    assert "There is no order with that number." in missing


def test_an_approver_names_a_delegate_for_dates_and_new_steps_go_to_them(app, login, demo):
    from datetime import timedelta

    marco = login("manager")
    sofia = demo.user("sofia.alvarez@example.com")
    refused = marco.post(
        "/approvals/away",
        {
            "delegate": sofia,
            "starts_on": clock.today().isoformat(),
            "ends_on": (clock.today() - timedelta(days=1)).isoformat(),
        },
    )
    assert refused.status_code == 422 and "The last day is before the first day." in refused.get_data(as_text=True)
    saved = marco.post(
        "/approvals/away",
        {
            "delegate": sofia,
            "starts_on": clock.today().isoformat(),
            "ends_on": (clock.today() + timedelta(days=3)).isoformat(),
        },
        follow_redirects=True,
    )
    assert "Sofia Alvarez decides for you." in saved.get_data(as_text=True)
    number = submit(login, demo)
    with app.app_context():
        step = pending_step(number)
        assert step.assignee_id == sofia and step.on_behalf_of.email == "manager@example.com"
    from tests.support.helpers import Client

    sofia_client = Client(app)
    sofia_client.sign_in("sofia.alvarez@example.com")
    html = sofia_client.get("/approvals").get_data(as_text=True)
    assert number in html and "on behalf of Marco Diaz" in html


# ---------------------------------------------------------------- what is not yours stays unmentioned
def test_approve_selected_does_not_mention_steps_that_are_not_yours(app, login, demo):
    """Marco selects his own step, Telecom's step of another order (his own step of it decided already), and ids
    that are nobody's or not numbers at all: his is approved; the others are not even named (a single step's
    page answers 404 for them)."""
    mine = submit(login, demo, code="accessory")
    others = submit(login, demo)  # new line: Marco's step, then Telecom admins'
    marco = login("manager")
    with app.app_context():
        mine_id, first_id = pending_step(mine).id, pending_step(others).id
    assert marco.post(f"/approvals/{first_id}/approve", {}).status_code == 302
    with app.app_context():
        telecom_id = pending_step(others).id
    assert marco.get(f"/approvals/{telecom_id}").status_code == 404
    response = marco.post(
        "/approvals/approve-selected",
        {"approval": [str(telecom_id), str(mine_id), "999999", "²", "１２", "100000000000000000000"]},
        follow_redirects=True,
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"Approved 1 order: {mine}." in page
    flashes = page.split('class="flashes"')[1].split("</div>")[0]
    assert others not in flashes and "waiting" not in flashes and "decided" not in flashes
    with app.app_context():
        assert order_of(others).status is OrderStatus.PENDING_APPROVAL  # Telecom's step untouched


# ---------------------------------------------------------------- delegates who may approve
def test_the_away_form_offers_only_people_who_may_approve(app, login, demo):
    marco = login("manager")

    def offered(search: str) -> str:  # whom the delegate search finds
        page = marco.post("/approvals/away", {"delegate_search": search, "find": "1"}).get_data(as_text=True)
        return page.split('name="delegate"')[1].split("</select>")[0]

    assert "Tara Singh" in offered("tara")  # a member of Telecom admins
    assert "Ada Lopez" in offered("ada")  # an administrator
    assert "Sofia Alvarez" in offered("sofia")  # a manager
    assert "Erin Park" not in offered("erin") and "Hana Kim" not in offered("hana")  # nobody reports to them
    assert "Marco Diaz" not in offered("marco")  # not himself
    refused = marco.post(
        "/approvals/away",
        {
            "delegate": demo.user("employee@example.com"),
            "starts_on": clock.today().isoformat(),
            "ends_on": clock.today().isoformat(),
        },
    )
    assert refused.status_code == 422
    assert "Choose someone who may approve: a manager, a member of an approval group or an administrator." in (
        refused.get_data(as_text=True)
    )
    with app.app_context():
        from app.models import Delegation

        assert db.session.scalars(select(Delegation)).all() == [] or all(
            d.delegate.email != "employee@example.com" for d in db.session.scalars(select(Delegation))
        )


def test_routing_skips_a_delegate_who_may_not_approve(app, login, demo):
    """A delegation named before the rule (or someone who lost the right since) sends nothing to them."""
    from datetime import timedelta

    from app.models import Delegation

    with app.app_context():
        marco, hana = demo.user("manager@example.com"), demo.user("helpdesk@example.com")
        db.session.add(
            Delegation(
                user_id=marco,
                delegate_id=hana,
                starts_on=clock.today() - timedelta(days=1),
                ends_on=clock.today() + timedelta(days=3),
            )
        )
        db.session.commit()
    number = submit(login, demo, code="accessory")
    with app.app_context():
        step = pending_step(number)
        assert step.assignee.email == "manager@example.com" and step.on_behalf_of is None
