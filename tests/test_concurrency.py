"""Concurrency: twenty people at once, each in their own browser session against the live server, approving,
rejecting and cancelling the same orders. Every order ends in exactly one consistent state, its timeline agrees
(exactly one deciding event), the one person told "done" is the one whose decision stands, and nothing fails.
And a question racing a rejection on the same step: one wins, the other is told so where it clicked."""

from __future__ import annotations

import html
import random
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

from sqlalchemy import select

from app.extensions import db
from app.models import Approval, ApprovalStatus, InventoryChange, Line, LineStatus, Order, OrderStatus, User
from tests.support.ordering import place

MARCO, HANA = "manager@example.com", "helpdesk@example.com"
FLASH = re.compile(r'<p class="flash flash-(success|error|info)"[^>]*>(.*?)</p>', re.S)
TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


class Browser:
    """One person's browser: its own cookies, signed in through the live server's sign-in page."""

    def __init__(self, base: str, email: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        page = self.get("/login")[1]
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        status, page = self.post("/login", {"csrf_token": token, "email": email, "password": "demo"})
        assert status == 200 and "Sign out" in page, f"{email} could not sign in"
        self.token = TOKEN.search(page).group(1)

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict, headers: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode({"csrf_token": getattr(self, "token", ""), **data}).encode()
        return self._open(urllib.request.Request(self.base + path, data=body, method="POST", headers=headers or {}))

    def _open(self, request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=120) as response:  # redirects are followed, as a browser does
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")


def _orders(app, login) -> list[dict]:
    """Hana reassigns a line of each of five of Marco's reports: one step each, Marco's; done at approval."""
    with app.app_context():
        marco = db.session.scalar(select(User).where(User.email == MARCO))
        reports = sorted(marco.reports, key=lambda u: u.id)
        lines = [
            db.session.scalar(
                select(Line).where(Line.employee_id == r.id, Line.status == LineStatus.ACTIVE).order_by(Line.id)
            )
            for r in reports
        ]
        picked = [(r.id, line.id, marco.id) for r, line in zip(reports, lines, strict=True) if line is not None][:5]
    assert len(picked) == 5, "the demo company gives Marco five reports with a line"
    hana = login("helpdesk")
    orders = []
    for employee_id, line_id, new_owner in picked:
        number = place(hana, "assign_line", {"line": line_id, "new_employee": new_owner}, for_user=employee_id)
        with app.app_context():
            step = db.session.scalar(
                select(Approval).join(Order).where(Order.number == number, Approval.status == ApprovalStatus.PENDING)
            )
            assert step.assignee.email == MARCO
            orders.append({"number": number, "step": step.id, "line": line_id})
    return orders


ACTIONS = {
    "approve": lambda o: (f"/approvals/{o['step']}/approve", {"comment": "Fine."}, f"Approved {o['number']}."),
    "reject": lambda o: (f"/approvals/{o['step']}/reject", {"reason": "Not now."}, f"Rejected {o['number']}."),
    "cancel": lambda o: (
        f"/orders/{o['number']}/cancel",
        {"reason": "Changed my mind."},
        f"Order {o['number']} cancelled.",
    ),
}
FINAL = {
    "approve": (OrderStatus.COMPLETED, ["submit", "approve", "complete"], ApprovalStatus.APPROVED),
    "reject": (OrderStatus.REJECTED, ["submit", "reject"], ApprovalStatus.REJECTED),
    "cancel": (OrderStatus.CANCELLED, ["submit", "cancel"], ApprovalStatus.SKIPPED),
}


def test_twenty_people_deciding_the_same_orders_at_once_leave_each_in_one_consistent_state(app, login, live_server):
    orders = _orders(app, login)
    people = [("approve", MARCO)] * 8 + [("reject", MARCO)] * 6 + [("cancel", HANA)] * 6
    browsers = [Browser(live_server, email) for _, email in people]  # each signs in through the live server
    start = threading.Barrier(len(people))
    outcomes: list[tuple[str, str, int, list]] = []  # (action, number, status, flashes)
    lock = threading.Lock()

    def person(index: int) -> None:
        action, _ = people[index]
        mine = orders[:]
        random.Random(index).shuffle(mine)
        start.wait(timeout=120)
        for order in mine:
            path, data, _ = ACTIONS[action](order)
            status, page = browsers[index].post(path, data)
            with lock:
                outcomes.append(
                    (action, order["number"], status, [(c, html.unescape(m).strip()) for c, m in FLASH.findall(page)])
                )

    threads = [threading.Thread(target=person, args=(i,)) for i in range(len(people))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert len(outcomes) == len(people) * len(orders)
    # A decision that lost is answered 409 on the step where it was made, saying why; everything else 200.
    assert all(status == 200 or (status == 409 and action != "cancel") for action, _, status, _ in outcomes), [
        o for o in outcomes if o[2] != 200
    ][:5]

    for order in orders:
        told_done = [
            action
            for action, number, _, flashes in outcomes
            if number == order["number"]
            and any(category == "success" and text.startswith(ACTIONS[action](order)[2]) for category, text in flashes)
        ]
        assert len(told_done) == 1, (order["number"], told_done)  # exactly one person's decision stood
        winner = told_done[0]
        status, kinds, step_status = FINAL[winner]
        with app.app_context():
            row = db.session.scalar(select(Order).where(Order.number == order["number"]))
            assert row.status is status, (order["number"], winner, row.status)
            assert [e.kind for e in sorted(row.events, key=lambda e: e.id)] == kinds  # the timeline agrees
            step = db.session.get(Approval, order["step"])
            assert step.status is step_status
            moved = db.session.scalars(select(InventoryChange).where(InventoryChange.order_id == row.id)).all()
            assert bool(moved) is (winner == "approve")  # the line moved only if approved, and only once
            assert len({(c.record_type, c.record_id, c.field) for c in moved}) == len(moved)
        # everyone else was told why not (nobody was left believing their decision stood)
        others = [flashes for action, number, _, flashes in outcomes if number == order["number"] and action != winner]
        assert all(any(category == "error" for category, _ in flashes) for flashes in others)


# ---------------------------------------------------------------- asking and rejecting the same step at once
HTMX = {"HX-Request": "true", "HX-Current-URL": "/approvals"}
RACE_ROUNDS = 10


def _accessory_orders(app, login, count: int) -> list[dict]:
    """Erin orders accessories `count` times: one step each, her manager Marco's."""
    from tests.support.ordering import Demo, valid_orders

    erin, demo = login("employee"), Demo(app)
    orders = []
    for _ in range(count):
        number = place(erin, "accessory", valid_orders(demo)["accessory"][1])
        with app.app_context():
            step = db.session.scalar(
                select(Approval).join(Order).where(Order.number == number, Approval.status == ApprovalStatus.PENDING)
            )
            assert step.assignee.email == MARCO
            orders.append({"number": number, "step": step.id})
    return orders


def test_asking_and_rejecting_the_same_step_at_once_one_wins_and_the_other_is_told_where_it_clicked(
    app, login, live_server
):
    """Two of Marco's sessions, one asking the requester a question and one rejecting, at the same moment, ten
    times: exactly one wins; the other gets a 409 whose panel says why (no message left for a later page); the
    requester gets one email, about what happened."""
    from app.models import Notification

    orders = _accessory_orders(app, login, RACE_ROUNDS)
    asker, rejecter = Browser(live_server, MARCO), Browser(live_server, MARCO)
    winners = []
    for order in orders:
        start = threading.Barrier(2)
        answers: dict[str, tuple[int, str]] = {}

        def click(name, browser, path, data, start=start, answers=answers) -> None:
            start.wait(timeout=60)
            answers[name] = browser.post(path, data, headers=HTMX)

        threads = [
            threading.Thread(
                target=click,
                args=("ask", asker, f"/approvals/{order['step']}/request-information", {"question": "Which case?"}),
            ),
            threading.Thread(
                target=click, args=("reject", rejecter, f"/approvals/{order['step']}/reject", {"reason": "Not now."})
            ),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        statuses = {name: status for name, (status, _) in answers.items()}
        assert sorted(statuses.values()) == [200, 409], (order["number"], statuses)
        winner = next(name for name, status in statuses.items() if status == 200)
        loser = "reject" if winner == "ask" else "ask"
        winners.append(winner)
        panel = answers[loser][1]
        assert f'id="panel-heading-{order["step"]}"' in panel  # the step where the person clicked
        told = [html.unescape(m).strip() for c, m in FLASH.findall(panel) if c == "error"]
        why = ("already decided this step", "changed by someone else", "there is nothing to decide now")
        assert told and any(words in told[0] for words in why), told
        # Nothing kept for later: the loser's next page shows no leftover message.
        next_page = (asker if loser == "ask" else rejecter).get("/approvals")[1]
        assert not FLASH.findall(next_page)
        with app.app_context():
            row = db.session.scalar(select(Order).where(Order.number == order["number"]))
            expected = OrderStatus.INFO_REQUESTED if winner == "ask" else OrderStatus.REJECTED
            assert row.status is expected
            kinds = [e.kind for e in sorted(row.events, key=lambda e: e.id)]
            assert kinds == ["submit", "request_info" if winner == "ask" else "reject"]
            told_requester = db.session.scalars(
                select(Notification.milestone).where(
                    Notification.order_id == row.id,
                    Notification.email == row.requester.email,
                    Notification.milestone.in_(("info_requested", "rejected")),
                )
            ).all()
            assert told_requester == ["info_requested" if winner == "ask" else "rejected"]
