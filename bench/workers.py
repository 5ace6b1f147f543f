"""Re-extraction throughput with 1, 2 and 4 Celery worker processes on Redis, against one process in-line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench import generate
from bench.importing import env_for, fresh_database, migrated_template

ROOT = Path(__file__).resolve().parent.parent
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/15")


def _job_seconds(url: str, job_id: int) -> float | None:
    """The job's time from being queued to its last article, or None while it runs."""
    out = subprocess.run(
        [
            "psql",
            url,
            "-tAc",
            f"SELECT done + failed >= total, extract(epoch FROM finished_at - created_at) FROM articles_job"
            f" WHERE id = {job_id}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    finished, seconds = out.split("|")
    return float(seconds) if finished == "t" and seconds else None


def _run_batch(url: str, env: dict[str, str], processes: int) -> float:
    subprocess.run(["redis-cli", "-u", BROKER, "FLUSHDB"], check=True, capture_output=True)
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "newsarchive",
                "worker",
                "-Q",
                "interactive,reextract",
                "--concurrency",
                "1",
                "--pool",
                "prefork",
                "-n",
                f"bench{i}@%h",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for i in range(processes)
    ]
    try:
        time.sleep(4)  # let every worker load and connect before the job is queued
        out = subprocess.run(
            [sys.executable, "manage.py", "reextract", "--all"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        job_id = int(out.split()[1].rstrip(":"))
        # Timed by the database (queued to finished), so the enqueuing command's start-up is not counted.
        while (seconds := _job_seconds(url, job_id)) is None:
            time.sleep(0.2)
        return seconds
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=60)


def run(size: dict, *, data: Path, pg: str) -> dict:
    count = size["reextract"]
    folder = data / f"reextract_{count}"
    generate.write(folder, count, seed=2020)
    url = fresh_database(pg, "newsarchive_bench_workers", migrated_template(pg))
    subprocess.run(
        [sys.executable, "manage.py", "import_articles", str(folder)],
        cwd=ROOT,
        env=env_for(url),
        check=True,
        capture_output=True,
    )
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "reextract", "--all", "--sync"],
        cwd=ROOT,
        env=env_for(url),
        check=True,
        capture_output=True,
    )
    inline = time.perf_counter() - start
    # Small chunks, so that four workers all have work until the end of the job.
    env = env_for(url, CELERY_BROKER_URL=BROKER, REEXTRACT_CHUNK_SIZE=str(max(1, count // 16)))
    results: dict = {"articles": count, "in_process_per_second": round(count / inline, 2)}
    for processes in (1, 2, 4):
        seconds = _run_batch(url, env, processes)
        results[f"workers_{processes}"] = {"seconds": round(seconds, 2), "per_second": round(count / seconds, 2)}
    base = results["workers_1"]["per_second"]
    for processes in (2, 4):
        results[f"workers_{processes}"]["speedup_vs_1"] = round(results[f"workers_{processes}"]["per_second"] / base, 2)
    return results
