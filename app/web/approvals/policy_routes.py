"""Admin pages for approval policies (/admin/approval-policies): list, create, edit, steps, switch off, Try it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectField

from app import clock, params
from app.admin.audit import record_audit
from app.approvals import policies
from app.approvals.policies import KIND_LABELS, OrderFacts, matching_policy, resolve_approver
from app.choices import PersonSearchField, options
from app.extensions import db
from app.formatting import money
from app.inventory.search import people_found
from app.models import (
    ApprovalPolicy,
    ApprovalPolicyStep,
    ApproverKind,
    Carrier,
    Group,
    Order,
    User,
)
from app.orders import types
from app.web.access import require
from app.web.admin import admin_menu
from app.web.approvals import policies_bp as bp
from app.web.approvals.policy_forms import PolicyForm, StepForm, TryItForm

OUT_OF_POLICY = [("any", "Any order"), ("yes", "Only out-of-policy orders"), ("no", "Only orders within policy")]


def _policies() -> list[ApprovalPolicy]:
    return list(
        db.session.scalars(
            select(ApprovalPolicy)
            .options(selectinload(ApprovalPolicy.steps))
            .order_by(ApprovalPolicy.priority, ApprovalPolicy.id)
        )
    )


def describe(policy: ApprovalPolicy, carriers: dict[int, str]) -> str:
    """What a policy matches, in words."""
    parts = []
    parts.append(
        ", ".join(types.REGISTRY[c].name for c in policy.order_types if c in types.REGISTRY)
        if policy.order_types
        else "Every order type"
    )
    if policy.carrier_ids:
        parts.append("on " + ", ".join(carriers.get(i, "?") for i in policy.carrier_ids))
    for label, low, high in (
        ("one-time", policy.min_one_time_cents, policy.max_one_time_cents),
        ("monthly", policy.min_monthly_cents, policy.max_monthly_cents),
    ):
        if low is not None and high is not None:
            parts.append(f"{label} {money(low)} to {money(high)}")
        elif low is not None:
            parts.append(f"{label} at least {money(low)}")
        elif high is not None:
            parts.append(f"{label} at most {money(high)}")
    if policy.out_of_policy is not None:
        parts.append("out of policy" if policy.out_of_policy else "within policy")
    if policy.modules:
        parts.append(" and ".join(policy.modules) + " only")
    if policy.min_term_months:
        parts.append(f"a contract of {policy.min_term_months} months or more")
    return "; ".join(parts)


def step_text(step: ApprovalPolicyStep) -> str:
    if step.approver_kind is ApproverKind.USER and step.user:
        return step.user.name
    if step.approver_kind is ApproverKind.GROUP and step.group:
        return f"Any member of {step.group.name}"
    return KIND_LABELS[step.approver_kind]


@bp.app_context_processor
def policy_helpers() -> dict:
    return {"step_text": step_text}


bp.context_processor(admin_menu)  # these pages sit in the administration layout, with its menu


@bp.route("")
@require("admin")
def index():
    """Every policy in the order they are checked, and the Try it panel."""
    carriers = dict(db.session.execute(select(Carrier.id, Carrier.name)).all())
    form = _try_form(request.args)
    result = _try(form) if request.args and "find" not in request.args else None  # "find": the person search
    return render_template(
        "approvals/policies.html", policies=_policies(), carriers=carriers, describe=describe, form=form, result=result
    )


def _try_form(data) -> TryItForm:
    form = TryItForm(data)
    form.type.choices = options([("", "Choose a type")] + [(t.code, t.name) for t in types.REGISTRY.values()])
    _offer_people(form.employee_search, form.employee)
    carriers = db.session.scalars(select(Carrier).order_by(Carrier.name)).all()
    form.carrier.choices = options([("", "Any carrier")] + [(str(c.id), c.name) for c in carriers])
    return form


def _offer_people(search: PersonSearchField, select: SelectField, empty: str = "Choose a person") -> None:
    """The active people a person select offers: the one chosen, and those the search beside it found."""
    found = people_found(
        db.session, search.data or "", chosen=params.to_int(select.data, minimum=1), where=[User.active]
    )
    search.offer(select, found.people, matched=found.matched, empty=empty)


def _try(form: TryItForm) -> dict | None:
    """Which policy an existing or described order gets, and who would approve each step today."""
    if not form.validate():
        return None
    if form.order_number.data:
        order = db.session.scalar(select(Order).where(Order.number == form.order_number.data.strip().upper()))
        if order is None:
            form.order_number.errors = ["There is no order with that number."]
            return None
    else:
        missing = [
            (f, m)
            for f, m in ((form.type, "Choose an order type."), (form.employee, "Choose the person."))
            if not f.data
        ]
        for f, message in missing:
            f.errors = [message]
        if missing:
            return None
        employee = db.session.get(User, int(form.employee.data))
        if employee is None:
            form.employee.errors = ["Choose the person."]
            return None
        order = Order(
            type=form.type.data,
            requester=employee,
            employee=employee,
            carrier_id=int(form.carrier.data) if form.carrier.data else None,
            cost_center=employee.cost_center,
            one_time_cents=form.one_time.data or 0,
            monthly_cents=form.monthly.data or 0,
            out_of_policy=form.out_of_policy.data,
            details={"term_months": form.term_months.data} if form.term_months.data else {},
        )
        if order in db.session:  # a described order is never saved
            db.session.expunge(order)
    policy = matching_policy(db.session, OrderFacts.of(order))
    steps = [
        (
            step,
            resolve_approver(
                db.session, step.approver_kind, order=order, user=step.user, group=step.group, today=clock.today()
            ),
        )
        for step in (policy.steps if policy else [])
    ]
    return {"policy": policy, "steps": steps, "order": order}


def _policy_or_404(policy_id: int) -> ApprovalPolicy:
    return db.session.get(ApprovalPolicy, policy_id) or abort(404)


def _policy_form(policy: ApprovalPolicy | None, data=None) -> PolicyForm:
    form = PolicyForm(data, obj=None)
    form.order_types.choices = options([(t.code, t.name) for t in types.REGISTRY.values()])
    form.carrier_ids.choices = options(
        [(c.id, c.name) for c in db.session.scalars(select(Carrier).order_by(Carrier.name))]
    )
    form.out_of_policy.choices = options(OUT_OF_POLICY)
    form.modules.choices = options([(m, m) for m in types.modules()])
    if policy is not None and not data:
        form.modules.data, form.min_term_months.data = list(policy.modules or []), policy.min_term_months
        form.name.data, form.priority.data, form.active.data = policy.name, policy.priority, policy.active
        form.order_types.data, form.carrier_ids.data = list(policy.order_types), list(policy.carrier_ids)
        form.min_one_time.data, form.max_one_time.data = policy.min_one_time_cents, policy.max_one_time_cents
        form.min_monthly.data, form.max_monthly.data = policy.min_monthly_cents, policy.max_monthly_cents
        form.out_of_policy.data = {None: "any", True: "yes", False: "no"}[policy.out_of_policy]
    return form


def _step_form(data=None) -> StepForm:
    form = StepForm(data)
    form.approver_kind.choices = options([("", "Choose who approves")] + [(k.value, v) for k, v in KIND_LABELS.items()])
    _offer_people(form.user_search, form.user_id, empty="Nobody named")
    groups = db.session.scalars(select(Group).order_by(Group.name)).all()
    form.group_id.choices = options([("", "No group")] + [(str(g.id), g.name) for g in groups])
    return form


@bp.route("/new", methods=["GET", "POST"])
@require("admin")
def create():
    """Add a policy (its steps are added on its page)."""
    form = _policy_form(None, request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate() and _name_free(form, None):
        policy = ApprovalPolicy()
        _apply(form, policy)
        policy.active = False  # switched on once it has a step (approvals fail closed)
        db.session.add(policy)
        db.session.flush()
        record_audit(db.session, current_user, "approval_policy.create", policy.name, priority=policy.priority)
        db.session.commit()
        flash(f"Policy “{policy.name}” added, switched off. Add its approval steps, then switch it on.", "success")
        return redirect(url_for("policies.edit", policy_id=policy.id))
    return render_template(
        "approvals/policy_form.html", form=form, policy=None, step_form=None
    ), 422 if request.method == "POST" else 200


@bp.route("/<int:policy_id>", methods=["GET", "POST"])
@require("admin")
def edit(policy_id: int):
    """Edit what a policy matches, and its ordered steps."""
    policy = _policy_or_404(policy_id)
    form = _policy_form(policy, request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate() and _name_free(form, policy) and _has_steps(form, policy):
        _apply(form, policy)
        record_audit(db.session, current_user, "approval_policy.update", policy.name, priority=policy.priority)
        db.session.commit()
        flash(f"Policy “{policy.name}” saved.", "success")
        return redirect(url_for("policies.edit", policy_id=policy.id))
    status = 422 if request.method == "POST" else 200
    return render_template("approvals/policy_form.html", form=form, policy=policy, step_form=_step_form()), status


def _has_steps(form: PolicyForm, policy: ApprovalPolicy) -> bool:
    if form.active.data and not policy.steps:
        form.active.errors = [*form.active.errors, policies.NO_STEPS]
        return False
    return True


def _name_free(form: PolicyForm, policy: ApprovalPolicy | None) -> bool:
    other = db.session.scalar(select(ApprovalPolicy).where(ApprovalPolicy.name == form.name.data.strip()))
    if other is not None and other is not policy:
        form.name.errors = [*form.name.errors, "Another policy has this name."]
        return False
    return True


def _apply(form: PolicyForm, policy: ApprovalPolicy) -> None:
    policy.name, policy.priority, policy.active = form.name.data.strip(), form.priority.data, form.active.data
    policy.order_types = [c for c in form.order_types.data or [] if c in types.REGISTRY]
    policy.carrier_ids = list(form.carrier_ids.data or [])
    policy.min_one_time_cents, policy.max_one_time_cents = form.min_one_time.data, form.max_one_time.data
    policy.min_monthly_cents, policy.max_monthly_cents = form.min_monthly.data, form.max_monthly.data
    policy.out_of_policy = {"any": None, "yes": True, "no": False}[form.out_of_policy.data or "any"]
    policy.modules = [m for m in form.modules.data or [] if m in types.modules()]
    policy.min_term_months = form.min_term_months.data


@bp.route("/<int:policy_id>/switch", methods=["POST"])
@require("admin")
def switch(policy_id: int):
    """Switch a policy off (or on again)."""
    policy = _policy_or_404(policy_id)
    if policy.is_default and policy.active:
        flash("The company default cannot be switched off: edit its steps instead.", "error")
        return redirect(url_for("policies.index"))
    if not policy.active and not policy.steps:
        flash(policies.NO_STEPS, "error")
        return redirect(url_for("policies.edit", policy_id=policy.id))
    policy.active = not policy.active
    record_audit(db.session, current_user, "approval_policy.update", policy.name, active=policy.active)
    db.session.commit()
    flash(f"Policy “{policy.name}” switched {'on' if policy.active else 'off'}.", "success")
    return redirect(url_for("policies.index"))


@bp.route("/<int:policy_id>/steps", methods=["POST"])
@require("admin")
def add_step(policy_id: int):
    """Add a step at the end."""
    policy = _policy_or_404(policy_id)
    step_form = _step_form(request.form)
    finding = "find" in request.form  # the person search's button: offer whom it found, add nothing
    if finding or not step_form.validate():
        return render_template(
            "approvals/policy_form.html", form=_policy_form(policy), policy=policy, step_form=step_form
        ), 200 if finding else 422
    kind = ApproverKind(step_form.approver_kind.data)
    step = ApprovalPolicyStep(
        position=len(policy.steps) + 1,
        approver_kind=kind,
        user_id=int(step_form.user_id.data) if kind is ApproverKind.USER else None,
        group_id=int(step_form.group_id.data) if kind is ApproverKind.GROUP else None,
    )
    policy.steps.append(step)
    db.session.flush()
    record_audit(db.session, current_user, "approval_policy.update", policy.name, added_step=step_text(step))
    db.session.commit()
    flash(f"Step {step.position} added: {step_text(step)}.", "success")
    return redirect(url_for("policies.edit", policy_id=policy.id))


@bp.route("/<int:policy_id>/steps/<int:step_id>/<any(up, down, remove):move>", methods=["POST"])
@require("admin")
def move_step(policy_id: int, step_id: int, move: str):
    """Move a step up or down, or remove it; positions stay 1, 2, 3…"""
    policy = _policy_or_404(policy_id)
    ordered = list(policy.steps)
    step = next((s for s in ordered if s.id == step_id), None) or abort(404)
    index = ordered.index(step)
    if move == "remove" and policies.without_steps(policy, len(ordered) - 1):
        flash("This is the last step of a policy in use: switch the policy off first, or add another step.", "error")
        return redirect(url_for("policies.edit", policy_id=policy.id))
    if move == "remove":
        ordered.remove(step)
        policy.steps.remove(step)
    elif move == "up" and index > 0:
        ordered[index - 1], ordered[index] = ordered[index], ordered[index - 1]
    elif move == "down" and index < len(ordered) - 1:
        ordered[index + 1], ordered[index] = ordered[index], ordered[index + 1]
    for position, item in enumerate(ordered, start=1):
        item.position = position
    record_audit(db.session, current_user, "approval_policy.update", policy.name, steps=[step_text(s) for s in ordered])
    db.session.commit()
    flash("Steps reordered." if move != "remove" else "Step removed.", "success")
    return redirect(url_for("policies.edit", policy_id=policy.id))
