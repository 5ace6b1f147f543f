"""Celery tasks: thin wrappers, by id, around the pipeline and the job services; each is safe to run twice."""

from __future__ import annotations

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.log import get_task_logger
from django.conf import settings

from articles import services as article_services
from articles.models import Article, Job
from newsarchive import jobs, pipeline
from timeline import services as timeline_services

logger = get_task_logger(__name__)

# Every task is acknowledged only when done (settings: acks_late, reject_on_worker_lost), so a task
# whose worker dies runs again; a transient database error is retried with exponential backoff.
_RETRY = {
    "autoretry_for": jobs.TRANSIENT_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


def _options() -> dict:
    return {"nlp_model": settings.NLP_MODEL or None, "match_threshold": settings.PERSON_MATCH_THRESHOLD}


class _JobTask(Task):
    """A task over some articles of a job: when it gives up, its unfinished articles count as failed."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        job_id, article_ids = kwargs.get("job_id"), kwargs.get("article_ids") or [kwargs.get("article_id")]
        if job_id is None or None in article_ids:
            return
        reason = jobs.failure_reason(exc)
        if self.request.retries:
            reason = f"{reason} (gave up after {self.request.retries} retries)"
        if article_services.job_items_fail(job_id=job_id, article_ids=article_ids, reason=reason):
            _merge_timeline_later(job_id)


def _queue(job_id: int) -> str | None:
    job = Job.objects.filter(pk=job_id).first()
    return article_services.job_queue(job=job) if job is not None else None


def _merge_timeline_later(job_id: int) -> None:
    reextract_merge_timeline.apply_async(kwargs={"job_id": job_id}, queue=_queue(job_id))


@shared_task(name="newsarchive.reextract_article", base=_JobTask, soft_time_limit=120, time_limit=150, **_RETRY)
def reextract_article(*, article_id: int, job_id: int | None = None) -> bool:
    """Re-extract one article, counted in its job when given one; False when it is gone.

    The timeline's word counts are the ones the worker process keeps between tasks (see reextract_chunk).
    """
    with timeline_services.merging_batch(keep=True):
        if job_id is not None:
            if jobs.job_article_reextract(job_id=job_id, article_id=article_id, **_options()):
                _merge_timeline_later(job_id)
            return Article.objects.filter(pk=article_id).exists()
        article = Article.objects.filter(pk=article_id).first()
        if article is None:
            return False
        pipeline.article_reextract(article=article, **_options())
        return True


@shared_task(name="newsarchive.reextract_job", **_RETRY)
def reextract_job(*, job_id: int) -> int:
    """Fan a job out in chunks of articles on the job's queue; returns how many chunks were sent."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        return 0
    pending = article_services.job_start(job=job)
    if not pending:
        _merge_timeline_later(job_id)  # sent again after a crash: make sure the last step ran
        return 0
    size = max(1, settings.REEXTRACT_CHUNK_SIZE)
    queue = article_services.job_queue(job=job)
    chunks = [pending[i : i + size] for i in range(0, len(pending), size)]
    for chunk in chunks:
        reextract_chunk.apply_async(kwargs={"job_id": job_id, "article_ids": chunk}, queue=queue)
    return len(chunks)


@shared_task(name="newsarchive.reextract_chunk", base=_JobTask, **_RETRY)
def reextract_chunk(*, job_id: int, article_ids: list[int]) -> None:
    """Re-extract some articles of a job, skipping those already done (the chunk may come twice).

    The chunk's articles are merged in one batch: the timeline's word counts are made once for the chunk and
    checked against the archive for each article, instead of made again for each. The worker process keeps them
    for its next chunk, which reads only the sentences changed since (on PostgreSQL).
    """
    with timeline_services.merging_batch(keep=True):
        for n, article_id in enumerate(article_ids):
            try:
                finished = jobs.job_article_reextract(job_id=job_id, article_id=article_id, **_options())
            except SoftTimeLimitExceeded:
                # This article overran: it counts as failed, and the rest of the chunk starts afresh.
                rest = article_ids[n + 1 :]
                if rest:
                    reextract_chunk.apply_async(kwargs={"job_id": job_id, "article_ids": rest}, queue=_queue(job_id))
                finished = article_services.job_items_fail(
                    job_id=job_id, article_ids=[article_id], reason="took longer than the soft time limit"
                )
                if finished:
                    _merge_timeline_later(job_id)
                return
            if finished:
                _merge_timeline_later(job_id)


@shared_task(name="newsarchive.reextract_merge_timeline", soft_time_limit=1800, time_limit=1900, **_RETRY)
def reextract_merge_timeline(*, job_id: int) -> int:
    """Merge the timeline again over a finished job's articles; returns how many articles it went over."""
    return jobs.job_timeline_merge(job_id=job_id)


@shared_task(name="newsarchive.reextract_stale", **_RETRY)
def reextract_stale() -> int | None:
    """The periodic job: re-extract every article an older extractor read, unless such a job is still going."""
    going = Job.objects.filter(selection={"stale": True}, status__in=[Job.Status.QUEUED, Job.Status.RUNNING])
    if going.exists():
        logger.info("A stale re-extraction job is still going: not starting another")
        return None
    try:
        job = article_services.job_create(selection={"stale": True})
    except article_services.NothingSelected:
        return None
    return job.pk
