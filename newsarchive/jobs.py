"""Running re-extraction jobs: each article once under row locks, then the timeline; for the tasks and the command."""

from __future__ import annotations

import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.db import IntegrityError, InterfaceError, OperationalError, transaction

from articles import services as article_services
from articles.models import Article, Job
from newsarchive import pipeline
from timeline import services as timeline_services

logger = logging.getLogger(__name__)

# Errors worth another try later (a deadlock, a lost connection, two workers creating the
# same new person at once): the tasks retry them with backoff instead of failing the article.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, IntegrityError)


def failure_reason(exc: BaseException) -> str:
    """One line an editor can read: the error's kind and first line."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def job_article_reextract(*, job_id: int, article_id: int, nlp_model: str | None, match_threshold: float) -> bool:
    """Re-extract one article of a job unless it is already done; True when this article finished the job.

    The job item stays locked from the check to the count, so two workers given the same article
    do the work once and count it once; the article's own row lock (in the service) keeps editors'
    saves and other jobs out meanwhile. An error in one article is counted as its failure; a
    transient database error or the soft time limit is raised for the task to handle.
    """
    with transaction.atomic():
        item = article_services.job_item_claim(job_id=job_id, article_id=article_id)
        if item is None:
            return False
        try:
            with transaction.atomic():
                pipeline.article_reextract(article=item.article, nlp_model=nlp_model, match_threshold=match_threshold)
        except (*TRANSIENT_ERRORS, SoftTimeLimitExceeded):
            raise
        except Exception as exc:  # one bad article must not stop the job
            logger.exception("Job %s: re-extracting article %s failed", job_id, article_id)
            return article_services.job_item_finish(item=item, error=failure_reason(exc))
        return article_services.job_item_finish(item=item)


def job_timeline_merge(*, job_id: int) -> int:
    """After a batch, place the job's dated mentions on events and its quotes on statements again, in order.

    Workers finish articles in no set order, and incremental merging depends on order; placing the
    whole batch again, in publication order, makes the timeline what one in-order run makes.
    Returns the articles placed.
    """
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        return 0
    ids = job.items.filter(finished_at__isnull=False, error="").values_list("article_id", flat=True)
    articles = list(Article.objects.filter(pk__in=ids).only("pk", "published_on"))
    timeline_services.events_replace(articles=articles)
    timeline_services.statements_replace(articles=articles)
    return len(articles)


def job_run(*, job: Job, nlp_model: str | None, match_threshold: float) -> Job:
    """Run a whole job in this process (``reextract --sync``): every pending article, then the timeline."""
    # One merging batch: the timeline's word counts are made once, not again for every article.
    with timeline_services.merging_batch():
        for article_id in article_services.job_start(job=job):
            try:
                job_article_reextract(
                    job_id=job.pk, article_id=article_id, nlp_model=nlp_model, match_threshold=match_threshold
                )
            except TRANSIENT_ERRORS as exc:
                # Nobody retries an in-process run: say which article and why, and go on.
                article_services.job_items_fail(job_id=job.pk, article_ids=[article_id], reason=failure_reason(exc))
        job_timeline_merge(job_id=job.pk)
    job.refresh_from_db()
    return job
