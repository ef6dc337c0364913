"""member experience: program_settings.welcome_bonus (points every new member gets)

Revision ID: 0006_member_experience
Revises: 0005_config_version
Create Date: 2026-12-02 01:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_member_experience'
down_revision = '0005_config_version'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('program_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('welcome_bonus', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('program_settings', schema=None) as batch_op:
        batch_op.drop_column('welcome_bonus')
