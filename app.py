"""WSGI entry point: `flask --app app run` and `gunicorn app:app`."""

from loyalty_portal import create_app
from loyalty_portal.runtime import tune_garbage_collector

tune_garbage_collector()
app = create_app()
