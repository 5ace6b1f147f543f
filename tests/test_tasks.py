"""Re-extraction jobs in-process (Celery eager, as without a broker): tasks, selections, command, API, admin."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.urls import reverse

from articles import services
from articles.extraction import EXTRACTOR_VERSION
from articles.models import Article, DatedMention, Job, JobItem, Quote, Source, Story
from newsarchive import celery_app, jobs, pipeline, tasks
from timeline import matching
from timeline.models import EventMention, StatementQuote

ROOT = Path(__file__).resolve().parent.parent
STALE = "0-stale"


def rows(article: Article) -> dict:
    """An article's extracted rows by natural key (raw offsets), as a reader of the archive sees them."""
    article.refresh_from_db()
    return {
        "fields": (article.title, article.published_on, article.body, article.extractor_version),
        "quotes": sorted(
            article.quotes.values_list("raw_start", "raw_end", "text", "speaker__name", "status", "locked_fields")
        ),
        "mentions": sorted(article.mentions.values_list("raw_start", "raw_end", "person__name")),
        "dated": sorted(
            article.dated_mentions.values_list("raw_start", "raw_end", "date", "status", "event_link__event")
        ),
    }


@pytest.fixture
def archive(db, settings, seeds_dir):
    """The five seeds imported without the NLP stages: quick, for tests that only need articles."""
    settings.NLP_MODEL = ""
    call_command("import_articles", str(seeds_dir), stdout=io.StringIO())
    return list(Article.objects.order_by("pk"))


# --- the tasks ----------------------------------------------------------------


def test_reextract_article_brings_a_stale_article_up_to_date_and_keeps_the_editors_work(seeded):
    article = seeded["000"]
    services.article_update(article=article, data={"title": "An editor's headline"})
    rejected = article.quotes.order_by("raw_start").first()
    services.quote_set_status(quote=rejected, status=Quote.Status.REJECTED)
    Article.objects.filter(pk=article.pk).update(extractor_version=STALE)

    assert tasks.reextract_article.delay(article_id=article.pk).get() is True

    first = rows(article)
    assert first["fields"][0] == "An editor's headline"
    assert first["fields"][3] == EXTRACTOR_VERSION
    assert Quote.objects.get(pk=rejected.pk).status == Quote.Status.REJECTED
    tasks.reextract_article.delay(article_id=article.pk).get()
    assert rows(article) == first  # twice is once


def test_reextract_article_within_a_job_counts_once(archive):
    job = services.job_create(selection={"articles": [archive[1].pk]}, enqueue=False)

    tasks.reextract_article.delay(article_id=archive[1].pk, job_id=job.pk)
    tasks.reextract_article.delay(article_id=archive[1].pk, job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.total, job.done, job.failed) == (Job.Status.DONE, 1, 1, 0)


def test_reextract_article_of_an_article_that_is_gone_returns_quietly(db):
    assert tasks.reextract_article.delay(article_id=987654).get() is False


