"""merge times for synced records; covering indexes for the instructor dashboard

Revision ID: 0002_sync_and_dashboard
Revises: 0001_initial
Create Date: 2026-11-28 14:00:00

``updated_at`` on users, cohorts and enrollments lets a merge of workstation
bundles pick the newest version deterministically. Existing rows take their
``created_at``. Plain ADD COLUMN (no table rebuild) keeps every row in place.

The covering indexes let the dashboard's per-cohort queries read the index
alone, never the attempt rows with their JSON answers.
"""

from alembic import op
import sqlalchemy as sa


revision = '0002_sync_and_dashboard'
down_revision = '0001_initial'
branch_labels = None
depends_on = None

_EPOCH = sa.text("'1970-01-01 00:00:00'")


def upgrade() -> None:
    for table in ("users", "cohorts", "enrollments"):
        op.add_column(table, sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
                                       server_default=_EPOCH))
        op.execute(f"UPDATE {table} SET updated_at = created_at")

    op.drop_index("ix_attempt_user_course_step", table_name="step_attempts")
    op.create_index("ix_attempt_progress", "step_attempts",
                    ["user_id", "course_id", "step_key", "kind", "passed", "score", "duration_s", "created_at"])
    op.drop_index("ix_lessontime_user_course", table_name="lesson_time")
    op.create_index("ix_lessontime_progress", "lesson_time",
                    ["user_id", "course_id", "step_key", "seconds", "created_at"])
    op.create_index("ix_cohort_members_user", "cohort_members", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_cohort_members_user", table_name="cohort_members")
    op.drop_index("ix_lessontime_progress", table_name="lesson_time")
    op.create_index("ix_lessontime_user_course", "lesson_time", ["user_id", "course_id"])
    op.drop_index("ix_attempt_progress", table_name="step_attempts")
    op.create_index("ix_attempt_user_course_step", "step_attempts", ["user_id", "course_id", "step_key"])
    for table in ("enrollments", "cohorts", "users"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("updated_at")
