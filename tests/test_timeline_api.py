"""The timeline API and page: events with their reports, filters, editors' corrections, the TimelineJS feed."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import urljoin

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import services as article_services
from articles.models import Article, Person, Source, Story
from timeline import models as timeline_models
from timeline import views as timeline_views
from timeline.api import serializers as timeline_serializers
from timeline.api import views as timeline_api_views
from timeline.models import SENTENCE_CONTEXT, Event

pytestmark = pytest.mark.django_db


def results(client, query: str = "") -> list[dict]:
    response = client.get(f"/api/v1/events/?page_size=100&{query}")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def titles(rows: list[dict]) -> list[str]:
    return [row["title"] for row in rows]


@pytest.fixture
def editor_client(client):
    user = get_user_model().objects.create_superuser("editor", "editor@example.org", "pw")
    client.force_login(user)
    return client


def test_events_list_oldest_first_with_reports(seeded, client):
    rows = results(client)
    dates = [row["date"] for row in rows]
    assert dates == sorted(dates)
    mission = next(row for row in rows if row["title"].startswith("NATO agreed to start a training mission"))
    assert mission["date_display"] == "2018"
    assert mission["precision"] == "year"
    assert len(mission["reports"]) == 4
    report = mission["reports"][0]
    assert set(report) >= {"article", "expression", "sentence", "score", "reasons", "origin"}
    assert report["article"]["url"].startswith("/articles/")
    assert "2018" in report["sentence"]
    assert mission["report_count"] == 4
    assert mission["reports_url"] == f"http://testserver/api/v1/events/{mission['id']}/reports/"
    detail = client.get(f"/api/v1/events/{mission['id']}/").json()
    assert detail["reports"] == mission["reports"]


def test_anonymous_readers_see_only_events_with_a_published_article(seeded, client, editor_client):
    withdrawn = seeded["004"]
    article_services.article_withdraw(article=withdrawn, reason="Licence ended.")
    client.logout()
    public = results(client)
    assert all(r["article"]["slug"] != withdrawn.slug for row in public for r in row["reports"])
    # An event only 004 reports is gone for the public; the mission, reported by three more, stays with three.
    assert all(row["reports"] for row in public)
    mission = next(row for row in public if row["title"].startswith("NATO agreed to start a training mission"))
    assert len(mission["reports"]) == 3
    only_004 = Event.objects.filter(event_mentions__dated_mention__article=withdrawn).exclude(
        event_mentions__dated_mention__article__status=Article.Status.PUBLISHED
    )
    assert only_004.exists()
    assert client.get(f"/api/v1/events/{only_004.first().pk}/").status_code == 404
    editor = get_user_model().objects.get(username="editor")
    client.force_login(editor)
    assert client.get(f"/api/v1/events/{only_004.first().pk}/").status_code == 200


def test_filters_precision_dates_person_source_story_and_words(seeded, client):
    every = results(client)
    years = results(client, "precision=year")
    assert years
    assert {row["precision"] for row in years} == {"year"}
    in_2020 = results(client, "date_from=2020-01-01&date_to=2020-01-31")
    assert in_2020
    assert all(row["date"].startswith("2020-01") for row in in_2020)
    assert any(row["date_display"] == "3 January 2020" for row in in_2020)
    # A year-precision event lasts all year: mid-2018 still finds "2018".
    assert any(row["date_display"] == "2018" for row in results(client, "date_from=2018-06-01&date_to=2018-12-31"))

    soleimani = Person.objects.get(name="Qasem Soleimani")
    with_him = results(client, f"person={soleimani.slug}")
    assert with_him
    assert len(with_him) < len(every)
    assert any(row["date_display"] == "3 January 2020" for row in with_him)
    assert all(soleimani.slug in {p["slug"] for p in row["participants"]} for row in with_him)

    rudaw = Source.objects.get(slug="rudaw")
    from_rudaw = results(client, f"source={rudaw.slug}")
    assert from_rudaw
    assert all(any(r["article"]["source"] == "Rudaw" for r in row["reports"]) for row in from_rudaw)
    assert len(from_rudaw) < len(every)

    story = Story.objects.create(title="Kadhimi and NATO", slug="kadhimi-nato")
    story.articles.add(seeded["004"])
    in_story = results(client, "story=kadhimi-nato")
    assert in_story
    assert all(any(r["article"]["slug"] == seeded["004"].slug for r in row["reports"]) for row in in_story)

    assert titles(results(client, "q=drone strike")) == [
        "The US drone strike on January 3 which killed top Iranian general Qasem…"
    ]
    assert client.get("/api/v1/events/?precision=decade").status_code == 400


def test_editors_correct_an_event_and_the_field_is_locked(seeded, client, editor_client):
    event = next(row for row in results(editor_client) if row["date_display"] == "December 2017")
    response = editor_client.patch(
        f"/api/v1/events/{event['id']}/",
        {"title": "ISIS declared defeated in Iraq", "version": event["version"]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "ISIS declared defeated in Iraq"
    assert "title" in response.json()["locked_fields"]
    stale = editor_client.patch(
        f"/api/v1/events/{event['id']}/",
        {"place": "Mosul", "version": event["version"]},
        content_type="application/json",
    )
    assert stale.status_code == 409
    assert editor_client.post(f"/api/v1/events/{event['id']}/verify/").json()["status"] == "verified"
    editor_client.logout()
    assert client.patch(
        f"/api/v1/events/{event['id']}/", {"title": "x"}, content_type="application/json"
    ).status_code in (401, 403)


def test_timelinejs_feed(seeded, client):
    """The feed follows TimelineJS3's JSON format: title slide, events with start_date at their precision, text."""
    response = client.get("/api/v1/timeline.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    feed = response.json()
    assert feed["title"]["text"]["headline"]
    assert feed["scale"] == "human"
    slides = feed["events"]
    assert len(slides) == len(results(client))
    assert len({s["unique_id"] for s in slides}) == len(slides)
    for slide in slides:
        assert isinstance(slide["start_date"]["year"], int)
        assert slide["text"]["headline"]
        assert '<a href="http://testserver/articles/' in slide["text"]["text"]
    by_display = {s["start_date"]["display_date"]: s for s in slides}
    assert set(by_display["2018"]["start_date"]) == {"year", "display_date"}
    assert by_display["December 2017"]["start_date"] == {"year": 2017, "month": 12, "display_date": "December 2017"}
    assert by_display["3 January 2020"]["start_date"] == {
        "year": 2020,
        "month": 1,
        "day": 3,
        "display_date": "3 January 2020",
    }
    mission = by_display["2018"]["text"]["text"]
    assert mission.count("<li>") >= 4  # every article that reports it, as a link with its sentence
    days = client.get("/api/v1/timeline.json?precision=day").json()["events"]
    assert days
    assert all("day" in s["start_date"] for s in days)


MISSION = "NATO agreed to start a training mission"


def test_events_show_their_first_reports_and_link_to_all_of_them(seeded, client, monkeypatch):
    """A list carries an event's first reports, earliest article first; report_count and reports_url give the rest."""
    monkeypatch.setattr(timeline_serializers, "REPORTS_SHOWN", 2)
    mission = next(row for row in results(client) if row["title"].startswith(MISSION))
    assert mission["report_count"] == 4
    assert len(mission["reports"]) == 2
    every = client.get(mission["reports_url"], {"page_size": 100}).json()["results"]
    assert len(every) == 4
    assert every[:2] == mission["reports"]
    dates = [report["article"]["published_on"] for report in every]
    assert dates == sorted(dates, key=lambda date: (date is None, date or ""))  # undated articles last
    first = client.get(mission["reports_url"], {"page_size": 3}).json()
    rest = client.get(first["next"]).json()
    assert first["results"] + rest["results"] == every
    assert rest["next"] is None
    detail = client.get(f"/api/v1/events/{mission['id']}/").json()
    assert (detail["reports"], detail["report_count"]) == (mission["reports"], 4)


def test_an_events_reports_are_those_the_reader_may_see(seeded, client, editor_client):
    withdrawn = seeded["004"]
    article_services.article_withdraw(article=withdrawn, reason="Licence ended.")
    client.logout()
    mission = Event.objects.get(title__startswith=MISSION)
    public = client.get(f"/api/v1/events/{mission.pk}/reports/").json()["results"]
    assert len(public) == 3
    assert withdrawn.slug not in {report["article"]["slug"] for report in public}
    assert next(row for row in results(client) if row["id"] == mission.pk)["report_count"] == 3
    only_004 = Event.objects.exclude(pk__in=Event.objects.public()).first()
    assert client.get(f"/api/v1/events/{only_004.pk}/reports/").status_code == 404
    assert client.get("/api/v1/events/123456789012345678901/reports/").status_code == 404
    client.force_login(get_user_model().objects.get(username="editor"))
    assert len(client.get(f"/api/v1/events/{mission.pk}/reports/").json()["results"]) == 4
    assert client.get(f"/api/v1/events/{only_004.pk}/reports/").json()["results"]


@pytest.mark.parametrize("context", [SENTENCE_CONTEXT, 25])
def test_reports_quote_the_sentence_that_holds_the_date(seeded, client, monkeypatch, context):
    """However long the sentence: a list reads the body only around each date, and the whole body when it must."""
    monkeypatch.setattr(timeline_models, "SENTENCE_CONTEXT", context)
    for event in Event.objects.public():
        shown = client.get(f"/api/v1/events/{event.pk}/reports/", {"page_size": 100}).json()["results"]
        links = event.event_mentions.select_related("dated_mention__article")
        expected = [(link.dated_mention.article.slug, link.sentence) for link in links]
        assert sorted((report["article"]["slug"], report["sentence"]) for report in shown) == sorted(expected)


def test_query_count_of_events_and_reports_does_not_grow_with_page_size(seeded, client):
    mission = Event.objects.get(title__startswith=MISSION)
    for url in ("/api/v1/events/", f"/api/v1/events/{mission.pk}/reports/"):
        counts = []
        for size in (1, 100):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url, {"page_size": size}).status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1], (url, counts)


