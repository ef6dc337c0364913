"""security: used_handoff_token (a member JWT opens one portal session) and
program_settings.embed_origins (sites that may frame the portal)

Revision ID: 0008_security
Revises: 0007_admin_ux
Create Date: 2026-12-02 01:40:00

"""
from alembic import op
import sqlalchemy as sa

import loyalty_portal.models.base


# revision identifiers, used by Alembic.
revision = '0008_security'
down_revision = '0007_admin_ux'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('used_handoff_token',
    sa.Column('token_id', sa.String(length=255), nullable=False),
    sa.Column('expires_at', loyalty_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', loyalty_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('token_id', name=op.f('pk_used_handoff_token'))
    )
    with op.batch_alter_table('used_handoff_token', schema=None) as batch_op:
        batch_op.create_index('ix_used_handoff_token_expires', ['expires_at'], unique=False)

    with op.batch_alter_table('program_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('embed_origins', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('program_settings', schema=None) as batch_op:
        batch_op.drop_column('embed_origins')

    with op.batch_alter_table('used_handoff_token', schema=None) as batch_op:
        batch_op.drop_index('ix_used_handoff_token_expires')

    op.drop_table('used_handoff_token')