def test_a_job_runs_in_process_without_a_broker(seeded, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_create(selection={"all": True})
    job.refresh_from_db()

    assert (job.status, job.total, job.done, job.failed, job.failures) == (Job.Status.DONE, 5, 5, 0, [])
    assert job.finished_at is not None
    assert job.extractor_version == EXTRACTOR_VERSION
    assert not JobItem.objects.filter(job=job, finished_at__isnull=True).exists()
    dated = DatedMention.objects.filter(date__isnull=False).exclude(status=DatedMention.Status.REJECTED)
    assert EventMention.objects.filter(dated_mention__in=dated).count() == dated.count() > 0


def test_the_job_task_fans_out_in_chunks_of_the_configured_size(archive, settings):
    settings.REEXTRACT_CHUNK_SIZE = 2
    job = services.job_create(selection={"all": True}, enqueue=False)

    assert tasks.reextract_job.delay(job_id=job.pk).get() == 3  # 2 + 2 + 1 articles
    job.refresh_from_db()
    assert (job.status, job.done) == (Job.Status.DONE, 5)
    assert tasks.reextract_job.delay(job_id=job.pk).get() == 0  # sent again: nothing left to do


def test_a_chunk_sent_twice_counts_each_article_once_and_writes_the_same_rows(seeded):
    job = services.job_create(selection={"all": True}, enqueue=False)
    ids = list(job.article_ids)

    tasks.reextract_chunk.delay(job_id=job.pk, article_ids=ids)
    once = [rows(a) for a in seeded.values()]
    tasks.reextract_chunk.delay(job_id=job.pk, article_ids=ids)

    job.refresh_from_db()
    assert (job.done, job.failed, job.total) == (5, 0, 5)
    assert [rows(a) for a in seeded.values()] == once


def test_a_job_for_a_deleted_job_id_does_nothing(db):
    assert tasks.reextract_job.delay(job_id=424242).get() == 0
    assert tasks.reextract_merge_timeline.delay(job_id=424242).get() == 0


def test_an_article_that_fails_is_counted_with_its_reason_and_the_others_go_on(archive, monkeypatch):
    broken = archive[2]
    real = pipeline.article_reextract

    def extractor_with_a_bug(*, article, **kwargs):
        if article.pk == broken.pk:
            raise ValueError("the extractor tripped over this one")
        return real(article=article, **kwargs)

    monkeypatch.setattr(pipeline, "article_reextract", extractor_with_a_bug)
    job = services.job_create(selection={"all": True}, enqueue=False)
    tasks.reextract_job.delay(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == (Job.Status.FAILED, 4, 1)
    assert job.failures == [{"article": broken.pk, "reason": "ValueError: the extractor tripped over this one"}]
    assert JobItem.objects.get(job=job, article=broken).error == "ValueError: the extractor tripped over this one"


def test_a_transient_database_error_is_retried(archive, monkeypatch):
    real = pipeline.article_reextract
    calls = []

    def flaky(*, article, **kwargs):
        calls.append(article.pk)
        if len(calls) == 1:
            raise OperationalError("deadlock detected")
        return real(article=article, **kwargs)

    monkeypatch.setattr(pipeline, "article_reextract", flaky)
    job = services.job_create(selection={"articles": [archive[0].pk]}, enqueue=False)
    tasks.reextract_chunk.delay(job_id=job.pk, article_ids=[archive[0].pk])

    job.refresh_from_db()
    assert calls == [archive[0].pk, archive[0].pk]
    assert (job.status, job.done, job.failed) == (Job.Status.DONE, 1, 0)


def test_a_chunk_that_keeps_hitting_database_errors_gives_up_and_says_why(archive, monkeypatch):
    def database_down(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(pipeline, "article_reextract", database_down)
    ids = [archive[0].pk, archive[1].pk]
    job = services.job_create(selection={"articles": ids}, enqueue=False)
    tasks.reextract_chunk.delay(job_id=job.pk, article_ids=ids)

    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == (Job.Status.FAILED, 0, 2)
    reason = "OperationalError: could not connect to server (gave up after 5 retries)"
    assert job.failures == [{"article": ids[0], "reason": reason}, {"article": ids[1], "reason": reason}]


def test_merging_the_timeline_after_a_batch_places_every_dated_mention(seeded):
    job = services.job_create(selection={"all": True}, enqueue=False)
    tasks.reextract_chunk.delay(job_id=job.pk, article_ids=job.article_ids)
    statement_links = StatementQuote.objects.count()
    # As if the batch's placements were lost:
    EventMention.objects.all().delete()
    StatementQuote.objects.all().delete()

    assert tasks.reextract_merge_timeline.delay(job_id=job.pk).get() == 5

    dated = DatedMention.objects.filter(date__isnull=False).exclude(status=DatedMention.Status.REJECTED)
    assert EventMention.objects.filter(dated_mention__in=dated).count() == dated.count() > 0
    assert StatementQuote.objects.count() == statement_links > 0


def test_the_periodic_task_re_extracts_stale_articles_once(archive, django_capture_on_commit_callbacks):
    Article.objects.filter(pk__in=[archive[0].pk, archive[3].pk]).update(extractor_version=STALE)

    with django_capture_on_commit_callbacks(execute=True):
        job_id = tasks.reextract_stale.delay().get()
    job = Job.objects.get(pk=job_id)

    assert job.selection == {"stale": True}
    assert job.article_ids == [archive[0].pk, archive[3].pk]
    assert (job.status, job.done) == (Job.Status.DONE, 2)
    assert tasks.reextract_stale.delay().get() is None  # nothing stale now


def test_the_periodic_task_does_not_pile_up_behind_a_running_stale_job(archive):
    Article.objects.update(extractor_version=STALE)
    services.job_create(selection={"stale": True}, enqueue=False)

    assert tasks.reextract_stale.delay().get() is None
    assert Job.objects.count() == 1


def test_re_extraction_goes_to_its_own_queue_and_small_jobs_to_the_interactive_one(archive):
    route = celery_app.amqp.router.route
    assert route({}, "newsarchive.reextract_chunk")["queue"].name == "reextract"
    assert route({}, "newsarchive.reextract_job")["queue"].name == "reextract"
    small = services.job_create(selection={"articles": [archive[0].pk]}, enqueue=False)
    big = Job(total=services.INTERACTIVE_JOB_MAX + 1)
    assert services.job_queue(job=small) == "interactive"
    assert services.job_queue(job=big) == "reextract"


def test_reliable_delivery_settings(settings):
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > settings.CELERY_TASK_TIME_LIMIT
    assert tasks.reextract_chunk.max_retries == 5
    assert tasks.reextract_chunk.retry_backoff


def manage_settings(**env: str) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings; print(settings.CELERY_BEAT_SCHEDULE)",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_DEBUG": "1", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_periodic_schedule_is_off_by_default_and_on_with_a_crontab():
    assert manage_settings(REEXTRACT_STALE_CRON="").strip().endswith("{}")
    scheduled = manage_settings(REEXTRACT_STALE_CRON="30 3 * * *")
    assert "'task': 'newsarchive.reextract_stale'" in scheduled
    assert "<crontab: 30 3 * * *" in scheduled


# --- selections -------------------------------------------------------------------


def test_selections_name_the_articles_they_say(archive):
    source = Source.objects.exclude(articles=None).first()
    story = Story.objects.create(title="Training mission", slug="training-mission")
    story.articles.add(archive[1], archive[4])
    dated = [a for a in archive if a.published_on]
    first = min(a.published_on for a in dated)

    def resolve(**selection):
        return services.job_selection_resolve(selection=selection)

    assert resolve(all=True) == ({"all": True}, [a.pk for a in archive])
    assert resolve(stale=True) == ({"stale": True}, [])
    assert resolve(source=source.slug)[1] == sorted(source.articles.values_list("pk", flat=True))
    assert resolve(story="training-mission") == ({"story": "training-mission"}, [archive[1].pk, archive[4].pk])
    assert resolve(articles=[archive[2].pk, archive[0].pk]) == (
        {"articles": [archive[0].pk, archive[2].pk]},
        [archive[0].pk, archive[2].pk],
    )
    assert resolve(published_from=first.isoformat(), published_to=first.isoformat()) == (
        {"published_from": first.isoformat(), "published_to": first.isoformat()},
        sorted(a.pk for a in dated if a.published_on == first),
    )


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        ({}, "exactly one selection"),
        ({"all": True, "stale": True}, "exactly one selection"),
        ({"source": "no-such-outlet"}, "no source with slug 'no-such-outlet'"),
        ({"story": "no-such-story"}, "no story with slug 'no-such-story'"),
        ({"articles": [999999]}, "no article with id 999999"),
        ({"published_from": "2020-13-01"}, "not a date"),
        ({"published_from": "2020-02-01", "published_to": "2020-01-01"}, "after published_to"),
        ({"everything": True}, "unknown selection: everything"),
    ],
)
def test_a_bad_selection_is_refused_with_the_reason(archive, selection, message):
    with pytest.raises(services.SelectionError, match=message):
        services.job_create(selection=selection)
    assert not Job.objects.exists()


# --- the command ----------------------------------------------------------------


def test_reextract_sync_runs_here_and_prints_a_summary(archive):
    out = io.StringIO()
    call_command("reextract", "--all", "--sync", stdout=out, stderr=io.StringIO())
    job = Job.objects.get()
    assert out.getvalue().strip() == f"Job {job.pk}: 5 re-extracted, 0 failed, of 5"


def test_reextract_sync_names_each_failure_and_exits_non_zero(archive, monkeypatch):
    def extractor_with_a_bug(*, article, **kwargs):
        raise KeyError("speaker")

    monkeypatch.setattr(pipeline, "article_reextract", extractor_with_a_bug)
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 articles failed"):
        call_command(
            "reextract", "--article", str(archive[0].pk), str(archive[3].pk), "--sync", stdout=out, stderr=io.StringIO()
        )
    assert out.getvalue().splitlines() == [
        f"article {archive[0].pk}: failed: KeyError: 'speaker'",
        f"article {archive[3].pk}: failed: KeyError: 'speaker'",
        f"Job {Job.objects.get().pk}: 0 re-extracted, 2 failed, of 2",
    ]


def test_reextract_enqueues_a_job_and_prints_its_id(archive):
    out = io.StringIO()
    call_command("reextract", "--article", str(archive[0].pk), str(archive[1].pk), stdout=out)
    job = Job.objects.get()
    assert out.getvalue().startswith(f"Job {job.pk}: 2 articles")
    assert job.selection == {"articles": [archive[0].pk, archive[1].pk]}


def test_reextract_stale_with_nothing_stale_says_so(archive):
    out = io.StringIO()
    call_command("reextract", "--stale", stdout=out)
    assert out.getvalue().strip() == "Nothing to re-extract: no article matches the selection."
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "exactly one selection"),
        (["--all", "--stale"], "exactly one selection"),
        (["--source", "nowhere"], "no source with slug 'nowhere'"),
        (["--published-from", "yesterday"], "not a date"),
    ],
)
def test_reextract_refuses_anything_but_one_selection(archive, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("reextract", *args, stdout=io.StringIO())


# --- the editors' API --------------------------------------------------------------


@pytest.fixture
def editor(db):
    user = get_user_model().objects.create_user("editor", password="pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_job", "add_job"]))
    return user


