"""Admin views: the overview, the audit log and the portal's health."""

from flask import render_template
from jinja2_fragments.flask import render_block
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.admin.audit import action_label
from app.extensions import db, htmx
from app.health import BACKLOG_WORDS, QUEUE_WORDS
from app.models import ApprovalPolicy, AuditEntry, User
from app.web.access import require
from app.web.admin import bp
from app.web.admin.catalog_kinds import KINDS
from app.web.health import portal_health
from app.web.paging import list_page

AUDIT_PAGE_SIZE = 50


@bp.route("")
@require("admin")
def index():
    """What the company has configured, counted, with a way into each list."""
    counts = []
    for kind in KINDS.values():
        total, active = db.session.execute(
            select(func.count(), func.count().filter(kind.model.active.is_(True))).select_from(kind.model)
        ).one()
        counts.append((kind, total, active))
    people = db.session.execute(
        select(func.count(), func.count().filter(User.active.is_(True))).select_from(User)
    ).one()
    policies = db.session.scalar(select(func.count()).select_from(ApprovalPolicy))
    recent = db.session.scalars(
        select(AuditEntry)
        .options(joinedload(AuditEntry.actor))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(5)
    ).all()
    return render_template(
        "admin/index.html", counts=counts, people=people, policies=policies, recent=recent, action_label=action_label
    )


@bp.route("/audit")
@require("admin")
def audit():
    """Every administrative change, newest first, paginated."""
    query = (
        select(AuditEntry).options(joinedload(AuditEntry.actor)).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )
    page = list_page(query, AUDIT_PAGE_SIZE)
    context = dict(page=page, action_label=action_label)
    if htmx and not htmx.history_restore_request:
        return render_block("admin/audit.html", "entries", **context)
    return render_template("admin/audit.html", **context)


@bp.route("/health")
@require("admin")
def health():
    """What /healthz tells the load balancer, in words: the database, Redis, the workers and schedulers of each
    queue with their last heartbeat, and the oldest work waiting."""
    return render_template("admin/health.html", health=portal_health(), queue_words=QUEUE_WORDS, words=BACKLOG_WORDS)
