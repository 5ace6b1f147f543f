"""The TimelineJS feed in TimelineJS itself: the pinned npm package, served from node_modules, renders our events."""

from __future__ import annotations

import mimetypes
import os
import re
from collections import Counter
from urllib.parse import urlsplit

import pytest
from django.utils.html import escape

from tests.browser.conftest import ROOT
from timeline.api.views import FEED_TITLE
from timeline.models import Event

TIMELINEJS = ROOT / "node_modules" / "@knight-lab" / "timelinejs" / "dist"
# A test-only path on the live server's origin: the browser gets TimelineJS's files from the local folder, and
# the feed from the live server itself (same origin, as on a real page, so no CORS is involved).
PREFIX = "/__test__/timelinejs/"
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>TimelineJS test page</title>
<link rel="stylesheet" href="css/timeline.css">
<script src="js/timeline.js"></script>
</head>
<body>
<div id="timeline-embed" style="width: 100%; height: 650px"></div>
<script>
  // script_path: TimelineJS's own files (locales) from here, not its CDN; font: null, as its named fonts come
  // from Google's: the page loads nothing from elsewhere.
  window.timeline = new TL.Timeline("timeline-embed", "/api/v1/timeline.json", {
    hash_bookmark: false,
    font: null,
    script_path: new URL("js/", location.href).href,
  });
  window.timeline.on("loaded", function () { window.timelineLoaded = true; });
</script>
</body>
</html>
"""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # Outside CI a machine without the npm packages skips; in CI a missing TimelineJS fails.
    pytest.mark.skipif(
        not (TIMELINEJS / "js" / "timeline.js").exists() and os.environ.get("CI") != "true",
        reason="TimelineJS not installed: run `npm ci`",
    ),
]


def serve_timelinejs(route) -> None:
    """Answer the test path: the page above, or a file of TimelineJS's dist folder."""
    name = urlsplit(route.request.url).path.removeprefix(PREFIX)
    if name == "index.html":
        route.fulfill(status=200, body=PAGE, content_type="text/html; charset=utf-8")
        return
    path = (TIMELINEJS / name).resolve()
    if not path.is_file() or not path.is_relative_to(TIMELINEJS.resolve()):
        route.fulfill(status=404, body="not found")
        return
    route.fulfill(status=200, body=path.read_bytes(), content_type=mimetypes.guess_type(path.name)[0] or "")


def open_timeline(page, site: str) -> list[str]:
    """Open the test page and wait until TimelineJS has built the slides; returns the URLs it requested."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.route(f"{site}{PREFIX}**", serve_timelinejs)
    page.goto(f"{site}{PREFIX}index.html")
    page.wait_for_function("window.timelineLoaded === true")
    return requested


def test_timelinejs_renders_a_slide_per_event_with_its_title(page, site):
    expected = list(Event.objects.public().dated().chronological().values_list("title", flat=True))
    assert len(expected) >= 10
    feed = page.request.get(f"{site}/api/v1/timeline.json").json()
    assert [slide["text"]["headline"] for slide in feed["events"]] == [escape(title) for title in expected]

    requested = open_timeline(page, site)

    assert f"{site}/api/v1/timeline.json" in requested
    assert [url for url in requested if not url.startswith(site)] == []  # everything from here
    assert page.locator(".tl-slide-titleslide .tl-headline").inner_text() == FEED_TITLE
    headlines = page.locator(".tl-slide:not(.tl-slide-titleslide) .tl-headline").all_inner_texts()
    # TimelineJS orders slides by date itself; events of one date may come in another order than ours.
    assert Counter(headlines) == Counter(expected)
    assert len(headlines) == len(expected)
    # One marker per event on the time navigation, each with the event's title.
    markers = page.locator(".tl-timemarker .tl-headline").all_inner_texts()
    assert Counter(markers) == Counter(expected)
    assert not page.console_errors, page.console_errors


def test_timelinejs_steps_through_the_events_oldest_first_each_citing_its_articles(page, site):
    feed = page.request.get(f"{site}/api/v1/timeline.json").json()
    open_timeline(page, site)
    first, second = list(Event.objects.public().dated().chronological()[:2])
    assert first.date <= second.date
    for event in (first, second):
        page.locator(".tl-slidenav-next").first.click()
        page.wait_for_function(f"window.timeline.current_id === 'event-{event.pk}'")
        # TimelineJS gives each slide the unique_id of its event as the element's id.
        slide = page.locator(f"[id='event-{event.pk}']")
        assert slide.locator(".tl-headline").inner_text() == event.title
        cited = slide.locator("a[href*='/articles/']").evaluate_all("links => links.map(a => a.href)")
        slide_json = next(s for s in feed["events"] if s["unique_id"] == f"event-{event.pk}")
        assert cited == re.findall(r'href="([^"]+)"', slide_json["text"]["text"])
        assert len(cited) == event.event_mentions.count() >= 1
