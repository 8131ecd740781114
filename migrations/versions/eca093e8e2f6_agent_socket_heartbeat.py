"""agent socket heartbeat: seen_at, stamped by the web process serving the socket, so the rows
of a process that died are swept

Existing rows are dropped: they describe connections of the web processes this upgrade's deploy
restarts, and every workspace says hello again when it reconnects.

Revision ID: eca093e8e2f6
Revises: ccebcf4b272f
Create Date: 2026-12-02 17:16:06.218475

"""
from alembic import op
import sqlalchemy as sa

import inbox.models.types


# revision identifiers, used by Alembic.
revision = 'eca093e8e2f6'
down_revision = 'ccebcf4b272f'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM agent_sockets")
    # recreate: SQLite cannot add a NOT NULL column without a default in place.
    with op.batch_alter_table('agent_sockets', schema=None, recreate='always') as batch_op:
        batch_op.add_column(sa.Column('seen_at', inbox.models.types.UTCDateTime(), nullable=False))
        batch_op.create_index(batch_op.f('ix_agent_sockets_seen_at'), ['seen_at'], unique=False)


def downgrade():
    with op.batch_alter_table('agent_sockets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agent_sockets_seen_at'))
        batch_op.drop_column('seen_at')
