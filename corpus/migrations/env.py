"""Alembic environment: the store hands us its connection (see corpus.store.migrate)."""

from alembic import context

from corpus.tables import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
