"""python manage.py import_articles PATH [PATH ...]: import raw article files."""

from __future__ import annotations

import csv
import glob
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles import services as article_services
from newsarchive import pipeline

MANIFEST_FIELDS = {"filename", "url", "source", "title", "authors", "published_on"}


def collect_paths(args: list[str]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Expand files, folders (recursively, *.txt) and globs; name what cannot be expanded."""
    found: list[Path] = []
    problems: list[tuple[str, str]] = []
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*.txt") if p.is_file())
            if not files:
                problems.append((arg, "folder with nothing to import (no .txt files)"))
            found.extend(files)
        elif path.exists() or path.is_symlink():
            found.append(path)
        elif glob.has_magic(arg):
            matches = sorted(Path(p) for p in glob.glob(arg, recursive=True) if Path(p).is_file())
            if not matches:
                problems.append((arg, "pattern matches no file"))
            found.extend(matches)
        else:
            problems.append((arg, "no such file or folder"))
    unique = list(dict.fromkeys(found))
    return unique, problems


def read_manifest(path: str) -> dict[str, dict[str, str]]:
    """The manifest CSV as {base filename: {column: value}}, blank values dropped."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "filename" not in reader.fieldnames:
                raise CommandError(f"{path}: manifest needs a 'filename' column")
            unknown = set(reader.fieldnames) - MANIFEST_FIELDS
            if unknown:
                raise CommandError(f"{path}: unknown manifest columns: {', '.join(sorted(unknown))}")
            rows = {}
            for row in reader:
                name = Path((row.get("filename") or "").strip()).name
                if name:
                    rows[name] = {k: v.strip() for k, v in row.items() if k != "filename" and v and v.strip()}
            return rows
    except OSError as exc:
        raise CommandError(f"{path}: cannot read manifest: {exc.strerror or exc}") from exc
    except (csv.Error, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: not a valid UTF-8 CSV manifest: {exc}") from exc


class Command(BaseCommand):
    help = "Import raw article files (.txt): files, folders (recursively) and globs."
    # The system checks import every URL, view and API schema module (a quarter of a second) and
    # concern serving pages, not reading files; `manage.py check` runs them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--manifest", metavar="FILE", help="CSV: filename, url, source, title, authors, published_on"
        )
        parser.add_argument("--dry-run", action="store_true", help="Show what would be created; write nothing.")
        parser.add_argument("--reextract", action="store_true", help="Re-run extraction on files already imported.")
        parser.add_argument("--jobs", type=int, default=1, metavar="N", help="Extract N files in parallel.")

    def handle(self, *args, **opts):
        manifest = read_manifest(opts["manifest"]) if opts["manifest"] else {}
        paths, problems = collect_paths(opts["paths"])
        if not paths and not problems:
            raise CommandError("nothing to import")
        options = pipeline.ImportOptions(
            nlp_model=settings.NLP_MODEL or None,
            publish=settings.IMPORT_PUBLISH,
            max_bytes=settings.IMPORT_MAX_BYTES,
            match_threshold=settings.PERSON_MATCH_THRESHOLD,
            dry_run=opts["dry_run"],
            reextract=opts["reextract"],
            jobs=max(1, opts["jobs"]),
        )
        run = None
        if not options.dry_run:
            run = article_services.import_run_start(command="import_articles " + " ".join(sys.argv[2:]))
        bar = None
        if self.stdout.isatty() and len(paths) > 1:
            from tqdm import tqdm

            bar = tqdm(total=len(paths), unit="file", file=sys.stderr)

        def progress(outcome: pipeline.FileOutcome) -> None:
            if bar is not None:
                bar.update(1)
                bar.set_postfix_str(outcome.outcome)
            else:
                self._line(outcome)

        outcomes = [pipeline.FileOutcome(name, "failed", reason) for name, reason in problems]
        for o in outcomes:
            progress(o)
        started = time.perf_counter()
        done = pipeline.import_files(
            [(str(p), p) for p in paths], options=options, manifest=manifest, run=run, progress=progress
        )
        seconds = time.perf_counter() - started
        if bar is not None:
            bar.close()
        outcomes.extend(done)
        if run is not None:
            article_services.import_run_finish(run=run, files=[o.as_dict() for o in outcomes])
        counts = {k: sum(1 for o in outcomes if o.outcome == k) for k in ("created", "updated", "unchanged", "failed")}
        if options.dry_run:
            counts = {
                "would create": sum(1 for o in outcomes if o.outcome == "would create"),
                "would update": sum(1 for o in outcomes if o.outcome == "would update"),
                "unchanged": counts["unchanged"],
                "failed": counts["failed"],
            }
        summary = ", ".join(f"{n} {k}" for k, n in counts.items())
        # Storing is one process, in file order, whatever --jobs says: its share of the time bounds what more
        # extraction workers can gain.
        storing = sum(o.stored_in for o in done)
        summary += f"; took {seconds:.1f} s, {storing:.1f} s of it storing"
        self.stdout.write(f"Summary: {summary}" + (" (dry run: nothing written)" if options.dry_run else ""))
        failures = [o for o in outcomes if o.outcome == "failed"]
        for o in failures:
            self.stderr.write(f"failed: {o.name}: {o.reason}")
        if failures:
            raise CommandError(f"{len(failures)} of {len(outcomes)} files failed", returncode=1)

    def _line(self, o: pipeline.FileOutcome) -> None:
        extra = ""
        if o.encoding and o.encoding not in ("utf-8",):
            extra = f" (decoded as {o.encoding})"
        if o.detail:
            d = o.detail
            extra += f" - {d['title'] or '(no headline)'} | {d['source'] or 'outlet unknown'} | {d['published_on'] or 'date unknown'} | {d['quotes']} quotes, {d['dated_mentions']} dates"
            if d["review_reasons"]:
                extra += f" | review: {', '.join(d['review_reasons'])}"
        reason = f": {o.reason}" if o.reason and o.outcome == "failed" else ""
        self.stdout.write(f"{o.outcome}: {o.name}{reason}{extra}")
