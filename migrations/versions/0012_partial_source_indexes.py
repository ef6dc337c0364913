"""partial source indexes: ledger_entry's event_log_id, redemption_id, order_id and hold_id
and event_log's campaign_id are indexed only where set (most rows leave them NULL, and
every insert paid an index entry for each)

Revision ID: 0012_partial_source_indexes
Revises: 0011_growth
Create Date: 2026-12-04 19:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_partial_source_indexes'
down_revision = '0011_growth'
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_ledger_entry_event_log_id", "ledger_entry", "event_log_id"),
    ("ix_ledger_entry_redemption_id", "ledger_entry", "redemption_id"),
    ("ix_ledger_entry_order_id", "ledger_entry", "order_id"),
    ("ix_ledger_entry_hold_id", "ledger_entry", "hold_id"),
    ("ix_event_log_campaign_id", "event_log", "campaign_id"),
)


def upgrade():
    for name, table, column in INDEXES:
        where = sa.text(f"{column} IS NOT NULL")
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column], sqlite_where=where, postgresql_where=where)


def downgrade():
    for name, table, column in INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column])
