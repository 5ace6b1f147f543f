"""`make bench` / `make bench-quick`: archive-scale benchmarks, each figure a ratio against a floor of the same run.

Writes bench/results/latest.json. Sections: import throughput against spaCy's
full pipeline (the NLP floor) and extraction accuracy on generated files with
known answers; API and page latency against bare Django views over the same
rows (bench/floor.py); SQL queries per request at page sizes 1 and 100; a dry-run
import of new files into that database against the NLP floor; and re-extraction
throughput with 1, 2 and 4 Celery worker processes.

PostgreSQL is required (BENCH_DATABASE_URL, default the local server); the
100,000-article database is kept between runs (it is rebuilt only when its size
or the schema changes).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DATA = ROOT / "bench" / "data"
PG = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432")

SIZES = {
    # files to import; articles in the API database; requests per endpoint; articles to re-extract on workers;
    # files to import into the API database; runs of the import and its floor, the fastest kept
    "quick": {"files": 40, "articles": 5_000, "requests": 40, "reextract": 24, "archive_files": 5, "import_repeats": 1},
    "full": {
        "files": 400,
        "articles": 100_000,
        "requests": 300,
        "reextract": 200,
        "archive_files": 30,
        "import_repeats": 2,
    },
}


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (under 3 minutes)")
    parser.add_argument("--only", choices=["import", "api", "workers"], action="append", help="run only these parts")
    args = parser.parse_args(argv)
    size = SIZES["quick" if args.quick else "full"]
    parts = args.only or ["import", "api", "workers"]
    results: dict = {"size": "quick" if args.quick else "full", "sizes": size, "machine": machine()}
    out = RESULTS / "latest.json"
    if args.only and out.exists():
        # A partial run updates its parts of the last run of the same size and keeps the rest.
        previous = json.loads(out.read_text())
        if previous.get("size") == results["size"]:
            results = {**previous, "machine": results["machine"]}
    started = time.perf_counter()
    if "import" in parts:
        from bench import importing

        results["import"] = importing.run(size, data=DATA, pg=PG)
        print(json.dumps({"import": results["import"]}, indent=2), flush=True)
    if "api" in parts:
        from bench import api

        results["api"] = api.run(size, pg=PG)
        results["import_into_archive"] = api.import_into_archive(size, data=DATA, pg=PG)
        print(json.dumps({"import_into_archive": results["import_into_archive"]}, indent=2), flush=True)
    if "workers" in parts:
        from bench import workers

        results["workers"] = workers.run(size, data=DATA, pg=PG)
    seconds = round(time.perf_counter() - started, 1)
    if not args.only:
        results["seconds"] = seconds
    RESULTS.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)} in {seconds} s")
    if results["size"] == "full" and all(part in results for part in ("import", "api", "workers")):
        from bench import report

        report.write_readme(results)  # the README shows the latest full run
        print("updated the performance section of README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
