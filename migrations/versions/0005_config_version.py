"""config_version: one counter row bumped with every configuration change, so each
process's configuration cache knows when to reload

Revision ID: 0005_config_version
Revises: 0004_account_recovery
Create Date: 2026-12-02 01:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_config_version'
down_revision = '0004_account_recovery'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('config_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_config_version_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_config_version'))
    )
    op.bulk_insert(table, [{'id': 1, 'version': 0}])


def downgrade():
    op.drop_table('config_version')
