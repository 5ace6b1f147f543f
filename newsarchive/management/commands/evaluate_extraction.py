"""python manage.py evaluate_extraction GOLD_DIR: the extractor's and the merging's figures against hand-made gold."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from newsarchive import evaluation


class Command(BaseCommand):
    help = "Import the gold's articles into a throw-away database and print per-field figures."

    def add_arguments(self, parser):
        parser.add_argument("gold_dir", metavar="GOLD_DIR")
        parser.add_argument("--articles", metavar="DIR", default=str(Path(settings.BASE_DIR) / "seeds"))
        parser.add_argument("--manifest", metavar="FILE")
        parser.add_argument("--verbose-misses", action="store_true", help="List every miss.")
        parser.add_argument("--in-place", action="store_true", help=argparse_suppress())

    def handle(self, *args, **opts):
        gold_dir = Path(opts["gold_dir"])
        if not gold_dir.is_dir():
            raise CommandError(f"{gold_dir}: no such folder")
        if not opts["in_place"]:
            return self._in_scratch_database(opts)
        gold = evaluation.load_gold(gold_dir)
        if not gold:
            raise CommandError(f"{gold_dir}: no gold files")
        paths = [str(Path(opts["articles"]) / g["file"]) for g in gold]
        extra = ["--manifest", opts["manifest"]] if opts["manifest"] else []
        call_command("import_articles", *paths, *extra, stdout=open(os.devnull, "w"))  # noqa: SIM115
        report = evaluation.evaluate(
            gold,
            happenings=evaluation.load_timeline_gold(gold_dir),
            statements=evaluation.load_statement_gold(gold_dir),
        )
        for line in report.lines():
            self.stdout.write(line)
        if opts["verbose_misses"]:
            for miss in report.misses:
                self.stdout.write(f"  miss: {miss}")

    def _in_scratch_database(self, opts) -> None:
        # A throw-away SQLite database, so the figures never touch (or depend on) the real archive.
        with tempfile.TemporaryDirectory() as scratch:
            env = {**os.environ, "DATABASE_URL": f"sqlite:///{scratch}/evaluate.sqlite3", "DJANGO_DEBUG": "1"}
            manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
            subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
            argv = [*manage, "evaluate_extraction", opts["gold_dir"], "--in-place", "--articles", opts["articles"]]
            if opts["manifest"]:
                argv += ["--manifest", opts["manifest"]]
            if opts["verbose_misses"]:
                argv.append("--verbose-misses")
            result = subprocess.run(argv, env=env, capture_output=True, text=True)
            self.stdout.write(result.stdout.rstrip())
            if result.returncode:
                raise CommandError(result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "failed")


def argparse_suppress():
    import argparse

    return argparse.SUPPRESS
