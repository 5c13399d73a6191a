"""Dialtone: the application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask

from app import formatting, models  # noqa: F401  (models: registers the tables with the metadata)
from app.cli import register_cli
from app.clock import Clock
from app.config import INSTANCE_DIR, Config, check_secret_key
from app.database import configure_engine, install_after_commit
from app.extensions import csrf, db, htmx, login_manager, mail, migrate
from app.notifications.outbox import install as install_outbox
from app.queue import init_queue
from app.web import register_web
from app.web.admin import bp as admin_bp
from app.web.approvals import bp as approvals_bp
from app.web.approvals import policies_bp
from app.web.assets import register_assets
from app.web.auth import bp as auth_bp
from app.web.carrier_api import bp as carrier_api_bp
from app.web.dashboard import bp as dashboard_bp
from app.web.fulfilment import bp as fulfilment_bp
from app.web.health import bp as health_bp
from app.web.inventory import bp as inventory_bp
from app.web.notifications import bp as notifications_bp
from app.web.orders import bp as orders_bp
from app.web.reports import bp as reports_bp
from app.web.security import HEADERS, register_security


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration from the environment (or `test_config`), extensions, blueprints, CLI."""
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.config.from_object(Config())
    if test_config:
        app.config.update(test_config)
    check_secret_key(app.config)
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    app.extensions["clock"] = app.config.get("CLOCK") or Clock.from_settings(app.config)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(INSTANCE_DIR.parent / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    mail.init_app(app)
    htmx.init_app(app)
    formatting.register(app)

    with app.app_context():
        configure_engine(db.engine)
    install_after_commit(db.session)  # work that waits for a commit (a job for the worker)
    install_outbox(db.session)  # every order event gets its emails in its own transaction
    init_queue(app)

    _register_blueprints(app)
    register_web(app)
    register_security(app)
    register_assets(app, HEADERS)
    register_cli(app)
    return app


def _register_blueprints(app: Flask) -> None:
    for bp in (
        auth_bp,
        dashboard_bp,
        orders_bp,
        approvals_bp,
        inventory_bp,
        fulfilment_bp,
        admin_bp,
        carrier_api_bp,
        health_bp,
        policies_bp,
        reports_bp,
        notifications_bp,
    ):
        app.register_blueprint(bp)
    csrf.exempt(carrier_api_bp)  # authenticated by HMAC signature instead
