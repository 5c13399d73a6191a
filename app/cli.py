"""Flask CLI commands: `flask --app wsgi seed-demo`, `flask --app wsgi seed-scale`."""

import time

import click
from flask import Flask

from app.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo
from app.demo_history import load_history
from app.extensions import db
from app.scale import AlreadyLoaded, load_scale


def register_cli(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Load the demo company (does nothing when it is already there)."""
        if load_demo():
            click.echo("Loaded the demo company.")
            made = load_history(db.session)
            click.echo(f"Added {made} orders of history over the last twelve weeks.")
        else:
            click.echo("The demo company is already loaded; nothing changed.")
        for email, name, what in DEMO_LOGINS:
            click.echo(f"  {email:<24} {name:<12} {what}")
        click.echo(f"  password for every demo login: {DEMO_PASSWORD}")

    @app.cli.command("seed-scale")
    @click.option("--employees", default=20_000, show_default=True, help="People to add.")
    @click.option("--lines", default=50_000, show_default=True, help="Lines to add (each with a device and a SIM).")
    @click.option("--orders", default=200_000, show_default=True, help="Orders to add, with timelines and approvals.")
    @click.option("--inbox", default=1_000, show_default=True, help="Orders waiting for Marco's approval.")
    @click.option("--seed", default=9, show_default=True, help="Random seed: the same seed gives the same company.")
    def seed_scale(employees: int, lines: int, orders: int, inbox: int, seed: int) -> None:
        """Add a large company (for benchmarks) to the demo company, with bulk inserts."""
        started = time.monotonic()
        click.echo(f"Loading {employees:,} employees, {lines:,} lines and {orders:,} orders…")
        try:
            written = load_scale(
                db.session, employees=employees, lines=lines, orders=orders, inbox=inbox, seed=seed, echo=click.echo
            )
        except AlreadyLoaded as error:
            raise click.ClickException(str(error)) from None
        for table, count in sorted(written.items()):
            click.echo(f"  {table:<20} {count:>10,}")
        click.echo(f"Done in {time.monotonic() - started:.1f} s.")
