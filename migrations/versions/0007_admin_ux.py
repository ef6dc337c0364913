"""admin ux: redemption.code indexed, so an admin finds a coupon by the code it shows

Revision ID: 0007_admin_ux
Revises: 0006_member_experience
Create Date: 2026-12-02 01:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_admin_ux'
down_revision = '0006_member_experience'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('redemption', schema=None) as batch_op:
        batch_op.create_index('ix_redemption_code', ['code'], unique=False, postgresql_where=sa.text('code IS NOT NULL'), sqlite_where=sa.text('code IS NOT NULL'))


def downgrade():
    with op.batch_alter_table('redemption', schema=None) as batch_op:
        batch_op.drop_index('ix_redemption_code', postgresql_where=sa.text('code IS NOT NULL'), sqlite_where=sa.text('code IS NOT NULL'))
