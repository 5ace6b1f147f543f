"""Renders bench/results/latest.json as the README's performance section (run as a module; --write updates README).

The section sits between two HTML comments in README.md, so the table always
shows what the last run measured and nobody copies figures by hand.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START = "<!-- bench:start -->"
END = "<!-- bench:end -->"


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def render(results: dict) -> str:
    """The markdown of one run's results."""
    machine = results["machine"]
    lines = [
        f"Run: `make bench{'-quick' if results['size'] == 'quick' else ''}` on {machine['when'][:10]}, "
        f"{machine['cpus']} cores, Python {machine['python']}, {results.get('seconds', '?')} s in all.",
        "",
    ]
    imp = results.get("import")
    if imp:
        acc = imp["accuracy"]
        lines += [
            f"Import of {imp['files']} generated files (`import_articles` on PostgreSQL): "
            f"{imp['articles_per_second']} articles a second with `--jobs 1`, **{imp['ratio_vs_nlp']}** times the speed "
            f"of spaCy's full pipeline over the same texts (`import.ratio_vs_nlp`, goal above 1); `--jobs 2` gives "
            f"x{imp['jobs2_speedup']}"
            + (
                f", and its storing process (one, in file order) was busy {imp['jobs2_storing_seconds']} of its "
                f"{imp['jobs2_seconds']} s"
                if "jobs2_storing_seconds" in imp
                else ""
            )
            + (
                f". The machine kept {imp['jobs1_busy_cores']} of its {machine['cpus']} cores busy with one job "
                f"(PostgreSQL included) and {imp['jobs2_busy_cores']} with two, so the work of one job spread over "
                f"every core would give about x{imp['jobs2_speedup_ceiling']} (`import.jobs2_speedup_ceiling`, an "
                "estimate)"
                if "jobs2_speedup_ceiling" in imp
                else ""
            )
            + (
                f". Each figure is the fastest of {imp['runs']} runs taken in turn (`import.all_seconds`)"
                if imp.get("runs", 1) > 1
                else ""
            )
            + f". Processor time: the import {imp.get('jobs1_cpu_seconds', '?')} s, the floor "
            f"{imp.get('nlp_floor_cpu_seconds', '?')} s; with one job the importer extracts the next file while "
            f"PostgreSQL stores one. Accuracy against the files' known answers: metadata {_percent(acc['metadata'])}, "
            f"quotes {_percent(acc['quotes'])}, speakers {_percent(acc['speakers'])}, events {_percent(acc['events'])}.",
            "",
        ]
    into = results.get("import_into_archive")
    if into:
        lines += [
            f"Import of {into['files']} more generated files into the {into['into_articles']:,}-article database "
            f"(`--dry-run`: each file stored and placed on the timeline, then rolled back): {into['seconds']} s, "
            f"**{into['ratio_vs_nlp']}** times the speed of spaCy's full pipeline over the same texts "
            f"(`import_into_archive.ratio_vs_nlp`). The first file counts the words of every dated sentence of the "
            "archive for the timeline; the later ones read only the sentences changed since.",
            "",
        ]
    api = results.get("api")
    if api:
        sizes = results["sizes"]
        lines += [
            f"API and pages at {sizes['articles']:,} articles (about 20 quotes and 5 dated mentions each), through "
            "Django's test client, against a bare view returning the same rows from `.values()` (`bench/floor.py`); "
            "throughput is ours over the floor's (goal at least 0.5). Anonymous reads are served from the snapshot "
            "cache while nothing is written; *uncached* is every answer rendered afresh after a write, taken in turn "
            "with the floor's requests (each after a write too). SQL queries of a "
            "render at the default page size, and at page sizes 1 / 100 where the endpoint pages:",
            "",
            "| endpoint | p50 ms | p95 ms | floor p50 ms | throughput vs floor | uncached p50 ms | uncached vs floor "
            "| SQL queries |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, entry in api.items():
            if not isinstance(entry, dict) or "p50_ms" not in entry:
                continue
            queries = str(entry["queries"])
            if "queries_page_1" in entry:
                queries += f" ({entry['queries_page_1']} / {entry['queries_page_100']})"
            lines.append(
                f"| {name} | {entry['p50_ms']} | {entry['p95_ms']} | {entry['floor_p50_ms']} | "
                f"{entry['rps_ratio_vs_floor']} | {entry.get('uncached_p50_ms', '')} | "
                f"{entry.get('uncached_rps_ratio_vs_floor', '')} | {queries} |"
            )
        lines.append("")
        if "search_p95_vs_detail_p95" in api:
            words = api.get("search_words", {})
            lines += [
                f"Search p95 over detail p95, uncached: {api['search_p95_vs_detail_p95']} (goal under 10) for a "
                f"typical word (`{words.get('typical', '')}`, in {words.get('typical_articles', 0):,} articles); "
                f"{api.get('search_common_p95_vs_detail_p95', '')} for the word in the most articles "
                f"(`{words.get('common', '')}`, in {words.get('common_articles', 0):,}).",
                "",
            ]
        if "slowest" in api:
            lines += [
                f"Slowest uncached: `{api['slowest']['name']}`; its profile is in `{api['slowest']['profile']}`.",
                "",
            ]
    workers = results.get("workers")
    if workers:
        lines += [
            f"Re-extraction of {workers['articles']} articles: {workers['in_process_per_second']} a second in one "
            f"process; {workers['workers_1']['per_second']}, {workers['workers_2']['per_second']} and "
            f"{workers['workers_4']['per_second']} a second with 1, 2 and 4 Celery worker processes on Redis "
            f"(x{workers['workers_2']['speedup_vs_1']} and x{workers['workers_4']['speedup_vs_1']}).",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def write_readme(results: dict, readme: Path = ROOT / "README.md") -> None:
    """Replaces the README's section between the bench markers with ``results`` rendered."""
    text = readme.read_text(encoding="utf-8")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    if not rest or END not in rest:
        raise SystemExit(f"README.md has no {START} ... {END} section")
    readme.write_text(f"{head}{START}\n{render(results)}{END}{tail}", encoding="utf-8")


def main(argv: list[str]) -> int:
    results = json.loads((ROOT / "bench" / "results" / "latest.json").read_text())
    if "--write" in argv:
        write_readme(results)
    else:
        sys.stdout.write(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
