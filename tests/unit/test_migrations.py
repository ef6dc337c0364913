"""The Alembic migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from loyalty_portal.extensions import db
from loyalty_portal.models import Base


def test_migrated_schema_matches_the_models(app, backend):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"{backend}: models and migrations differ: {diff}"
