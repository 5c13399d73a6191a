"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi …`."""

from app import create_app
from app.memory import settle_after_start

app = create_app()
settle_after_start()  # what the process holds from here on stays out of the garbage collector's walks
