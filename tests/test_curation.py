"""Editors' corrections made in the admin last: re-extraction keeps them, dates follow, merges hold."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from articles import services
from articles.models import Alias, Article, Person, Quote
from newsarchive import pipeline
from tests.adminforms import form_data
from tests.test_admin import AMBIGUOUS, change_url, run_action


def reextract(article: Article) -> Article:
    return pipeline.article_reextract(
        article=article, nlp_model=settings.NLP_MODEL or None, match_threshold=settings.PERSON_MATCH_THRESHOLD
    )


def save_article(client, article: Article, **changes) -> None:
    data = form_data(client.get(change_url(article)).content, "article_form")
    for field, value in changes.items():
        data[field] = value if isinstance(value, list) else [value]
    response = client.post(change_url(article), data)
    assert response.status_code == 302, response.content.decode()[:2000]


@pytest.mark.django_db
def test_corrections_made_in_the_admin_survive_reextraction(admin_client, seeded):
    article = seeded["001"]
    quotes = list(article.quotes.order_by("start"))
    fixed, rejected, verified, untouched = quotes[0], quotes[1], quotes[2], quotes[3]
    someone = Person.objects.create(name="Mark Esper", slug="mark-esper")
    before = {q.pk: (q.text, q.speaker_id, q.start) for q in quotes}

    save_article(admin_client, article, title="NATO to step up its support to Iraq")
    data = form_data(admin_client.get(change_url(fixed)).content, "quote_form")
    data["speaker"] = [str(someone.pk)]
    assert admin_client.post(change_url(fixed), data).status_code == 302
    run_action(admin_client, Quote, "reject", [rejected])
    run_action(admin_client, Quote, "verify", [verified])
    Quote.objects.filter(pk=verified.pk).update(speaker_mention="as the editor left it")

    reextract(article)

    article.refresh_from_db()
    assert article.title == "NATO to step up its support to Iraq"
    assert "title" in article.locked_fields
    fixed.refresh_from_db()
    assert fixed.speaker == someone
    assert "speaker" in fixed.locked_fields
    # The rejected quote is still there, still rejected, and no second row took its place.
    assert Quote.objects.get(pk=rejected.pk).status == "rejected"
    assert article.quotes.filter(raw_start=rejected.raw_start, raw_end=rejected.raw_end).count() == 1
    verified.refresh_from_db()
    assert (verified.status, verified.speaker_mention) == ("verified", "as the editor left it")
    untouched.refresh_from_db()
    assert (untouched.text, untouched.speaker_id, untouched.start) == before[untouched.pk]
    assert article.quotes.count() == len(quotes)


@pytest.mark.django_db
def test_a_corrected_date_mention_survives_reextraction(admin_client, seeded):
    article = seeded["003"]
    mention = article.dated_mentions.filter(date__isnull=True).first()
    services.dated_mention_update(
        dated_mention=mention, data={"date": dt.date(2018, 2, 16), "precision": "day", "status": "verified"}
    )
    reextract(article)
    mention.refresh_from_db()
    assert (mention.date, mention.precision, mention.origin) == (dt.date(2018, 2, 16), "day", "editor")


@pytest.mark.django_db
def test_a_restored_span_stays_restored_after_reextraction(admin_client, seeded):
    article = seeded["000"]
    span = article.removed_spans.filter(restored=False).order_by("-raw_end").first()
    admin_client.post(reverse("admin:articles_article_restore_span", args=[article.pk]), {"span": span.pk})
    line = max(span.text.splitlines(), key=len).strip()
    reextract(article)
    article.refresh_from_db()
    assert line in article.body
    for q in article.quotes.all():
        assert article.body[q.start : q.end] == q.text


@pytest.mark.django_db
def test_setting_the_publication_date_resolves_the_articles_relative_dates_again(admin_client, seeded):
    article = seeded["002"]
    yesterday = article.dated_mentions.get(expression="yesterday")
    assert yesterday.date is None
    run_action(admin_client, Article, "set_published_on", [article], apply="1", published_on="2020-02-14")
    article.refresh_from_db()
    yesterday.refresh_from_db()
    assert article.published_on == dt.date(2020, 2, 14)
    assert (article.published_origin, "published_on" in article.locked_fields) == ("editor", True)
    assert "date_unknown" not in article.review_reasons
    assert yesterday.date == dt.date(2020, 2, 13)
    # And it holds: re-extraction keeps the editor's date, and the dates resolved from it.
    reextract(article)
    article.refresh_from_db()
    yesterday.refresh_from_db()
    assert (article.published_on, yesterday.date) == (dt.date(2020, 2, 14), dt.date(2020, 2, 13))


@pytest.mark.django_db
def test_changing_the_date_on_the_article_form_goes_through_the_pipeline(admin_client, seeded):
    article = seeded["002"]
    save_article(admin_client, article, published_on="2020-02-14")
    assert article.dated_mentions.get(expression="yesterday").date == dt.date(2020, 2, 13)


@pytest.mark.django_db
def test_a_suggested_date_is_accepted_in_one_click_and_relative_dates_follow(admin_client, db):
    admin_client.post(
        reverse("admin:articles_article_upload"), {"files": [SimpleUploadedFile("ambiguous.txt", AMBIGUOUS.encode())]}
    )
    article = Article.objects.get(original_filename="ambiguous.txt")
    assert "date_ambiguous" in article.review_reasons
    index = next(i for i, s in enumerate(article.suggestions) if s["value"] == "2018-03-05")
    queue = admin_client.get(reverse("admin:articles_article_review")).content.decode()
    assert "Accept 2018-03-05" in queue
    assert "05/03/2018 read day first" in queue
    admin_client.post(reverse("admin:articles_article_accept", args=[article.pk]), {"suggestion": index})
    article.refresh_from_db()
    assert (article.published_on, article.published_origin) == (dt.date(2018, 3, 5), "editor")
    assert "date_ambiguous" not in article.review_reasons
    assert article.dated_mentions.get(expression="last week").date is not None


@pytest.mark.django_db
def test_merging_people_moves_everything_and_reextraction_never_undoes_it(admin_client, seeded):
    from timeline.models import Event

    survivor = Person.objects.get(name="Jens Stoltenberg")
    article = seeded["002"]
    loser = Person.objects.create(name="Jens Stoltenberg (NATO)", slug="jens-stoltenberg-nato", roles=["chief"])
    Alias.objects.create(person=loser, name="Stoltenberg J.", normalized="stoltenberg j")
    quote = article.quotes.first()
    Quote.objects.filter(pk=quote.pk).update(speaker=loser)
    mention = article.mentions.filter(person=survivor).first()
    type(mention).objects.filter(pk=mention.pk).update(person=loser)
    event = Event.objects.first()
    event.participants.add(loser)
    article.authors.add(loser)

    run_action(admin_client, Person, "merge_people", [survivor, loser], apply="1", survivor=str(survivor.pk))

    loser.refresh_from_db()
    assert loser.merged_into == survivor
    assert Quote.objects.get(pk=quote.pk).speaker == survivor
    assert not loser.mentions.exists()
    assert not loser.aliases.exists()
    assert set(survivor.aliases.values_list("name", flat=True)) >= {"Jens Stoltenberg (NATO)", "Stoltenberg J."}
    assert "chief" in Person.objects.get(pk=survivor.pk).roles
    assert survivor in event.participants.all()
    assert loser not in event.participants.all()
    assert list(article.authors.all()) == [survivor]

    reextract(article)
    loser.refresh_from_db()
    assert loser.merged_into == survivor
    assert not loser.quotes.exists()
    assert not loser.mentions.exists()
    assert not Person.objects.active().filter(name="Jens Stoltenberg (NATO)").exists()
