"""enrolled workstations: the keys whose progress bundles this center imports

Revision ID: 0003_workstations
Revises: 0002_sync_and_dashboard
Create Date: 2026-12-07 09:00:00

Replaces trust on first use: a bundle is imported only when an administrator
has enrolled its signing key's fingerprint here. Nothing existing changes, so
an older database upgrades in place (no workstation enrolled yet).
"""

from alembic import op
import sqlalchemy as sa


revision = '0003_workstations'
down_revision = '0002_sync_and_dashboard'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('workstations',
    sa.Column('fingerprint', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=True),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('enrolled_by', sa.String(length=36), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.String(length=36), nullable=True),
    sa.Column('last_import_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_workstation_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['enrolled_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['revoked_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('fingerprint')
    )


def downgrade() -> None:
    op.drop_table('workstations')
