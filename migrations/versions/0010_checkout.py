"""checkout: orders (points booked per order, refunds that reverse them), points owed,
points holds (pay with points at checkout) and the `payment` entry kind

Revision ID: 0010_checkout
Revises: 0009_webhooks
Create Date: 2026-12-02 01:17:50.035721

"""
from alembic import op
import sqlalchemy as sa

import loyalty_portal.models.base


# revision identifiers, used by Alembic.
revision = '0010_checkout'
down_revision = '0009_webhooks'
branch_labels = None
depends_on = None

KINDS_BEFORE = "kind IN ('earn', 'redeem', 'refund', 'expire', 'adjust', 'reverse')"
KINDS_AFTER = "kind IN ('earn', 'redeem', 'refund', 'expire', 'adjust', 'reverse', 'payment')"


def upgrade():
    op.create_table('points_hold',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('captured_points', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('order_key', sa.String(length=128), nullable=True),
    sa.Column('metadata', sa.JSON(), nullable=False),
    sa.Column('created_at', loyalty_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', loyalty_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('settled_at', loyalty_portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('HELD', 'CAPTURED', 'RELEASED', 'EXPIRED')", name=op.f('ck_points_hold_status')),
    sa.CheckConstraint('captured_points >= 0 AND captured_points <= points', name=op.f('ck_points_hold_captured')),
    sa.CheckConstraint('points > 0', name=op.f('ck_points_hold_points_positive')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_points_hold_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_hold'))
    )
    with op.batch_alter_table('points_hold', schema=None) as batch_op:
        batch_op.create_index('ix_points_hold_due', ['status', 'expires_at'], unique=False)
        batch_op.create_index('ix_points_hold_member', ['member_id', 'status', 'expires_at'], unique=False)

    op.create_table('shop_order',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('order_key', sa.String(length=128), nullable=False),
    sa.Column('value', loyalty_portal.models.base.ExactDecimal(precision=14, scale=4), nullable=False),
    sa.Column('refunded_amount', loyalty_portal.models.base.ExactDecimal(precision=14, scale=4), nullable=False),
    sa.Column('points_earned', sa.Integer(), nullable=False),
    sa.Column('points_reversed', sa.Integer(), nullable=False),
    sa.Column('created_at', loyalty_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('refunded_at', loyalty_portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('points_reversed >= 0 AND points_reversed <= points_earned', name=op.f('ck_shop_order_reversed')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_shop_order_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shop_order')),
    sa.UniqueConstraint('member_id', 'order_key', name='uq_shop_order_member_key')
    )
    op.create_table('order_refund',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('amount', loyalty_portal.models.base.ExactDecimal(precision=14, scale=4), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('points_reversed', sa.Integer(), nullable=False),
    sa.Column('pending_cancelled', sa.Integer(), nullable=False),
    sa.Column('points_debited', sa.Integer(), nullable=False),
    sa.Column('points_owed', sa.Integer(), nullable=False),
    sa.Column('created_at', loyalty_portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('pending_cancelled + points_debited + points_owed = points_reversed', name=op.f('ck_order_refund_split')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_order_refund_member_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['shop_order.id'], name=op.f('fk_order_refund_order_id_shop_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_refund'))
    )
    with op.batch_alter_table('order_refund', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_refund_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_refund_order_id'), ['order_id'], unique=False)

    with op.batch_alter_table('event_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_index('uq_event_log_order_rule', ['order_id', 'rule_id'], unique=True, sqlite_where=sa.text('order_id IS NOT NULL'), postgresql_where=sa.text('order_id IS NOT NULL'))
        batch_op.create_foreign_key(batch_op.f('fk_event_log_order_id_shop_order'), 'shop_order', ['order_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('hold_id', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_ledger_entry_hold_id'), ['hold_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entry_order_id'), ['order_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_ledger_entry_hold_id_points_hold'), 'points_hold', ['hold_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_ledger_entry_order_id_shop_order'), 'shop_order', ['order_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_constraint(op.f('ck_ledger_entry_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_ledger_entry_kind'), KINDS_AFTER)

    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('points_owed', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('held_points', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('member_points_day', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reversed', sa.Integer(), server_default='0', nullable=False))



def downgrade():
    with op.batch_alter_table('member_points_day', schema=None) as batch_op:
        batch_op.drop_column('reversed')

    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_column('held_points')
        batch_op.drop_column('points_owed')

    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_ledger_entry_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_ledger_entry_kind'), KINDS_BEFORE)
        batch_op.drop_constraint(batch_op.f('fk_ledger_entry_order_id_shop_order'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_ledger_entry_hold_id_points_hold'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_ledger_entry_order_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_entry_hold_id'))
        batch_op.drop_column('hold_id')
        batch_op.drop_column('order_id')

    with op.batch_alter_table('event_log', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_event_log_order_id_shop_order'), type_='foreignkey')
        batch_op.drop_index('uq_event_log_order_rule', sqlite_where=sa.text('order_id IS NOT NULL'), postgresql_where=sa.text('order_id IS NOT NULL'))
        batch_op.drop_column('order_id')

    with op.batch_alter_table('order_refund', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_refund_order_id'))
        batch_op.drop_index(batch_op.f('ix_order_refund_member_id'))

    op.drop_table('order_refund')
    op.drop_table('shop_order')
    with op.batch_alter_table('points_hold', schema=None) as batch_op:
        batch_op.drop_index('ix_points_hold_member')
        batch_op.drop_index('ix_points_hold_due')

    op.drop_table('points_hold')
