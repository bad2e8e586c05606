"""risks and issues log (log_entry) and group leads (role.members)

Revision ID: 0010_risk_issue_log
Revises: 0009_person_identity

`log_entry` holds each priority's risks (R1, R2 …) and issues (I1 …), numbered per plan and
kind; `role.members` lists the roles whose holders make up a group lead such as "All HOS".
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010_risk_issue_log"
down_revision = "0009_person_identity"
branch_labels = None
depends_on = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    with op.batch_alter_table("role", schema=None) as batch_op:
        batch_op.add_column(sa.Column("members", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "log_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("kind", _text(10), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("priority_number", sa.Integer(), nullable=False),
        sa.Column("title", _text(300), nullable=False),
        sa.Column("impact", _text(10), nullable=False),
        sa.Column("likelihood", _text(10), nullable=False),
        sa.Column("owner", _text(80), nullable=False),
        sa.Column("mitigation", _text(300), nullable=False),
        sa.Column("review", sa.Date(), nullable=True),
        sa.Column("action", _text(300), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("status", _text(10), nullable=False),
        sa.Column("close_reason", _text(300), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", _text(120), nullable=False),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("closed_by", _text(120), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "kind", "number"),
    )
    op.create_index(op.f("ix_log_entry_plan_id"), "log_entry", ["plan_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_log_entry_plan_id"), table_name="log_entry")
    op.drop_table("log_entry")
    with op.batch_alter_table("role", schema=None) as batch_op:
        batch_op.drop_column("members")
