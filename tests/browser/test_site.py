"""A reader's paths through the public site in Chromium, with axe-core checking every page they reach."""

from __future__ import annotations

import re

import pytest

# Transactional tests empty the database after each test; serialized_rollback restores the reference data the
# migrations wrote (the outlet Rudaw and its detection patterns), so every test imports the seeds as `make run` does.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def assert_accessible(axe):
    """Check a page with axe-core: no serious or critical violation, and no console error (e.g. a CSP block)."""

    def check(page, name: str) -> None:
        serious = axe(page, name)
        assert serious == [], f"{name}: {serious}"
        assert page.console_errors == [], f"{name}: {page.console_errors}"

    return check


def test_home_to_article_to_speaker_to_timeline_and_back(page, site, assert_accessible):
    page.goto(site + "/")
    assert page.locator("h1").inner_text() == "newsarchive"
    assert_accessible(page, "home")

    page.get_by_role("link", name="Kadhimi calls for expansion of partnership with NATO").first.click()
    page.wait_for_url(re.compile(r"/articles/kadhimi-calls-for-expansion-of-partnership-with-nato/$"))
    assert page.locator("mark.quote").count() >= 4
    assert_accessible(page, "article")

    speaker = page.locator("a.speaker", has_text="Mustafa al-Kadhimi").first
    speaker.click()
    page.wait_for_url(re.compile(r"/people/mustafa-al-kadhimi/$"))
    assert page.locator("h1").inner_text() == "Mustafa al-Kadhimi"
    assert page.locator("svg[role=img]").count() == 1  # quotes per month
    assert_accessible(page, "person")

    # From a statement back to the very quote in its article.
    page.locator("ol.statements a[href*='#quote-']").first.click()
    page.wait_for_url(re.compile(r"/articles/[\w-]+/#quote-\d+$"))
    anchor = page.url.rsplit("#", 1)[1]
    assert page.locator(f"[id='{anchor}']").is_visible()
    page.go_back()
    page.wait_for_url(re.compile(r"/people/mustafa-al-kadhimi/$"))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Timeline").click()
    page.wait_for_url(re.compile(r"/timeline/"))
    assert page.locator("h1").count() == 1
    assert_accessible(page, "timeline")
    page.go_back()
    page.wait_for_url(re.compile(r"/people/mustafa-al-kadhimi/$"))


def test_article_events_link_into_the_timeline(page, site):
    page.goto(site + "/articles/kadhimi-calls-for-expansion-of-partnership-with-nato/")
    links = page.locator("ul.events a")
    assert links.count() >= 1
    href = links.first.get_attribute("href")
    assert href.startswith("/timeline/")
    response = page.goto(site + href)
    assert response.status == 200


def test_search_from_the_home_page(page, site, assert_accessible):
    page.goto(site + "/")
    page.get_by_label("Search articles, quotes and people").fill("Stoltenberg")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/search/\?q=Stoltenberg$"))
    assert page.get_by_role("heading", name=re.compile(r"^Articles \([1-9]")).is_visible()
    assert page.get_by_role("heading", name=re.compile(r"^Quotes \([1-9]")).is_visible()
    people = page.locator("section[aria-labelledby=people-heading]")
    assert people.get_by_role("link", name="Jens Stoltenberg").is_visible()
    assert_accessible(page, "search")
    people.get_by_role("link", name="Jens Stoltenberg").click()
    page.wait_for_url(re.compile(r"/people/jens-stoltenberg/$"))


def test_filter_the_article_list(page, site, assert_accessible):
    page.goto(site + "/articles/")
    assert page.locator("article.card").count() == 5
    assert_accessible(page, "article-list")
    page.get_by_label("Outlet").select_option(label="Rudaw")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"/articles/\?.*source=rudaw"))
    cards = page.locator("article.card")
    assert cards.count() == 3
    for i in range(cards.count()):
        assert "Rudaw" in cards.nth(i).locator(".meta").inner_text()
    assert page.get_by_role("heading", name="3 matching articles").is_visible()
    assert_accessible(page, "article-list-filtered")
    page.get_by_role("link", name="Clear filters").click()
    assert page.locator("article.card").count() == 5


def test_quote_search_by_speaker(page, site, assert_accessible):
    page.goto(site + "/quotes/")
    page.get_by_label("Speaker").fill("Jens Stoltenberg")  # a name, an alias or a slug: a text box, not a list
    page.get_by_label("Words").fill("Iraq")
    page.get_by_role("button", name="Search quotes").click()
    page.wait_for_url(re.compile(r"/quotes/\?.*speaker=Jens"))  # the results of the search, not the page before it
    captions = page.locator("figure.quote-card figcaption")
    assert captions.count() >= 1
    for i in range(captions.count()):
        assert "Jens Stoltenberg" in captions.nth(i).inner_text()
    assert_accessible(page, "quotes")


PHONE_PAGES = [
    "/",
    "/articles/",
    "/articles/kadhimi-calls-for-expansion-of-partnership-with-nato/",
    "/people/",
    "/people/jens-stoltenberg/",
    "/sources/rudaw/",
    "/quotes/",
    "/search/?q=NATO",
    "/no-such-page/",
]


def test_narrow_layout_at_375px(phone, site, assert_accessible):
    """At phone width nothing scrolls sideways, the navigation stays reachable, and axe finds nothing serious."""
    paths = [*PHONE_PAGES, "/timeline/"]
    for path in paths:
        phone.goto(site + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width}px wide"
        nav = phone.get_by_role("navigation", name="Main")
        for name in ("Home", "Articles", "People", "Quotes", "Timeline", "Search"):
            box = nav.get_by_role("link", name=name, exact=True).bounding_box()
            assert box is not None, (path, name)
            assert box["x"] >= 0, (path, name)
            assert box["x"] + box["width"] <= 375, (path, name)
        if path == "/no-such-page/":
            phone.console_errors.clear()  # Chromium logs the 404 status of the page itself
        assert_accessible(phone, "phone-" + (re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"))


def test_keyboard_focus_is_visible(page, site):
    page.goto(site + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible()
    outline = skip.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline not in ("none", "")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"


def test_pages_carry_the_security_headers(page, site):
    response = page.goto(site + "/articles/")
    headers = response.headers
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    raw = page.goto(site + "/articles/kadhimi-calls-for-expansion-of-partnership-with-nato/raw/")
    assert raw.headers["content-type"] == "text/plain; charset=utf-8"
