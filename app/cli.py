"""Flask CLI commands: `flask --app wsgi seed-demo`."""
import click
from flask import Flask


def register_cli(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Load the demo company (does nothing when it is already there)."""
        from app.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo

        if load_demo():
            click.echo("Loaded the demo company.")
        else:
            click.echo("The demo company is already loaded; nothing changed.")
        for email, name, what in DEMO_LOGINS:
            click.echo(f"  {email:<24} {name:<12} {what}")
        click.echo(f"  password for every demo login: {DEMO_PASSWORD}")
