"""The app as gunicorn serves it in production, plus one trivial JSON route that exists
only here: GET /bench/ping, the framework's ceiling (Flask, the app's hooks, gunicorn)."""

from __future__ import annotations

from flask import jsonify

from loyalty_portal import create_app

app = create_app()


@app.get("/bench/ping")
def ping():  # type: ignore[no-untyped-def]
    return jsonify(ok=True)
