"""Approvals: the approver inbox, and the admin pages for approval policies."""

from flask import Blueprint

bp = Blueprint("approvals", __name__, url_prefix="/approvals")
policies_bp = Blueprint("policies", __name__, url_prefix="/admin/approval-policies")

from app.web.approvals import email_links, policy_routes, routes  # noqa: E402,F401
