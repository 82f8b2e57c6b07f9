"""exam sessions: per-trainee attempts with their draw and clock, grants, sealed results, regrade audit

Revision ID: 0004_exams
Revises: 0003_workstations
Create Date: 2026-12-07 09:50:00

Only new tables, so an older database upgrades in place with no exam yet (issue 19).
"""

from alembic import op
import sqlalchemy as sa


revision = '0004_exams'
down_revision = '0003_workstations'
branch_labels = None
depends_on = None


def _record() -> list[sa.Column]:
    return [sa.Column('id', sa.String(length=36), nullable=False),
            sa.Column('workstation_id', sa.String(length=36), nullable=False),
            sa.Column('created_at', sa.DateTime(timezone=True), nullable=False)]


def upgrade() -> None:
    op.create_table('exam_sessions',
    *_record(),
    sa.Column('course_id', sa.String(length=64), nullable=False),
    sa.Column('course_version', sa.String(length=32), nullable=False),
    sa.Column('cohort_id', sa.String(length=36), nullable=True),
    sa.Column('proctor_id', sa.String(length=36), nullable=False),
    sa.Column('exam', sa.JSON(), nullable=False),
    sa.Column('workstation_ids', sa.JSON(), nullable=False),
    sa.Column('extra_s', sa.JSON(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=36), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proctor_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['closed_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_exam_session_course', 'exam_sessions', ['course_id', 'closed_at'])

    op.create_table('exam_attempts',
    *_record(),
    sa.Column('session_id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('course_id', sa.String(length=64), nullable=False),
    sa.Column('course_version', sa.String(length=32), nullable=False),
    sa.Column('attempt_no', sa.Integer(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('question_ids', sa.JSON(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('practical', sa.JSON(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('extra_s', sa.Float(), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=16), nullable=False),
    sa.Column('time_used_s', sa.Float(), nullable=False),
    sa.Column('proctor_id', sa.String(length=36), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('seal', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['exam_sessions.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proctor_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'user_id', 'attempt_no')
    )
    op.create_index('ix_exam_attempts_session_id', 'exam_attempts', ['session_id'])
    op.create_index('ix_exam_attempt_user', 'exam_attempts', ['user_id', 'course_id'])

    op.create_table('exam_grants',
    *_record(),
    sa.Column('session_id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('granted_by', sa.String(length=36), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['exam_sessions.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['granted_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_exam_grant_session_user', 'exam_grants', ['session_id', 'user_id'])

    op.create_table('exam_regrades',
    *_record(),
    sa.Column('attempt_id', sa.String(length=36), nullable=False),
    sa.Column('actor_id', sa.String(length=36), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('old_score', sa.Float(), nullable=True),
    sa.Column('new_score', sa.Float(), nullable=True),
    sa.Column('old_passed', sa.Boolean(), nullable=True),
    sa.Column('new_passed', sa.Boolean(), nullable=True),
    sa.Column('old_seal', sa.String(length=64), nullable=False),
    sa.Column('new_seal', sa.String(length=64), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['exam_attempts.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_exam_regrades_attempt_id', 'exam_regrades', ['attempt_id'])


def downgrade() -> None:
    op.drop_table('exam_regrades')
    op.drop_table('exam_grants')
    op.drop_table('exam_attempts')
    op.drop_table('exam_sessions')
