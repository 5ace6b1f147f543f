"""Shared fixtures: the seed files, an imported archive, the database and services CI insists on."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLD = Path(__file__).resolve().parent / "gold"
IN_CI = os.environ.get("CI") == "true"


def pytest_collection_modifyitems(config, items):
    """Outside CI, tests that need PostgreSQL are skipped on SQLite, with the reason listed."""
    from django.conf import settings

    if not settings.configured:  # run with -p no:django: the pure extraction tests only
        return
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    if IN_CI:
        raise pytest.UsageError("CI=true but the database is not PostgreSQL: set DATABASE_URL to PostgreSQL")
    skip = pytest.mark.skip(reason="needs PostgreSQL (running on SQLite)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture
def seeded(db):
    """The five seed articles imported, as `make run` does."""
    call_command("import_articles", str(SEEDS), stdout=open(os.devnull, "w"))  # noqa: SIM115
    from articles.models import Article

    return {a.original_filename[:3]: a for a in Article.objects.all()}
