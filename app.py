"""WSGI entry point: `flask --app app run` and `gunicorn app:app`."""

from loyalty_portal import create_app

app = create_app()
