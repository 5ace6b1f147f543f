"""RSS and Atom feeds: they parse, list only published articles, and respect each outlet's display policy."""

from __future__ import annotations

import hashlib
from datetime import date

import feedparser
import pytest

from articles.models import Article, Mention, Person, Quote, Source

SCRIPT = "<script>alert('x')</script>"


def make_article(slug: str, *, source: Source | None, body: str, **fields) -> Article:
    defaults = {
        "title": slug.replace("-", " ").title(),
        "status": Article.Status.PUBLISHED,
        "published_on": date(2020, 2, 12),
        "published_origin": "text",
        "published_precision": "day",
    }
    defaults.update(fields)
    return Article.objects.create(
        slug=slug,
        source=source,
        body=body,
        raw_text=body,
        sha256=hashlib.sha256(slug.encode()).hexdigest(),
        original_filename=f"{slug}.txt",
        **defaults,
    )


@pytest.fixture
def feeds_archive(db):
    full = Source.objects.create(name="Daily Full", slug="daily-full")
    excerpt = Source.objects.create(name="Excerpt Times", slug="excerpt-times", display_policy="excerpt")
    meta = Source.objects.create(name="Metadata Post", slug="metadata-post", display_policy="metadata")
    jens = Person.objects.create(name="Jens Stoltenberg", slug="jens-stoltenberg")
    author = Person.objects.create(name="Mohammad Ghazal", slug="mohammad-ghazal")
    Person.objects.create(name="J. Stoltenberg", slug="j-stoltenberg", merged_into=jens)

    quoted = make_article(
        "nato-stays", source=full, body="“We stay,” said Stoltenberg. Full text to the end.", tags=["NATO"]
    )
    quoted.authors.add(author)
    Quote.objects.create(article=quoted, text="We stay", speaker=jens, start=1, end=8, raw_start=1, raw_end=8)
    named = make_article("stoltenberg-named", source=excerpt, body="Opening words. " + "More filler. " * 80 + "SECRET")
    Mention.objects.create(
        article=named, person=jens, text="Opening", start=0, end=7, raw_start=0, raw_end=7
    )  # a mention is enough for the person's feed
    make_article("metadata-only", source=meta, body="Words the outlet forbids.")
    make_article("hostile", source=full, title=f"Title {SCRIPT}", body=f"Body {SCRIPT} end.")
    make_article("undated", source=None, body="No date.", published_on=None, published_precision="")
    make_article("draft", source=full, body="Draft.", status=Article.Status.DRAFT)
    make_article("gone", source=full, body="Gone.", status=Article.Status.WITHDRAWN, withdrawn_reason="Retracted.")
    return {"jens": jens}


def parse(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.content)
    assert not feed.bozo, (url, feed.get("bozo_exception"))
    return response, feed


def by_link(feed) -> dict:
    return {entry.link.removeprefix("http://testserver"): entry for entry in feed.entries}


@pytest.mark.parametrize(("url", "version"), [("/feeds/articles.rss", "rss20"), ("/feeds/articles.atom", "atom10")])
def test_site_feeds_parse_and_list_only_published_articles(client, feeds_archive, url, version):
    response, feed = parse(client, url)
    assert feed.version == version
    assert feed.feed.title == "newsarchive: new articles"
    links = set(by_link(feed))
    assert links == {
        "/articles/nato-stays/",
        "/articles/stoltenberg-named/",
        "/articles/metadata-only/",
        "/articles/hostile/",
        "/articles/undated/",
    }


def test_feed_items_carry_dates_authors_and_categories(client, feeds_archive):
    _, feed = parse(client, "/feeds/articles.atom")
    entry = by_link(feed)["/articles/nato-stays/"]
    assert entry.published_parsed[:3] == (2020, 2, 12)
    assert entry.author == "Mohammad Ghazal"
    assert [t.term for t in entry.tags] == ["NATO"]
    assert by_link(feed)["/articles/undated/"].published_parsed is not None  # falls back to when it was added


def test_feeds_respect_display_policy(client, feeds_archive):
    for url in ("/feeds/articles.rss", "/feeds/articles.atom"):
        _, feed = parse(client, url)
        entries = by_link(feed)
        assert "Full text to the end." in entries["/articles/nato-stays/"].summary
        excerpt = entries["/articles/stoltenberg-named/"].summary
        assert "Opening words." in excerpt
        assert "SECRET" not in excerpt
        assert "An excerpt is shown under Excerpt Times" in excerpt
        metadata = entries["/articles/metadata-only/"].summary
        assert "forbids" not in metadata
        assert "Only the headline and details" in metadata


def test_feeds_escape_markup_from_articles(client, feeds_archive):
    response, feed = parse(client, "/feeds/articles.rss")
    assert SCRIPT not in response.content.decode()
    entry = by_link(feed)["/articles/hostile/"]
    assert entry.title == f"Title {SCRIPT}"  # the title is text, shown as such by readers
    # The description is HTML: the article's markup arrives as text in it, never as an element.
    assert "&lt;script&gt;" in entry.summary
    assert "<script>" not in entry.summary


def test_source_feed_lists_that_outlets_articles(client, feeds_archive):
    _, feed = parse(client, "/sources/daily-full/feed/")
    assert set(by_link(feed)) == {"/articles/nato-stays/", "/articles/hostile/"}
    assert feed.feed.title == "newsarchive: Daily Full"
    _, atom = parse(client, "/sources/daily-full/feed/atom/")
    assert atom.version == "atom10"
    assert client.get("/sources/nope/feed/").status_code == 404


def test_person_feed_lists_articles_quoting_or_naming_them(client, feeds_archive):
    _, feed = parse(client, "/people/jens-stoltenberg/feed/")
    assert set(by_link(feed)) == {"/articles/nato-stays/", "/articles/stoltenberg-named/"}
    _, author_feed = parse(client, "/people/mohammad-ghazal/feed/atom/")
    assert set(by_link(author_feed)) == {"/articles/nato-stays/"}
    _, merged = parse(client, "/people/j-stoltenberg/feed/")  # a merged name's feed follows the survivor
    assert set(by_link(merged)) == {"/articles/nato-stays/", "/articles/stoltenberg-named/"}
    assert client.get("/people/nobody/feed/").status_code == 404