def test_an_editor_starts_a_job_through_the_api_and_reads_its_progress(
    archive, editor, client, django_capture_on_commit_callbacks
):
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/jobs/", {"articles": [archive[0].pk, archive[1].pk]}, content_type="application/json"
        )

    assert response.status_code == 201, response.content
    body = response.json()
    job = Job.objects.get()
    assert response["Location"].endswith(f"/api/v1/jobs/{job.pk}/")
    assert body["created_by"] == "editor"
    assert body["selection"] == {"articles": [archive[0].pk, archive[1].pk]}
    # The test's transaction holds the job back until the request is over; a real request commits first.
    assert (body["status"], body["total"], body["done"], body["progress"]) == ("queued", 2, 0, 0.0)

    detail = client.get(f"/api/v1/jobs/{job.pk}/").json()
    assert (detail["id"], detail["status"], detail["done"], detail["failed"], detail["progress"]) == (
        job.pk,
        "done",
        2,
        0,
        1.0,
    )
    assert detail["failures"] == []
    listed = client.get("/api/v1/jobs/").json()["results"]
    assert [j["id"] for j in listed] == [job.pk]


def test_the_jobs_api_refuses_a_bad_selection(archive, editor, client):
    client.force_login(editor)
    response = client.post("/api/v1/jobs/", {"all": True, "source": "x"}, content_type="application/json")
    assert response.status_code == 400
    assert "exactly one selection" in response.content.decode()
    assert not Job.objects.exists()


