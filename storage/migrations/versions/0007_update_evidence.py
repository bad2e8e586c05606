"""update_evidence: a completion claim's evidence on its action_update row

Revision ID: 0007
Revises: 0006

A nullable column: every earlier update has none. Adding a column leaves the append-only
triggers of 0002 in place on both SQLite and PostgreSQL.
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("action_update", sa.Column("evidence", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("action_update") as batch:
        batch.drop_column("evidence")
