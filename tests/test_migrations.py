"""``flask db upgrade`` builds an empty database, and the migration matches the models."""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from inbox.extensions import db
from tests.conftest import POSTGRES_URL, scratch_postgres

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fresh_url(kind: str, tmp_path: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    if not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL migration not run (.ci/run sets it)")
    with scratch_postgres("kept_migration_test") as url:
        yield url


def _indexes_for_other_dialects(dialect: str) -> set[str]:
    """Indexes the models create only on another database (``Index.ddl_if``): no difference here."""
    return {
        index.name
        for table in db.metadata.tables.values()
        for index in table.indexes
        if getattr(index, "_ddl_if", None) is not None and index._ddl_if.dialect not in (None, dialect)
    }


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_flask_db_upgrade_builds_an_empty_database_that_matches_the_models(fresh_url):
    url = fresh_url
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                            env={**os.environ, "DATABASE_URL": url, "KEPT_CONFIG": "default"},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    engine = create_engine(url)
    try:
        assert "tickets" in inspect(engine).get_table_names()
        skipped = _indexes_for_other_dialects(engine.dialect.name)
        with engine.connect() as conn:
            diff = [d for d in compare_metadata(MigrationContext.configure(conn), db.metadata)
                    if not (d[0] in ("add_index", "remove_index") and d[1].name in skipped)]
        assert diff == [], f"models and migration differ: {diff}"
    finally:
        engine.dispose()
