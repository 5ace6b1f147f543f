"""Shared fixtures: the seed files, an imported archive, the database and services CI insists on."""

from __future__ import annotations

import importlib
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


def ensure_reference_data() -> None:
    """Put back the outlets and organisations migration 0002 ships, if a flush took them.

    A transactional test (live server, Celery worker) ends with a flush; serialized rollback restores the
    migrations' rows for most tests, but not reliably alongside the live server, so the seeds' fixture checks.
    """
    from django.apps import apps

    from articles.models import Source

    if not Source.objects.exists():
        importlib.import_module("articles.migrations.0002_reference_data").forwards(apps, None)


@pytest.fixture
def seeded(db):
    """The five seed articles imported, as `make run` does."""
    ensure_reference_data()
    call_command("import_articles", str(SEEDS), stdout=open(os.devnull, "w"))  # noqa: SIM115
    from articles.models import Article

    return {a.original_filename[:3]: a for a in Article.objects.all()}


@pytest.fixture(autouse=True)
def _no_kept_word_counts():
    """Each test starts without the timeline's word counts an earlier test's re-extraction chunks kept (a worker
    process keeps them between its tasks: timeline.services.merging_batch(keep=True))."""
    yield
    from django.conf import settings

    if settings.configured:
        from timeline import services

        services._kept.__dict__.clear()


# --- Redis (Celery's broker in the worker tests) --------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_unreachable() -> str:
    """Why Redis at REDIS_URL does not answer, or "" when it does."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2).ping()
    except (redis.RedisError, OSError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return ""


def pytest_configure(config):
    """With CI=true, Redis must answer: the worker tests fail the run rather than skip."""
    if IN_CI and (problem := _redis_unreachable()):
        raise pytest.UsageError(f"CI=true but Redis at {REDIS_URL} is not reachable ({problem})")


def pytest_runtest_setup(item):
    """Outside CI, tests marked redis are skipped when Redis does not answer, with the reason listed."""
    if "redis" in item.keywords and not IN_CI and (problem := _redis_unreachable()):
        pytest.skip(f"needs Redis at {REDIS_URL} ({problem})")
