"""index send_ledger (channel, message_ref): thread replies look their nudge up by it

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_send_ledger_channel_message_ref", "send_ledger", ["channel", "message_ref"])


def downgrade() -> None:
    op.drop_index("ix_send_ledger_channel_message_ref", table_name="send_ledger")
