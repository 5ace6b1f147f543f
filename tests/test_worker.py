"""Re-extraction on real Celery workers (Redis broker, PostgreSQL): a batch, a crash, two workers on one batch.

Each test starts `celery -A newsarchive worker` processes against the pytest test database. The rows they
write are committed (transactional tests), so the workers see the articles and the test sees their work.
REDIS_URL should name a Redis database of its own: the tests empty its queues. The NLP stages are on, so the
rows compared include quotes, mentions, dated mentions and events.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from celery import Celery
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from articles import services
from articles.extraction import EXTRACTOR_VERSION
from articles.models import Article, DatedMention, Job, JobItem, Mention, Person, Quote
from timeline.models import Event, Statement

# serialized_rollback: the flush after each test must not take the migrations' reference data from later tests.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
# Short enough that a task whose worker was killed comes back within seconds; every task here
# takes far less, so none is handed out twice while it is still running.
VISIBILITY_TIMEOUT = 10
STALE = "0-stale"
QUEUES = ("interactive", "reextract")
# Word swaps that each seed contains: variant k of a seed swaps the first occurrence of the words
# its bits select, so every file differs (sha256) while reading like the original.
SWAPS = [("troops", "soldiers"), ("alliance", "bloc"), ("training", "instruction"), ("forces", "units")]


def write_variants(folder: Path, per_seed: int) -> Path:
    """A folder of ``per_seed`` files per seed (the seed itself first), each a few words apart from the others."""
    folder.mkdir()
    for seed in sorted(SEEDS.glob("*.txt")):
        text = seed.read_text(encoding="utf-8")
        for k in range(per_seed):
            variant = text
            for bit, (old, new) in enumerate(SWAPS):
                if k & (1 << bit):
                    assert old in variant, (seed.name, old)
                    variant = variant.replace(old, new, 1)
            (folder / f"{seed.stem}_v{k:02d}.txt").write_text(variant, encoding="utf-8")
    return folder


def import_files(folder: Path) -> None:
    call_command("import_articles", str(folder), "--jobs", "2", stdout=io.StringIO())


def forget_extraction() -> None:
    """Make every article stale and drop what the NLP read, as an archive read by an older extractor."""
    for model in apps.get_app_config("timeline").get_models():
        if not model.__name__.startswith("Historical"):
            model.objects.all().delete()
    Quote.objects.all().delete()
    Mention.objects.all().delete()
    DatedMention.objects.all().delete()
    Article.objects.update(extractor_version=STALE)


def archive_rows() -> dict:
    """What the archive holds, keyed by natural keys (file hash, raw offsets, names), never by row ids."""
    articles = {}
    for a in Article.objects.select_related("source").prefetch_related("authors"):
        quotes = [
            (q.raw_start, q.raw_end, q.text, q.speaker.name if q.speaker else None, q.status, round(q.confidence, 4))
            for q in a.quotes.select_related("speaker")
        ]
        mentions = [(m.raw_start, m.raw_end, m.text, m.person.name) for m in a.mentions.select_related("person")]
        dated = [(d.raw_start, d.raw_end, d.expression, d.date, d.precision, d.status) for d in a.dated_mentions.all()]
        articles[a.sha256] = {
            "fields": (
                a.title,
                a.published_on,
                a.source.slug if a.source else None,
                a.dateline,
                a.body,
                tuple(a.review_reasons),
                tuple(a.locked_fields),
                a.extractor_version,
                tuple(sorted(p.name for p in a.authors.all())),
            ),
            "quotes": sorted(quotes),
            "mentions": sorted(mentions),
            "dated": sorted(dated, key=repr),
        }
    # An event is known by the mentions it groups (article file, raw offset), with what it says.
    members: dict[int, list] = {}
    for event_id, sha, raw_start in DatedMention.objects.filter(event_link__isnull=False).values_list(
        "event_link__event", "article__sha256", "raw_start"
    ):
        members.setdefault(event_id, []).append((sha, raw_start))
    events = {
        (tuple(sorted(members.get(e.pk, []))), e.date, e.end_date, e.precision, e.title, e.status)
        for e in Event.objects.all()
    }
    quotes: dict[int, list] = {}
    for statement_id, sha, raw_start in Quote.objects.filter(statement_link__isnull=False).values_list(
        "statement_link__statement", "article__sha256", "raw_start"
    ):
        quotes.setdefault(statement_id, []).append((sha, raw_start))
    statements = {
        (tuple(sorted(quotes.get(s.pk, []))), s.speaker.name if s.speaker else None, s.text)
        for s in Statement.objects.select_related("speaker")
    }
    return {
        "articles": articles,
        "events": events,
        "statements": statements,
        "people": sorted(Person.objects.values_list("name", "kind")),
    }


def assert_no_duplicates() -> None:
    for model, key in ((Quote, "raw_start"), (Mention, "raw_start"), (DatedMention, "raw_start")):
        rows = Counter(model.objects.values_list("article_id", key, "raw_end"))
        assert max(rows.values(), default=1) == 1, f"duplicate {model.__name__} rows"
    people = Counter(Person.objects.values_list("name", "kind"))
    assert max(people.values(), default=1) == 1, "duplicate people"


class Workers:
    """Celery worker processes for one test, each in its own process group so SIGKILL takes all of it."""

    def __init__(self, tmp_path: Path):
        db = connection.settings_dict
        login = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
        self.env = {
            **os.environ,
            "DJANGO_DEBUG": "1",
            # The workers use the test database this test writes to.
            "DATABASE_URL": f"postgres://{login}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "CELERY_BROKER_URL": REDIS_URL,
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "REEXTRACT_CHUNK_SIZE": "2",
        }
        self.tmp_path = tmp_path
        self.procs: list[subprocess.Popen] = []
        self.broker = redis.Redis.from_url(REDIS_URL)
        # Tasks an earlier, interrupted run left behind would run against this test's rows.
        self.broker.delete(*QUEUES, "unacked", "unacked_index", "unacked_mutex")

    def start(self, name: str, concurrency: int) -> subprocess.Popen:
        log = open(self.tmp_path / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "newsarchive", "worker", "-n", f"{name}@%h"]
            + ["-c", str(concurrency), "-Q", "interactive,reextract", "--loglevel=INFO"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen) -> None:
        """SIGKILL the worker and its pool processes at once: nothing gets to clean up."""
        with contextlib.suppress(ProcessLookupError):  # the whole group is gone already
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def run_command(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def idle(self) -> bool:
        """No task waits in a queue or is held unacknowledged by a worker."""
        return not any(self.broker.llen(q) for q in QUEUES) and not self.broker.hlen("unacked")

    def wait_for(self, job: Job, timeout: float) -> Job:
        """The job once it finished and its last step (the timeline) ran; the workers are stopped then."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while time.monotonic() < deadline:
            job.refresh_from_db()
            # A message is popped from its queue a moment before it is recorded as unacknowledged:
            # only a quiet second means nothing is left.
            quiet = quiet + 1 if job.finished_at is not None and self.idle() else 0
            if quiet == 5:
                self.stop_all()
                return job
            time.sleep(0.2)
        raise AssertionError(f"{job} not finished after {timeout} s; worker logs:\n{self.logs()}")

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.tmp_path.glob("*.log")))

    def stop_all(self) -> None:
        """Warm shutdown (a running task finishes first), then SIGKILL for whatever is left."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=30)
            self.kill(proc)


@pytest.fixture
def workers(tmp_path):
    pool = Workers(tmp_path)
    yield pool
    pool.stop_all()  # before the test database is flushed: the workers hold connections to it


def job_id_from(output: str) -> int:
    assert output.startswith("Job "), output
    return int(output.split()[1].rstrip(":"))


def test_a_worker_reextracts_a_batch_exactly_as_an_in_process_run_does(workers, tmp_path):
    # 30 articles: 15 chunks of two, shared by the worker's two processes.
    import_files(write_variants(tmp_path / "files", per_seed=6))
    total = Article.objects.count()
    assert total == 30
    forget_extraction()
    workers.start("batch", concurrency=2)

    job = Job.objects.get(pk=job_id_from(workers.run_command("reextract", "--stale")))
    job = workers.wait_for(job, timeout=120)
    on_worker = archive_rows()

    assert (job.status, job.total, job.done, job.failed) == (Job.Status.DONE, total, total, 0)
    assert JobItem.objects.filter(job=job, finished_at__isnull=False, error="").count() == total
    assert not Article.objects.stale(EXTRACTOR_VERSION).exists()
    assert Quote.objects.count() >= total
    assert Mention.objects.count() >= 2 * total
    assert DatedMention.objects.count() >= total

    forget_extraction()
    call_command("reextract", "--stale", "--sync", stdout=io.StringIO(), stderr=io.StringIO())
    in_process = archive_rows()

    assert on_worker["articles"] == in_process["articles"]
    assert on_worker["events"] == in_process["events"]
    assert on_worker["statements"] == in_process["statements"]
    assert on_worker["people"] == in_process["people"]
    assert_no_duplicates()


def test_a_job_survives_a_worker_killed_mid_batch(workers, tmp_path):
    import_files(write_variants(tmp_path / "files", per_seed=4))
    total = Article.objects.count()
    assert total == 20
    # An editor's work before the job: a corrected headline, a rejected and a corrected, verified quote.
    article = Article.objects.order_by("pk").first()
    services.article_update(article=article, data={"title": "Editor's headline"})
    rejected, corrected = list(article.quotes.order_by("raw_start")[:2])
    services.quote_set_status(quote=rejected, status=Quote.Status.REJECTED)
    corrected = services.quote_update(quote=corrected, data={"text": "Words as the editor checked them"})
    services.quote_set_status(quote=corrected, status=Quote.Status.VERIFIED)
    Article.objects.update(extractor_version=STALE)

    first = workers.start("doomed", concurrency=1)
    job = Job.objects.get(pk=job_id_from(workers.run_command("reextract", "--stale")))
    # Kill in the middle of a chunk (two articles each): its message is taken but not acknowledged, so
    # Redis hands it to the next worker after the visibility timeout. (A kill in the instant between
    # popping a message and recording it as taken loses it: a limit of kombu's Redis transport, see README.)
    deadline = time.monotonic() + 90
    while Job.objects.get(pk=job.pk).done < 1:
        assert time.monotonic() < deadline, workers.logs()
        time.sleep(0.05)
    workers.kill(first)
    job.refresh_from_db()
    assert 0 < job.done < total

    workers.start("rescuer", concurrency=1)
    job = workers.wait_for(job, timeout=120)

    assert (job.status, job.total, job.done, job.failed, job.failures) == (Job.Status.DONE, total, total, 0, [])
    assert JobItem.objects.filter(job=job).count() == total
    assert not JobItem.objects.filter(job=job, finished_at__isnull=True).exists()
    assert not Article.objects.stale(EXTRACTOR_VERSION).exists()
    assert_no_duplicates()
    # The editor's work is as they left it.
    article.refresh_from_db()
    assert article.title == "Editor's headline"
    assert "title" in article.locked_fields
    assert Quote.objects.get(pk=rejected.pk).status == Quote.Status.REJECTED
    corrected = Quote.objects.get(pk=corrected.pk)
    assert (corrected.text, corrected.status) == ("Words as the editor checked them", Quote.Status.VERIFIED)
    # Every article was re-extracted in full: running the extractor once more here changes nothing.
    after_crash = archive_rows()
    call_command("reextract", "--all", "--sync", stdout=io.StringIO(), stderr=io.StringIO())
    assert archive_rows() == after_crash


def test_two_workers_given_every_article_twice_write_each_row_once(workers, tmp_path):
    import_files(write_variants(tmp_path / "files", per_seed=4))
    forget_extraction()
    job = services.job_create(selection={"stale": True}, enqueue=False)
    assert job.total == 20

    # Every chunk goes to the queue twice in a row, so both copies are taken at once by different processes.
    sender = Celery(broker=REDIS_URL)
    ids = list(job.article_ids)
    for chunk in (ids[i : i + 2] for i in range(0, len(ids), 2)):
        for _ in range(2):
            sender.send_task(
                "newsarchive.reextract_chunk", kwargs={"job_id": job.pk, "article_ids": chunk}, queue="reextract"
            )
    workers.start("left", concurrency=2)
    workers.start("right", concurrency=2)
    job = workers.wait_for(job, timeout=120)

    assert (job.status, job.total, job.done, job.failed) == (Job.Status.DONE, 20, 20, 0)
    assert JobItem.objects.filter(job=job).count() == 20
    assert_no_duplicates()
    on_workers = archive_rows()
    forget_extraction()
    call_command("reextract", "--stale", "--sync", stdout=io.StringIO(), stderr=io.StringIO())
    assert archive_rows() == on_workers
