"""Report pages and their CSV exports, for the telecom team and admins. Each report's one query function
serves its page, its HTMX fragment and its CSV."""

from flask import render_template, request

from app.extensions import db
from app.reports import queries
from app.reports.exports import COST_CENTER_COLUMNS, ORDER_COLUMNS, TURNAROUND_COLUMNS, csv_response
from app.reports.filters import filter_choices
from app.web.access import require
from app.web.paging import list_page
from app.web.reports import bp
from app.web.reports.rendering import filters_from, page_or_fragment

PAGE_SIZE = 50
TURNAROUND_FIELDS = ("start", "end", "type", "carrier", "department")
LINE_FIELDS = ("carrier", "department")


@bp.route("/")
@require("dashboard")
def index():
    """The reports there are."""
    return render_template("reports/index.html")


@bp.route("/orders")
@require("dashboard")
def orders():
    """Every submitted order, filtered and paginated: the list behind each dashboard figure."""
    filters = filters_from(request.args)
    page = list_page(queries.orders(filters), PAGE_SIZE)
    return page_or_fragment(
        "reports/orders.html",
        "results",
        filters=filters,
        page=page,
        choices=filter_choices(db.session),
        waiting_on=queries.approver_name(db.session, filters.waiting_on),
    )


@bp.route("/orders.csv")
@require("dashboard")
def orders_csv():
    """The orders list, every page of it, as CSV."""
    query = queries.orders(filters_from(request.args)).execution_options(yield_per=500)
    return csv_response("orders.csv", ORDER_COLUMNS, lambda: db.session.scalars(query))


@bp.route("/approvals")
@require("dashboard")
def approvals():
    """Approval turnaround by approver: steps decided in the period and the median hours to decide."""
    filters = filters_from(request.args, fields=TURNAROUND_FIELDS, with_default_period=True)
    return page_or_fragment(
        "reports/approvals.html",
        "results",
        filters=filters,
        rows=queries.approval_turnaround(db.session, filters),
        choices=filter_choices(db.session),
    )


@bp.route("/approvals.csv")
@require("dashboard")
def approvals_csv():
    """Approval turnaround by approver as CSV."""
    filters = filters_from(request.args, fields=TURNAROUND_FIELDS, with_default_period=True)
    return csv_response(
        "approval-turnaround.csv", TURNAROUND_COLUMNS, lambda: queries.approval_turnaround(db.session, filters)
    )


@bp.route("/lines")
@require("dashboard")
def lines():
    """Active lines and their monthly cost by cost center."""
    filters = filters_from(request.args, fields=LINE_FIELDS)
    return page_or_fragment(
        "reports/lines.html",
        "results",
        filters=filters,
        rows=queries.lines_by_cost_center(db.session, filters),
        choices=filter_choices(db.session),
    )


@bp.route("/lines.csv")
@require("dashboard")
def lines_csv():
    """Lines by cost center as CSV."""
    filters = filters_from(request.args, fields=LINE_FIELDS)
    return csv_response(
        "lines-by-cost-center.csv", COST_CENTER_COLUMNS, lambda: queries.lines_by_cost_center(db.session, filters)
    )
