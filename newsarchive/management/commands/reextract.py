"""python manage.py reextract SELECTION [--sync]: re-run the current extractor over articles, as a job."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles import services as article_services
from newsarchive import jobs


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from exc


def _articles(n: int) -> str:
    return f"{n} article" if n == 1 else f"{n} articles"


class Command(BaseCommand):
    help = (
        "Re-extract articles with the current extractor, keeping every editor's correction. Give exactly one "
        "selection. Without --sync the job goes to the Celery workers (or runs in-process when no broker is "
        "configured) and its id is printed; with --sync it runs here and a summary is printed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Every article.")
        parser.add_argument("--stale", action="store_true", help="Articles an older extractor read.")
        parser.add_argument("--source", metavar="SLUG", help="The articles of one outlet.")
        parser.add_argument("--story", metavar="SLUG", help="The articles of one story.")
        parser.add_argument("--article", metavar="ID", type=int, nargs="+", help="Articles by id.")
        parser.add_argument("--published-from", metavar="DATE", type=_date, help="Published on or after (YYYY-MM-DD).")
        parser.add_argument("--published-to", metavar="DATE", type=_date, help="Published on or before (YYYY-MM-DD).")
        parser.add_argument("--sync", action="store_true", help="Run in this process and print a summary.")

    def handle(self, *args, **opts):
        selection = {
            "all": opts["all"],
            "stale": opts["stale"],
            "source": opts["source"],
            "story": opts["story"],
            "articles": opts["article"],
            "published_from": opts["published_from"],
            "published_to": opts["published_to"],
        }
        try:
            job = article_services.job_create(selection=selection, enqueue=not opts["sync"])
        except article_services.NothingSelected:
            self.stdout.write("Nothing to re-extract: no article matches the selection.")
            return
        except article_services.SelectionError as exc:
            raise CommandError(str(exc)) from exc

        if not opts["sync"]:
            job.refresh_from_db()  # without a broker the job has already run
            self.stdout.write(f"Job {job.pk}: {_articles(job.total)}, {job.get_status_display().lower()}")
            return

        self.stderr.write(f"Job {job.pk}: re-extracting {_articles(job.total)} in this process")
        job = jobs.job_run(
            job=job, nlp_model=settings.NLP_MODEL or None, match_threshold=settings.PERSON_MATCH_THRESHOLD
        )
        for failure in job.failures:
            self.stdout.write(f"article {failure['article']}: failed: {failure['reason']}")
        self.stdout.write(f"Job {job.pk}: {job.done} re-extracted, {job.failed} failed, of {job.total}")
        if job.failed:
            raise CommandError(f"{_articles(job.failed)} failed", returncode=1)
