"""person_identity: a person's chat accounts as rows (channel, user_id, person_key)

Revision ID: 0009_person_identity
Revises: 0008

Every existing `person.slack_user_id` / `person.teams_user_id` becomes a row before the two
columns (and their indexes) are dropped, so no link is lost. Where two people held the same
platform id (nothing prevented it), the first by person key keeps it: an account can only be
one person's. The downgrade puts each person's first id per channel back into the columns.
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_person_identity"
down_revision = "0008"
branch_labels = None
depends_on = None

LEGACY = (("slack", "slack_user_id"), ("teams", "teams_user_id"))


def upgrade() -> None:
    identity = op.create_table(
        "person_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("person_key", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "user_id", name="uq_person_identity_channel_user"),
    )
    op.create_index("ix_person_identity_person_key", "person_identity", ["person_key"], unique=False)
    conn = op.get_bind()
    person = sa.table("person", sa.column("key", sa.String), *(sa.column(c, sa.String) for _, c in LEGACY))
    rows = conn.execute(sa.select(person).order_by(person.c.key)).mappings().all()
    taken: set[tuple[str, str]] = set()
    copied = []
    for row in rows:
        for channel, column in LEGACY:
            user_id = (row[column] or "").strip()
            if user_id and (channel, user_id) not in taken:
                taken.add((channel, user_id))
                copied.append({"channel": channel, "user_id": user_id, "person_key": row["key"]})
    if copied:
        op.bulk_insert(identity, copied)
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index("ix_person_teams_user_id")
        batch_op.drop_index("ix_person_slack_user_id")
        batch_op.drop_column("teams_user_id")
        batch_op.drop_column("slack_user_id")


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("slack_user_id", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("teams_user_id", sa.String(), nullable=True))
        batch_op.create_index("ix_person_slack_user_id", ["slack_user_id"], unique=False)
        batch_op.create_index("ix_person_teams_user_id", ["teams_user_id"], unique=False)
    conn = op.get_bind()
    identity = sa.table(
        "person_identity", sa.column("id"), sa.column("channel"), sa.column("user_id"), sa.column("person_key")
    )
    person = sa.table("person", sa.column("key"), *(sa.column(c) for _, c in LEGACY))
    columns = dict(LEGACY)
    for row in conn.execute(sa.select(identity).order_by(identity.c.id)).mappings():
        column = columns.get(row["channel"])
        if column is None:  # a channel the old schema had no column for: its links go with the table
            continue
        conn.execute(
            person.update()
            .where(person.c.key == row["person_key"], person.c[column].is_(None))
            .values({column: row["user_id"]})
        )
    op.drop_index("ix_person_identity_person_key", table_name="person_identity")
    op.drop_table("person_identity")
