"""Home and dashboard views."""

from flask import render_template, request
from flask_login import current_user

from app import clock
from app.approvals.inbox import badge_count
from app.dashboard import home as home_lists
from app.dashboard.cache import cached_dashboard
from app.dashboard.charts import GEOMETRY
from app.extensions import db
from app.orders import types
from app.orders.presenting import progress_steps
from app.queue import redis_connection
from app.reports.filters import filter_choices
from app.web.access import can, require
from app.web.dashboard import bp
from app.web.reports.rendering import filters_from, page_or_fragment

DASHBOARD_FIELDS = ("start", "end", "carrier", "department")


@bp.context_processor
def _chart_geometry() -> dict:
    return GEOMETRY


@bp.route("/")
@require("order")
def home():
    """My open orders with their progress, what waits for me, and my team's open orders."""
    mine = home_lists.open_orders(db.session, current_user)
    team = home_lists.team_open_orders(db.session, current_user) if current_user.is_manager else None
    return render_template(
        "dashboard/home.html",
        mine=mine,
        team=team,
        steps=progress_steps,
        types=types.REGISTRY,
        answers=home_lists.answers_to_give(db.session, current_user),
        waiting=badge_count(db.session, current_user) if can("approve") else 0,
    )


@bp.route("/home/team-count")
@require("order")
def team_count():
    """How many open orders my team has: fetched by the home page once it is shown, so that the landing page
    does not wait on counting a large organisation."""
    count = home_lists.team_open_count(db.session, current_user) if current_user.is_manager else 0
    return render_template(
        "dashboard/_team_count.html", count=count, bound=home_lists.TEAM_COUNTED, listed=home_lists.LISTED
    )


@bp.route("/dashboard")
@require("dashboard")
def overview():
    """Charts of orders, approval times, waiting approvals and line costs, filtered by period, carrier and
    department; HTMX swaps the figures only (and fetches them again while newer ones are being computed)."""
    filters = filters_from(request.args, fields=DASHBOARD_FIELDS, with_default_period=True)
    kept = cached_dashboard(db.session, redis_connection(), filters, today=clock.today(), now=clock.now())
    return page_or_fragment(
        "dashboard/overview.html",
        "figures",
        filters=filters,
        figures=kept.figures,
        kept=kept,
        choices=filter_choices(db.session),
    )