def test_events_by_format_suffix_are_the_same_rows(seeded, client):
    """The rows written by hand are the ones DRF writes field by field (a `.json` address takes DRF's way)."""
    fast = client.get("/api/v1/events/", {"page_size": 100}).json()["results"]
    slow = client.get("/api/v1/events.json", {"page_size": 100}).json()["results"]
    assert json.loads(re.sub(r'\.json"', '/"', json.dumps(slow))) == fast


def test_timelinejs_feed_cites_the_first_reports_and_links_to_the_rest(seeded, client, monkeypatch):
    monkeypatch.setattr(timeline_serializers, "REPORTS_SHOWN", 2)
    mission = Event.objects.get(title__startswith=MISSION)
    slide = next(
        s for s in client.get("/api/v1/timeline.json").json()["events"] if s["unique_id"] == f"event-{mission.pk}"
    )
    text = slide["text"]["text"]
    assert text.count('<a href="http://testserver/articles/') == 2
    assert f'<a href="http://testserver{mission.get_absolute_url()}">and 2 more reports</a>' in text


def test_timelinejs_feed_stops_at_its_limit_and_says_so(seeded, client, monkeypatch):
    monkeypatch.setattr(timeline_api_views, "FEED_EVENTS", 3)
    feed = client.get("/api/v1/timeline.json").json()
    first = Event.objects.public().dated().chronological()[:3]
    assert [slide["unique_id"] for slide in feed["events"]] == [f"event-{event.pk}" for event in first]
    assert "Only the first 3 are shown" in feed["title"]["text"]["text"]
    soleimani = Person.objects.get(name="Qasem Soleimani")
    narrowed = client.get(f"/api/v1/timeline.json?person={soleimani.slug}").json()
    assert narrowed["events"]
    assert "3 January 2020" in {slide["start_date"]["display_date"] for slide in narrowed["events"]}


