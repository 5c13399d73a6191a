"""The approver inbox: the queue, a step opened in place, the decisions, several approved at once."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_htmx import make_response as htmx_response
from flask_login import current_user
from jinja2_fragments.flask import render_block
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from app import clock, commands, params
from app.approvals import decisions, inbox, policies
from app.approvals.steps import StepError
from app.choices import options
from app.extensions import db, htmx
from app.inventory.search import people_found
from app.models import Approval, Delegation, Device, Line, Order, OrderStatus, User
from app.orders import lifecycle, types
from app.web.access import require
from app.web.approvals import bp
from app.web.approvals.forms import ApproveForm, DelegationForm, InboxFilter, QuestionForm, RejectForm
from app.web.orders.conversation import conversation_context
from app.web.paging import kept_args, list_page

PAGE_SIZE = 50


@bp.app_context_processor
def approvals_badge() -> dict:
    """`approvals_waiting()` in templates: the count for the navigation badge (computed only when asked)."""
    return {"approvals_waiting": lambda: inbox.badge_count(db.session, current_user)}


@bp.app_template_filter("waiting_figure")
def waiting_figure(count: int) -> str:
    """How many wait, as the badge says it: '7', or '99+' past the limit."""
    return inbox.badge_figure(count)


@bp.route("")
@require("approve")
def queue():
    """What waits for my decision (oldest first), or what I decided."""
    tab = "decided" if request.args.get("tab") == "decided" else "waiting"
    filters = InboxFilter(request.args)
    filters.type.choices = options([("", "Any type")] + [(t.code, t.name) for t in types.REGISTRY.values()])
    filters.requester.choices = options(
        [("", "Anyone")] + [(str(p.id), p.name) for p in inbox.requesters_waiting(db.session, current_user)]
    )
    if tab == "waiting":
        query = inbox.waiting_query(
            current_user,
            order_type=filters.type.data or None,
            requester_id=params.to_int(filters.requester.data, minimum=1),
        )
    else:
        query = inbox.decided_query(current_user)
    page = list_page(query, PAGE_SIZE)
    if tab == "waiting":
        inbox.with_rows(db.session, page.items)
    context = dict(
        page=page,
        tab=tab,
        filters=filters,
        now=clock.now(),
        args=kept_args(),
    )
    if htmx and not htmx.boosted and request.args.get("part") == "queue":
        return render_block("approvals/inbox.html", "queue", **context)
    return render_template("approvals/inbox.html", **context)


@bp.route("/count")
@require("approve")
def count():
    """The navigation badge (polled by HTMX so it stays current)."""
    return render_template("approvals/_badge.html")


def _step_or_404(approval_id: int) -> Approval:
    approval = db.session.get(Approval, approval_id)
    if approval is None or not inbox.may_see(approval, current_user):
        abort(404)
    return approval


def _panel_context(approval: Approval, notice: tuple[str, str] | None = None, **forms) -> dict:
    order = approval.order
    employee_lines = db.session.scalars(
        select(Line)
        .where(Line.employee_id == order.employee_id)
        .options(
            joinedload(Line.carrier),
            joinedload(Line.plan),  # all in one query
            joinedload(Line.device).joinedload(Device.model),
        )
        .order_by(Line.number)
    ).all()
    open_orders = db.session.scalars(
        select(Order)
        .where(Order.employee_id == order.employee_id, Order.status.in_(lifecycle.OPEN), Order.id != order.id)
        .order_by(Order.submitted_at.desc())
        .limit(10)
    ).all()
    return dict(
        approval=approval,
        lines=employee_lines,
        open_orders=open_orders,
        may_decide=approval.status.value == "pending"
        and decisions.may_decide(approval, current_user)
        and order.status.value == "pending_approval",
        approve_form=forms.get("approve_form") or ApproveForm(),
        reject_form=forms.get("reject_form") or RejectForm(),
        question_form=forms.get("question_form") or QuestionForm(),
        notice=notice,
        **conversation_context(order, url_for("approvals.step", approval_id=approval.id)),
    )


@bp.route("/<int:approval_id>")
@require("approve")
def step(approval_id: int):
    """One step with the order's details and the decision buttons (a fragment for HTMX, else a page)."""
    approval = _step_or_404(approval_id)
    if htmx and not htmx.boosted:
        return render_template("approvals/_panel.html", **_panel_context(approval))
    return render_template("approvals/step.html", **_panel_context(approval))


def _decide(approval_id: int, form_class, form_key: str, act):
    approval = _step_or_404(approval_id)
    form = form_class()
    if not form.validate():
        return _render_panel(approval, 422, **{form_key: form})
    number = approval.order.number
    try:
        message = act(approval, form)
        db.session.commit()
    except StepError as error:
        db.session.rollback()
        return _not_decided(approval_id, str(error))
    except lifecycle.TransitionError as error:
        db.session.rollback()
        return _not_decided(approval_id, f"{number}: {error}")
    except StaleDataError:  # the order changed (cancelled, decided) while this decision was being written
        db.session.rollback()
        return _not_decided(approval_id, f"{number} was changed by someone else a moment ago: see where it stands now.")
    flash(message, "success")
    return _after_decision(approval_id, 200)


def _what_follows(order: Order, following: Approval | None) -> str:
    if following is not None:
        who = (
            following.assignee.name
            if following.assignee
            else following.group.name
            if following.group
            else "an administrator"
        )
        return f"It goes on to {who}."
    if order.status is OrderStatus.NEEDS_ATTENTION:
        return "But it cannot go ahead as it is: it needs attention (the requester is told why)."
    return "The order is approved."


