"""append-only audit trail: PostgreSQL refuses TRUNCATE on the audit tables too

0002's row triggers refuse UPDATE and DELETE, but TRUNCATE fires no row trigger, so
`TRUNCATE audit_event` and `TRUNCATE action_update CASCADE` (or `TRUNCATE action CASCADE`,
which empties action_update with it) emptied the trail. A statement-level BEFORE TRUNCATE
trigger on each append-only table refuses it, whichever table the TRUNCATE named. SQLite has
no TRUNCATE (a `DELETE FROM t` without WHERE still fires 0002's row trigger), so nothing
changes there.

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("action_update", "audit_event")  # the tables 0002 protects


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION actionbot_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
