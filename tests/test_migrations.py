"""The committed migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db


def test_models_and_migrations_are_in_step(app):
    """Autogenerate against the migrated database finds nothing to add, drop or change."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_migrations_run_down_and_up_again(app):
    from flask_migrate import downgrade, upgrade

    with app.app_context():
        db.session.remove()
        downgrade(revision="base")
        upgrade(revision="heads")
        from sqlalchemy import inspect

        assert "orders" in inspect(db.engine).get_table_names()


def test_the_account_number_of_ports_stored_before_moves_into_the_encrypted_secrets(app):
    """m16_port_account_secret: an order stored with the account number in its details (and its summary) keeps it
    encrypted afterwards, masked in the summary; downgrading puts it back."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import insert as sa_insert
    from sqlalchemy import select

    from app.crypto import decrypt_json, encrypt_json
    from app.models import Order, User

    with app.app_context():
        db.session.remove()
        downgrade(revision="m16_carrier_update_state")
        erin = db.session.scalar(select(User).where(User.email == "employee@example.com"))
        number = "ACCT-4455667788"
        # Written with the columns of that revision only (the model has grown since).
        order_id = db.session.execute(
            sa_insert(Order.__table__)
            .values(
                number="WO-900001",
                type="port_in",
                requester_id=erin.id,
                employee_id=erin.id,
                details={
                    "billing_zip": "10118",
                    "account_number": number,
                    "_summary": [["Account number at the current carrier", number], ["Transfer PIN", "••••"]],
                },
                secrets_encrypted=encrypt_json({"transfer_pin": "4321"}),
            )
            .returning(Order.__table__.c.id)
        ).scalar_one()
        db.session.commit()
        db.session.remove()
        upgrade(revision="heads")
        order = db.session.get(Order, order_id)
        assert "account_number" not in order.details and number not in str(order.details)
        assert order.details["_summary"][0] == ["Account number at the current carrier", "•••••••••••••88"]
        assert decrypt_json(order.secrets_encrypted) == {"transfer_pin": "4321", "account_number": number}
        db.session.remove()
