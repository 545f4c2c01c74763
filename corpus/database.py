"""Engines and schema: SQLite tuned for several workers, PostgreSQL as is, Alembic migrations."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

MIGRATIONS = Path(__file__).parent / "migrations"
BATCH = 500  # ids per IN (...) query, rows per INSERT: well under SQLite's and PostgreSQL's parameter limits
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+):[^@\s]+@")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    cursor.execute("PRAGMA busy_timeout=30000")  # two workers wait for each other instead of failing
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


_MIGRATION_LOCK = threading.Lock()  # alembic's command API keeps global state


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent; safe with several workers)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    with _MIGRATION_LOCK, engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # two workers starting at once must not both create the tables
            connection.execute(text("SELECT pg_advisory_xact_lock(20261122)"))
        if MigrationContext.configure(connection).get_current_revision() == head:
            return
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def store_error_line(error: Exception) -> str:
    """A database error as one line: the driver's own words and what to do about them, never the
    SQL or its parameters (they hold document texts) nor a password."""
    original = getattr(error, "orig", None) or error
    words = (str(original).strip().splitlines() or [type(original).__name__])[0]
    words = _URL_PASSWORD.sub(r"\1:***@", words)
    lowered = words.lower()
    if "locked" in lowered:
        hint = "another distil process is writing to this SQLite store; wait for it, or use PostgreSQL"
    elif "not a database" in lowered or "malformed" in lowered:
        hint = "the SQLite file is damaged: restore it from a backup, or move it away to start an empty store"
    elif "connect" in lowered or "refused" in lowered or "resolve" in lowered or "timeout" in lowered:
        hint = (
            "the database is unreachable: check database_url / DISTIL_DATABASE_URL and that the server runs"
        )
    elif "password" in lowered or "authentication" in lowered:
        hint = "the database refused the login: check the user and PGPASSWORD or ~/.pgpass"
    else:
        hint = "see the log"
    return f"store: {words} ({hint})"


def in_batches(items: Sequence, size: int = BATCH) -> Iterator[Sequence]:
    """`items` a slice at a time: queries over many ids stay under the databases' limits."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def scalars_in(session: Session, query, column, ids: Sequence | None) -> list:
    """The query's rows; with `ids`, only those whose `column` is one of them, asked a batch at
    a time (a single IN of 100K ids would pass the databases' parameter limits)."""
    if ids is None:
        return list(session.scalars(query))
    return [row for batch in in_batches(list(ids)) for row in session.scalars(query.where(column.in_(batch)))]


def insert_ignoring_existing(session: Session, table: Table, rows: list[dict], key: str) -> list:
    """INSERT ... ON CONFLICT (key) DO NOTHING, in batches; the keys of the rows it inserted
    (RETURNING: rowcount is unreliable for multi-row inserts). Safe against a concurrent writer
    inserting the same key on PostgreSQL and SQLite; other databases get plain inserts, where a
    concurrent duplicate fails the transaction instead."""
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(session.get_bind().dialect.name)
    if insert is None:
        if rows:
            session.execute(table.insert(), rows)
        return [row[key] for row in rows]
    inserted: list = []
    for batch in in_batches(rows):
        statement = insert(table).values(list(batch)).on_conflict_do_nothing(index_elements=[key])
        inserted += session.execute(statement.returning(table.c[key])).scalars().all()
    return inserted
