"""Reports for the telecom team and admins: all orders, approval turnaround, line costs; each with CSV export."""

from flask import Blueprint

from app.reports.filters import AGE_BUCKETS

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.context_processor
def _words() -> dict:
    return {"age_labels": {key: label for key, label, *_ in AGE_BUCKETS}}


from app.web.reports import routes  # noqa: E402,F401