def test_jobs_are_for_editors_only(archive, client):
    assert client.get("/api/v1/jobs/").status_code in (401, 403)
    assert client.post("/api/v1/jobs/", {"all": True}, content_type="application/json").status_code in (401, 403)
    reader = get_user_model().objects.create_user("reader", password="pw")
    client.force_login(reader)
    assert client.get("/api/v1/jobs/").status_code == 403
    assert client.post("/api/v1/jobs/", {"all": True}, content_type="application/json").status_code == 403
    assert not Job.objects.exists()


# --- the admin ----------------------------------------------------------------------


def test_the_admin_action_re_extracts_the_selected_articles(archive, admin_client, django_capture_on_commit_callbacks):
    chosen = [archive[0].pk, archive[2].pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:articles_article_changelist"),
            {"action": "reextract_selected", "_selected_action": chosen},
            follow=True,
        )

    job = Job.objects.get()
    assert job.selection == {"articles": sorted(chosen)}
    assert (job.status, job.done, job.total) == (Job.Status.DONE, 2, 2)
    assert job.created_by.username == "admin"
    assert f"Job {job.pk}" in response.content.decode().replace("</a>", "").replace(
        f'<a href="{reverse("admin:articles_job_change", args=[job.pk])}">', ""
    )


def test_the_job_admin_shows_progress_and_refreshes_while_a_job_is_going(archive, admin_client):
    job = services.job_create(selection={"all": True}, enqueue=False)
    item = JobItem.objects.get(job=job, article=archive[0])
    services.job_item_finish(item=item, error="ValueError: unreadable")

    page = admin_client.get(reverse("admin:articles_job_changelist"))
    assert page.status_code == 200
    assert page["Refresh"] == "5"
    assert '<progress value="1" max="5"></progress> 1/5' in page.content.decode()
    detail = admin_client.get(reverse("admin:articles_job_change", args=[job.pk]))
    assert detail["Refresh"] == "5"
    assert "ValueError: unreadable" in detail.content.decode()

    for item in JobItem.objects.filter(job=job, finished_at__isnull=True):
        services.job_item_finish(item=item)
    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == (Job.Status.FAILED, 4, 1)
    assert "Refresh" not in admin_client.get(reverse("admin:articles_job_changelist"))