def test_timeline_page_groups_by_year_and_month_and_filters(seeded, client):
    page = client.get("/timeline/").content.decode()
    assert '<h2 id="y2018-h">2018</h2>' in page
    assert "Sometime in 2018" in page
    assert '<h3 id="m2020-01-h">January 2020</h3>' in page
    assert '<time datetime="2020-01-03" data-precision="day">3 January 2020</time>' in page
    assert '<time datetime="2017-12" data-precision="month">December 2017</time>' in page
    assert page.index('id="y2017"') < page.index('id="y2018"') < page.index('id="y2020"')
    assert "Reported by 4 articles" in page
    assert "<details><summary>Reporting sentence" in page
    soleimani = Person.objects.get(name="Qasem Soleimani")
    filtered = client.get(f"/timeline/?person={soleimani.slug}").content.decode()
    assert "3 January 2020" in filtered
    assert "December 2017" not in filtered
    assert 'id="undated"' not in filtered
    years = client.get("/timeline/?precision=year").content.decode()
    assert "January 2020" not in years.split("<main")[1]


def event_ids(page: str) -> list[int]:
    """The events a timeline page shows, in page order."""
    return [int(pk) for pk in re.findall(r'<article class="timeline-event" id="event-(\d+)"', page)]


def link(page: str, rel: str) -> str | None:
    """Where the page's link to the next (or previous) page of the timeline goes."""
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
    return urljoin("/timeline/", html.unescape(found.group(1))) if found else None


