"""The signed JSON API through which carriers push order updates (`/api/v1`)."""
from flask import Blueprint, jsonify

bp = Blueprint("carrier_api", __name__, url_prefix="/api/v1")


@bp.errorhandler(404)
def not_found(_error):
    return jsonify(error="not found"), 404


@bp.errorhandler(405)
def method_not_allowed(_error):
    return jsonify(error="method not allowed"), 405