def _render_panel(approval: Approval, status: int, **forms):
    template = "approvals/_panel.html" if htmx and not htmx.boosted else "approvals/step.html"
    return render_template(template, **_panel_context(approval, **forms)), status


def _not_decided(approval_id: int, message: str):
    """409, with why, in the step where the person clicked (the panel in the inbox, or the step's page) as it
    stands now: never a message kept for whatever page comes next."""
    context = _panel_context(_step_or_404(approval_id), notice=("error", message))
    if htmx and not htmx.boosted:
        response = htmx_response(
            render_template("approvals/_panel.html", **context), trigger={"approvals-changed": True}
        )
    else:
        response = make_response(render_template("approvals/step.html", **context))
    response.status_code = 409
    return response


def _after_decision(approval_id: int, status: int):
    if htmx and not htmx.boosted:
        approval = db.session.get(Approval, approval_id)
        if approval is None:
            abort(404)
        response = htmx_response(
            render_template("approvals/_panel.html", **_panel_context(approval)), trigger={"approvals-changed": True}
        )
        response.status_code = status
        return response
    return redirect(url_for("approvals.queue"))


@bp.route("/<int:approval_id>/approve", methods=["POST"])
@require("approve")
def approve(approval_id: int):
    """Approve this step."""

    def act(approval, form):
        following = commands.approve(db.session, approval, current_user, form.comment.data or "")
        return f"Approved {approval.order.number}. {_what_follows(approval.order, following)}"

    return _decide(approval_id, ApproveForm, "approve_form", act)


@bp.route("/<int:approval_id>/reject", methods=["POST"])
@require("approve")
def reject(approval_id: int):
    """Reject the order, with the reason the requester will see."""

    def act(approval, form):
        commands.reject(db.session, approval, current_user, form.reason.data)
        return f"Rejected {approval.order.number}."

    return _decide(approval_id, RejectForm, "reject_form", act)


@bp.route("/<int:approval_id>/request-information", methods=["POST"])
@require("approve")
def request_information(approval_id: int):
    """Send the order back to the requester with a question."""

    def act(approval, form):
        commands.ask(db.session, approval, current_user, form.question.data)
        return f"Asked {approval.order.requester.name} about {approval.order.number}."

    return _decide(approval_id, QuestionForm, "question_form", act)


@bp.route("/approve-selected", methods=["POST"])
@require("approve")
def approve_selected():
    """Approve several steps at once; each is its own decision, and each failure is reported."""
    ids = params.ids(request.form.getlist("approval"))
    if not ids:
        flash("Select the orders to approve first.", "error")
        return redirect(url_for("approvals.queue"))
    approved: list[str] = []
    problems: list[str] = []
    for approval_id in ids:
        approval = db.session.get(Approval, approval_id)
        if approval is None or not inbox.may_see(approval, current_user):
            continue  # not yours: not even mentioned (as a single step's page answers 404)
        number = str(approval.order)
        try:
            commands.approve(db.session, approval, current_user)
            db.session.commit()
            approved.append(number)
        except (StepError, lifecycle.TransitionError) as error:
            db.session.rollback()
            problems.append(f"{number}: {error}")
        except StaleDataError:
            db.session.rollback()
            problems.append(f"{number}: changed by someone else a moment ago.")
    if approved:
        flash(f"Approved {len(approved)} order{'s' if len(approved) != 1 else ''}: {', '.join(approved)}.", "success")
    for problem in problems:
        flash(problem, "error")
    return redirect(url_for("approvals.queue"))


@bp.route("/away", methods=["GET", "POST"])
@require("approve")
def away():
    """Name a delegate for the days I am away: steps that reach me then go to them."""
    form = DelegationForm()
    finding = "find" in request.form  # the search box's button: offer whom it found, save nothing
    search, chosen = form.delegate_search.data or "", params.to_int(form.delegate.data, minimum=1)
    where = [policies.may_stand_in_for(current_user)]  # only people who may approve can stand in
    found = people_found(db.session, search, chosen=chosen, where=where)
    form.delegate_search.offer(form.delegate, found.people, matched=found.matched)
    if not finding and form.validate_on_submit():
        delegate = db.session.get(User, int(form.delegate.data))
        if delegate is None:
            abort(404)
        db.session.add(
            Delegation(
                user_id=current_user.id, delegate=delegate, starts_on=form.starts_on.data, ends_on=form.ends_on.data
            )
        )
        db.session.commit()
        flash(
            f"From {form.starts_on.data:%b %d} to {form.ends_on.data:%b %d}, {delegate.name} decides for you.",
            "success",
        )
        return redirect(url_for("approvals.away"))
    mine = db.session.scalars(
        select(Delegation)
        .where(Delegation.user_id == current_user.id, Delegation.ends_on >= clock.now().date())
        .order_by(Delegation.starts_on)
    ).all()
    return render_template("approvals/away.html", form=form, delegations=mine), 422 if form.errors else 200


@bp.route("/away/<int:delegation_id>/remove", methods=["POST"])
@require("approve")
def remove_delegation(delegation_id: int):
    """Remove a delegation (steps already delegated stay with the delegate)."""
    delegation = db.session.get(Delegation, delegation_id)
    if delegation is None or delegation.user_id != current_user.id:
        abort(404)
    db.session.delete(delegation)
    db.session.commit()
    flash("Delegation removed.", "success")
    return redirect(url_for("approvals.away"))