def test_timeline_page_shows_a_page_of_events_and_pages_keep_the_filters(seeded, client, monkeypatch):
    """Oldest first, EVENTS_PER_PAGE at a time; later and earlier pages keep the filters; undated reports come last."""
    monkeypatch.setattr(timeline_views, "EVENTS_PER_PAGE", 3)
    everything = [e.pk for e in Event.objects.public().dated().chronological()]
    assert len(everything) > 6
    page = client.get("/timeline/").content.decode()
    assert event_ids(page) == everything[:3]
    assert link(page, "prev") is None
    assert 'id="undated"' not in page  # undated reports wait on the last page
    seen, pages = event_ids(page), [page]
    while link(page, "next"):
        page = client.get(link(page, "next")).content.decode()
        seen += event_ids(page)
        pages.append(page)
    assert seen == everything
    assert 'id="undated"' in pages[-1]
    back = client.get(link(pages[-1], "prev")).content.decode()
    assert event_ids(back) == event_ids(pages[-2])

    days = [e.pk for e in Event.objects.public().dated().chronological().filter(precision="day")]
    first = client.get("/timeline/?precision=day").content.decode()
    assert event_ids(first) == days[:3]
    assert "precision=day" in link(first, "next")
    second = client.get(link(first, "next")).content.decode()
    assert event_ids(second) == days[3:6]


def test_timeline_page_size_is_the_readers_choice(seeded, client):
    everything = [e.pk for e in Event.objects.public().dated().chronological()]
    page = client.get("/timeline/?page_size=2").content.decode()
    assert event_ids(page) == everything[:2]
    assert event_ids(client.get(link(page, "next")).content.decode()) == everything[2:4]


def test_timeline_page_jumps_to_a_year(seeded, client, monkeypatch):
    monkeypatch.setattr(timeline_views, "EVENTS_PER_PAGE", 3)
    page = client.get("/timeline/").content.decode()
    assert '<a href="?year=2019">2019</a>' in page  # every year from the first event to the last
    in_2020 = client.get("/timeline/?year=2020").content.decode()
    first = Event.objects.public().dated().chronological().filter(date__year__gte=2020).first()
    assert event_ids(in_2020)[0] == first.pk
    assert link(in_2020, "prev")


