"""Alembic environment: runs on the connection Baton hands it (see core/store/migrate.py)."""

from alembic import context

from baton_itsm.core.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
