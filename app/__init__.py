"""Dialtone: the application factory."""
from __future__ import annotations

from typing import Any

from flask import Flask

from app import formatting
from app.config import INSTANCE_DIR, Config, check_secret_key
from app.extensions import csrf, db, htmx, login_manager, mail, migrate


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration from the environment (or `test_config`), extensions, blueprints, CLI."""
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.config.from_object(Config())
    if test_config:
        app.config.update(test_config)
    check_secret_key(app.config)
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(INSTANCE_DIR.parent / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    mail.init_app(app)
    htmx.init_app(app)
    formatting.register(app)

    from app import models  # noqa: F401  (registers the tables with the metadata)
    from app.database import configure_engine
    from app.queue import init_queue

    with app.app_context():
        configure_engine(db.engine)
    init_queue(app)

    _register_blueprints(app)

    from app.web import register_web

    register_web(app)

    from app.security import register_security

    register_security(app)

    from app.cli import register_cli

    register_cli(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from app.admin import bp as admin_bp
    from app.approvals import bp as approvals_bp
    from app.approvals import policies_bp
    from app.auth import bp as auth_bp
    from app.carrier_api import bp as carrier_api_bp
    from app.dashboard import bp as dashboard_bp
    from app.fulfilment import bp as fulfilment_bp
    from app.health import bp as health_bp
    from app.inventory import bp as inventory_bp
    from app.orders import bp as orders_bp
    from app.reports import bp as reports_bp

    for bp in (auth_bp, dashboard_bp, orders_bp, approvals_bp, inventory_bp, fulfilment_bp, admin_bp,
               carrier_api_bp, health_bp, policies_bp, reports_bp):
        app.register_blueprint(bp)
    from app.notifications import bp as notifications_bp  # with it: the outbox's session listeners, /profile
    app.register_blueprint(notifications_bp)
    csrf.exempt(carrier_api_bp)  # authenticated by HMAC signature instead