def test_timeline_shows_an_events_first_reports_and_its_own_page_all_of_them(seeded, client):
    mission = Event.objects.get(title__startswith="NATO agreed to start a training mission")
    page = client.get("/timeline/?precision=year").content.decode()
    shown = page.split(f'id="event-{mission.pk}"')[1].split("</article>")[0]
    assert "Reported by 4 articles:" in shown
    assert shown.count("<li>") == timeline_views.REPORTS_SHOWN == 3
    assert f'<a href="/timeline/events/{mission.pk}/">and 1 more report' in shown
    detail = client.get(f"/timeline/events/{mission.pk}/").content.decode()
    assert f'<h1 id="event-{mission.pk}-h">{mission.title}</h1>' in detail
    reports = re.findall(r'<li><a href="/articles/[^"]+/">.*?</li>', detail.split("</header>")[1], re.S)
    assert len(reports) == 4
    dates = [re.search(r'<time datetime="([\d-]+)"', r) for r in reports]
    known = [d.group(1) for d in dates if d]
    assert known == sorted(known)  # oldest article first, undated ones last
    assert dates[: len(known)] == [d for d in dates if d]
    assert "more report" not in detail
    assert client.get("/timeline/events/999999/").status_code == 404


def test_timeline_filters_by_a_persons_name_or_slug_and_says_when_nobody_matches(seeded, client):
    soleimani = Person.objects.get(name="Qasem Soleimani")
    for value in (soleimani.slug, soleimani.name):
        page = client.get("/timeline/", {"person": value}).content.decode()
        assert "3 January 2020" in page
        assert "December 2017" not in page
        assert f"/api/v1/timeline.json?person={soleimani.slug}" in page  # the JSON link names the slug
    unknown = client.get("/timeline/?person=Nobody+Known").content.decode()
    assert "No person or organisation of that name in the archive." in unknown
    assert 'id="id_person"' in unknown
    assert "<select" not in unknown.split('id="id_person"')[0].rsplit("<label", 1)[-1]


def test_timeline_page_shows_editors_the_reports_of_unpublished_articles_too(seeded, client):
    withdrawn = seeded["004"]
    article_services.article_withdraw(article=withdrawn, reason="Licence ended.")
    only_004 = Event.objects.filter(event_mentions__dated_mention__article=withdrawn).exclude(
        event_mentions__dated_mention__article__status=Article.Status.PUBLISHED
    )
    event = only_004.first()
    assert event.pk not in event_ids(client.get(f"/timeline/?year={event.date.year}").content.decode())
    assert client.get(f"/timeline/events/{event.pk}/").status_code == 404
    editor = get_user_model().objects.create_superuser("editor", "editor@example.org", "pw")
    client.force_login(editor)
    assert event.pk in event_ids(client.get(f"/timeline/?year={event.date.year}").content.decode())
    assert withdrawn.slug in client.get(f"/timeline/events/{event.pk}/").content.decode()


def test_undated_reports_have_a_page_of_their_own(seeded, client):
    page = client.get("/timeline/undated/").content.decode()
    assert "<h1>Undated reports</h1>" in page
    assert "<strong>“last month”</strong>" in page


def test_admin_merge_and_split_actions(seeded, editor_client):
    """Editors merge events and split reports off in the admin; both go through the services and stick."""
    first, second = Event.objects.filter(precision="day").order_by("pk")[:2]
    response = editor_client.post(
        "/admin/timeline/event/",
        {"action": "merge_events", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert not Event.objects.filter(pk=second.pk).exists()
    merged = Event.objects.get(pk=first.pk)
    assert merged.event_mentions.count() == 2
    assert "merged" in merged.locked_fields
    link = merged.event_mentions.order_by("pk").last()
    response = editor_client.post(
        "/admin/timeline/eventmention/", {"action": "split_off", "_selected_action": [link.pk]}, follow=True
    )
    assert response.status_code == 200
    link.refresh_from_db()
    assert link.event_id != merged.pk
    assert link.origin == "editor"
    assert editor_client.get(f"/admin/timeline/event/{merged.pk}/change/").status_code == 200
