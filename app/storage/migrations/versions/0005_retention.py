"""retention: spaced-review cards (a local cache of the FSRS state) and their review logs (synced)

Revision ID: 0005_retention
Revises: 0004_exams
Create Date: 2026-12-07 10:05:00

Only new tables, so an older database upgrades in place with no review card yet (issue 19).
Certificates already carry ``expires_on`` (0001), which recertification uses.
"""

import sqlalchemy as sa
from alembic import op

revision = '0005_retention'
down_revision = '0004_exams'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('review_cards',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('course_id', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('ref', sa.String(length=200), nullable=False),
    sa.Column('card', sa.JSON(), nullable=False),
    sa.Column('due', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reps', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'course_id', 'source', 'ref')
    )
    op.create_index('ix_review_card_due', 'review_cards', ['user_id', 'due'])

    op.create_table('review_logs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('workstation_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('course_id', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('ref', sa.String(length=200), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_review_log_card', 'review_logs', ['user_id', 'course_id', 'source', 'ref', 'reviewed_at'])


def downgrade() -> None:
    op.drop_table('review_logs')
    op.drop_table('review_cards')