@pytest.fixture
def vocabularies_made(seeded, monkeypatch) -> list[int]:
    """One entry for each time the timeline's word counts are made, once every article has dates to place again."""
    made: list[int] = []

    class Counted(matching.Vocabulary):
        def __init__(self, *args, **kwargs):
            made.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(matching, "Vocabulary", Counted)
    # As after an extractor that reads dates anew: every article has dated mentions to place again.
    DatedMention.objects.all().delete()
    return made


def test_a_chunk_makes_the_timelines_word_counts_once_for_all_its_articles(vocabularies_made):
    job = services.job_create(selection={"all": True}, enqueue=False)
    tasks.reextract_chunk.delay(job_id=job.pk, article_ids=list(job.article_ids))
    job.refresh_from_db()
    assert (job.done, job.failed) == (5, 0)
    # Made afresh for each article, they would be made five times.
    assert len(vocabularies_made) == 1


def test_a_worker_keeps_the_timelines_word_counts_for_its_next_chunk(vocabularies_made):
    job = services.job_create(selection={"all": True}, enqueue=False)
    ids = sorted(job.article_ids)
    tasks.reextract_chunk.delay(job_id=job.pk, article_ids=ids[:2])
    tasks.reextract_chunk.delay(job_id=job.pk, article_ids=ids[2:])
    job.refresh_from_db()
    assert (job.done, job.failed) == (5, 0)
    # Made afresh for each chunk, they would be made twice.
    assert len(vocabularies_made) == 1


def test_one_article_tasks_share_the_word_counts_their_worker_keeps(vocabularies_made, seeded):
    for article in seeded.values():
        assert tasks.reextract_article.delay(article_id=article.pk).get()
    assert len(vocabularies_made) == 1


def test_a_job_run_here_makes_the_timelines_word_counts_once(vocabularies_made, settings):
    job = services.job_create(selection={"all": True}, enqueue=False)
    jobs.job_run(job=job, nlp_model=settings.NLP_MODEL or None, match_threshold=settings.PERSON_MATCH_THRESHOLD)
    job.refresh_from_db()
    assert (job.done, job.failed) == (5, 0)
    assert len(vocabularies_made) == 1
