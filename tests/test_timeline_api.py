"""The timeline API and page: events with their reports, filters, editors' corrections, the TimelineJS feed."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from articles import services as article_services
from articles.models import Article, Person, Source, Story
from timeline.models import Event

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
