"""The public pages: what a reader sees on each page and filter, and what they must never see."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.db import connection
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from articles.models import Alias, Article, DatedMention, Mention, Person, Quote, Source, Story
from timeline.models import Event, EventMention

SCRIPT = "<script>alert('x')</script>"
STOLTENBERG_WORDS = "We will train the trainers as long as necessary"


def make_article(*, slug: str, body: str, source: Source | None = None, **fields) -> Article:
    """A published article whose raw text is its body (spans then share offsets)."""
    raw = fields.pop("raw_text", body)
    defaults = {
        "title": slug.replace("-", " ").title(),
        "status": Article.Status.PUBLISHED,
        "published_on": date(2020, 2, 12),
        "published_origin": "text",
        "published_precision": "day",
        "original_filename": f"{slug}.txt",
    }
    defaults.update(fields)
    if defaults["published_on"] is None:
        defaults["published_precision"] = ""
    return Article.objects.create(
        slug=slug, body=body, raw_text=raw, sha256=hashlib.sha256(slug.encode()).hexdigest(), source=source, **defaults
    )


def add_quote(article: Article, words: str, speaker: Person | None, **fields) -> Quote:
    start = article.body.index(words)
    return Quote.objects.create(
        article=article,
        text=words,
        speaker=speaker,
        start=start,
        end=start + len(words),
        raw_start=start,
        raw_end=start + len(words),
        **fields,
    )


def add_mention(article: Article, person: Person, words: str) -> Mention:
    start = article.body.index(words)
    end = start + len(words)
    return Mention.objects.create(
        article=article, person=person, text=words, start=start, end=end, raw_start=start, raw_end=end
    )


@pytest.fixture
def archive(db):
    """A small archive: three outlets (one per display policy), people, quotes, an event, a story, and the
    articles readers must never see (a draft, a withdrawn one)."""
    full = Source.objects.create(name="Daily Full", slug="daily-full", homepage="https://full.example")
    excerpt = Source.objects.create(name="Excerpt Times", slug="excerpt-times", display_policy="excerpt")
    meta = Source.objects.create(name="Metadata Post", slug="metadata-post", display_policy="metadata")

    jens = Person.objects.create(name="Jens Stoltenberg", slug="jens-stoltenberg", roles=["NATO Secretary General"])
    Alias.objects.create(person=jens, name="Stoltenberg", normalized="stoltenberg")
    old = Person.objects.create(name="J. Stoltenberg", slug="j-stoltenberg", merged_into=jens)
    abadi = Person.objects.create(name="Haider al-Abadi", slug="haider-al-abadi", roles=["Prime Minister"])
    nato = Person.objects.get(slug="nato")  # reference data (migration 0002)
    author = Person.objects.create(name="Mohammad Ghazal", slug="mohammad-ghazal")

    first = make_article(
        slug="nato-stays-in-iraq",
        title="NATO stays in Iraq",
        source=full,
        published_on=date(2018, 3, 5),
        dateline="BAGHDAD",
        url="https://full.example/2018/03/05/nato/",
        body=(
            f"BAGHDAD - NATO's chief said in Baghdad on Monday the alliance stays.\n\n"
            f"“{STOLTENBERG_WORDS},” Stoltenberg said.\n\n"
            f"Abadi welcomed the visit. “Cooperation with NATO is important,” Abadi said."
        ),
        tags=["NATO", "Iraq"],
    )
    first.authors.add(author)
    q1 = add_quote(first, STOLTENBERG_WORDS, jens)
    q_abadi = add_quote(first, "Cooperation with NATO is important", abadi, status="verified")
    add_mention(first, jens, "Stoltenberg")
    add_mention(first, nato, "NATO")
    mention = DatedMention.objects.create(
        article=first,
        expression="on Monday",
        date=date(2018, 3, 5),
        precision="day",
        sentence="NATO's chief said in Baghdad on Monday the alliance stays.",
        start=40,
        end=49,
        raw_start=40,
        raw_end=49,
    )
    event = Event.objects.create(date=date(2018, 3, 5), precision="day", title="Stoltenberg visits Baghdad")
    EventMention.objects.create(event=event, dated_mention=mention)

    second = make_article(
        slug="nato-steps-up-support",
        title="NATO steps up support",
        source=full,
        published_on=date(2020, 2, 12),
        body=f"BRUSSELS - Again: “{STOLTENBERG_WORDS}.” said Stoltenberg, and “The mission grows,” he added.",
    )
    q2 = add_quote(second, STOLTENBERG_WORDS, old)  # spoken by the merged name: shown under the survivor
    q3 = add_quote(second, "The mission grows", jens)

    undated = make_article(
        slug="undated-report", title="An undated report", source=None, published_on=None, body="No date anywhere."
    )
    inferred = make_article(
        slug="inferred-report",
        title="An inferred report",
        source=full,
        published_on=date(2019, 7, 1),
        published_origin="inferred",
        published_precision="month",
        body="Written some time in July.",
    )
    long_body = "Opening paragraph of the excerpt outlet.\n\n" + ("Filler sentence of the article. " * 40)
    long_body += "\n\nThe final secret paragraph says “Hidden words of Abadi” at the end."
    excerpted = make_article(slug="excerpt-story", title="Excerpt story", source=excerpt, body=long_body)
    add_quote(excerpted, "Hidden words of Abadi", abadi)
    metadata = make_article(
        slug="metadata-story",
        title="Metadata story",
        source=meta,
        body="Body text the outlet forbids us to show. “Forbidden quote of Abadi” it ends.",
    )
    add_quote(metadata, "Forbidden quote of Abadi", abadi)
    hostile = make_article(
        slug="hostile-markup",
        title=f"Headline with {SCRIPT}",
        source=full,
        published_on=date(2019, 1, 2),
        body=f"Body with {SCRIPT} in it. “Quote with {SCRIPT} inside” said Abadi.",
    )
    add_quote(hostile, f"Quote with {SCRIPT} inside", abadi)
    draft = make_article(slug="draft-story", title="Draft story", status=Article.Status.DRAFT, body="Not yet.")
    withdrawn = make_article(
        slug="withdrawn-story",
        title="Withdrawn story",
        source=full,
        status=Article.Status.WITHDRAWN,
        withdrawn_reason="The outlet retracted it on 3 April.",
        body="Retracted words. “Retracted quote” he said.",
    )
    add_quote(withdrawn, "Retracted quote", jens)
    story = Story.objects.create(title="NATO in Iraq", slug="nato-in-iraq")
    story.articles.add(first, second, draft)
    return {
        "full": full,
        "excerpt": excerpt,
        "meta": meta,
        "jens": jens,
        "old": old,
        "abadi": abadi,
        "nato": nato,
        "author": author,
        "first": first,
        "second": second,
        "undated": undated,
        "inferred": inferred,
        "excerpted": excerpted,
        "metadata": metadata,
        "hostile": hostile,
        "draft": draft,
        "withdrawn": withdrawn,
        "event": event,
        "story": story,
        "quotes": {"q1": q1, "q2": q2, "q3": q3, "abadi": q_abadi},
    }


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def slugs_listed(page: str) -> set[str]:
    return set(re.findall(r'href="/articles/([\w-]+)/"', page))


# ---------------------------------------------------------------- home


def test_home_shows_latest_articles_people_events_and_counts(client, archive):
    page = html(client.get("/"))
    assert "NATO stays in Iraq" in page
    assert "Draft story" not in page
    assert "Withdrawn story" not in page
    assert 'href="/people/jens-stoltenberg/"' in page  # most quoted
    assert "Stoltenberg visits Baghdad" in page
    assert f'href="/timeline/events/{archive["event"].pk}/"' in page  # the event's own page
    assert "Metadata story" in page  # metadata-only articles are listed, just without text
    published = Article.objects.published().count()
    assert f"{published} articles" in page


def test_home_search_box_is_labelled(client, archive):
    page = html(client.get("/"))
    assert '<label for="home-q">' in page
    assert 'id="home-q"' in page


@pytest.mark.parametrize(
    "url", ["/", "/articles/", "/sources/daily-full/", "/people/mohammad-ghazal/", "/search/?q=baghdad"]
)
def test_every_list_shows_an_article_card_with_outlet_date_byline_and_quotes(client, archive, url):
    page = html(client.get(url))
    card = page.split('<a href="/articles/nato-stays-in-iraq/">NATO stays in Iraq</a></h3>')[1].split("</article>")[0]
    assert '<a href="/sources/daily-full/">Daily Full</a>' in card
    assert '<time datetime="2018-03-05">5 March 2018</time>' in card
    assert "· by Mohammad Ghazal" in card
    assert "· 2 quotes" in card


def test_article_cards_say_what_is_unknown_or_inferred(client, archive):
    page = html(client.get("/articles/"))
    undated = page.split('<a href="/articles/undated-report/">An undated report</a></h3>')[1].split("</article>")[0]
    assert "<span>Outlet unknown</span>" in undated
    assert '<span class="label">date unknown</span>' in undated
    assert "· by" not in undated
    assert "quote" not in undated
    inferred = page.split('<a href="/articles/inferred-report/">An inferred report</a></h3>')[1].split("</article>")[0]
    assert '<time datetime="2019-07-01">July 2019</time> <span class="label">date inferred</span>' in inferred
    make_article(slug="no-headline", title="", body="Words.")
    assert '<a href="/articles/no-headline/">(untitled article)</a>' in html(client.get("/articles/"))


# ---------------------------------------------------------------- article list and filters


def test_article_list_shows_only_published_newest_first_undated_last(client, archive):
    page = html(client.get("/articles/"))
    listed = re.findall(r'href="/articles/([\w-]+)/"', page)
    assert "draft-story" not in listed
    assert "withdrawn-story" not in listed
    assert listed.index("nato-steps-up-support") < listed.index("nato-stays-in-iraq")
    assert listed[-1] == "undated-report"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("source=excerpt-times", {"excerpt-story"}),
        ("story=nato-in-iraq", {"nato-stays-in-iraq", "nato-steps-up-support"}),
        ("person=haider-al-abadi", {"nato-stays-in-iraq", "excerpt-story", "hostile-markup", "metadata-story"}),
        ("person=mohammad-ghazal", {"nato-stays-in-iraq"}),
        # The box takes a name or an alias too, as a reader types it.
        ("person=Haider+al-Abadi", {"nato-stays-in-iraq", "excerpt-story", "hostile-markup", "metadata-story"}),
        ("person=stoltenberg", {"nato-stays-in-iraq", "nato-steps-up-support"}),
        ("date_from=2019-01-01&date_to=2019-12-31", {"inferred-report", "hostile-markup"}),
        ("date_from=2020-01-01", {"nato-steps-up-support", "excerpt-story", "metadata-story"}),
        ("q=mission", {"nato-steps-up-support"}),
        ("source=daily-full&date_to=2018-12-31", {"nato-stays-in-iraq"}),
    ],
)
def test_article_list_filters(client, archive, query, expected):
    assert slugs_listed(html(client.get(f"/articles/?{query}"))) == expected


def test_article_list_ignores_invalid_filter_values(client, archive):
    page = html(client.get("/articles/?date_from=not-a-date&source=no-such-outlet&page=999"))
    assert "Enter a valid date" in page or "Select a valid choice" in page
    assert slugs_listed(page)  # a bad value narrows nothing: the last page of every article is shown


def test_article_list_form_controls_are_labelled(client, archive):
    page = html(client.get("/articles/"))
    for name in ("q", "source", "story", "person", "date_from", "date_to"):
        assert f'<label for="id_{name}">' in page
        assert f'id="id_{name}"' in page


def test_article_list_paginates(client, archive):
    for n in range(25):
        make_article(slug=f"bulk-{n:02d}", body="Bulk.", published_on=date(2021, 1, 1 + n))
    first = html(client.get("/articles/"))
    second = html(client.get("/articles/?page=2"))
    assert len(slugs_listed(first)) == 20
    assert 'rel="next"' in first
    assert "Page 1 of 2" in first
    assert slugs_listed(first).isdisjoint(slugs_listed(second))
    filtered = html(client.get("/articles/?source=daily-full&page=1"))
    assert 'rel="next"' not in filtered


def test_a_reader_chooses_the_page_size_from_1_to_100(client, archive):
    for n in range(25):
        make_article(slug=f"bulk-{n:02d}", body="Bulk.", published_on=date(2021, 1, 1 + n))
    one = html(client.get("/articles/?page_size=1"))
    assert len(slugs_listed(one)) == 1
    assert "page_size=1" in one.split('rel="next"')[0].rsplit("href=", 1)[1]  # the next page keeps the size
    assert len(slugs_listed(html(client.get("/articles/?page_size=1000")))) > 20  # capped at 100, all of these
    assert len(slugs_listed(html(client.get("/articles/?page_size=many")))) == 20  # nonsense: the default


# ---------------------------------------------------------------- article page


def test_article_page_highlights_each_quote_with_anchor_and_speaker_link(client, archive):
    page = html(client.get("/articles/nato-stays-in-iraq/"))
    q1, q_abadi = archive["quotes"]["q1"], archive["quotes"]["abadi"]
    assert f'<mark class="quote" id="quote-{q1.pk}">{STOLTENBERG_WORDS}</mark>' in page
    assert re.search(rf'id="quote-{q1.pk}">[^<]*</mark><a class="speaker" href="/people/jens-stoltenberg/"', page)
    assert re.search(rf'id="quote-{q_abadi.pk}">[^<]*</mark><a class="speaker" href="/people/haider-al-abadi/"', page)
    assert "verified" in page


def test_article_page_metadata_mentions_events_and_raw_link(client, archive):
    page = html(client.get("/articles/nato-stays-in-iraq/"))
    assert "<h1" in page
    assert "NATO stays in Iraq</h1>" in page
    assert 'href="/sources/daily-full/">Daily Full</a>' in page
    assert 'href="/people/mohammad-ghazal/">Mohammad Ghazal</a>' in page
    assert '<time datetime="2018-03-05">5 March 2018</time>' in page
    assert "BAGHDAD" in page
    assert 'href="/people/nato/">NATO</a>' in page  # organisations mentioned
    assert "Stoltenberg visits Baghdad" in page
    assert f'href="/timeline/events/{archive["event"].pk}/"' in page
    assert 'href="/articles/nato-stays-in-iraq/raw/"' in page
    assert 'href="/articles/?story=nato-in-iraq"' in page


def test_article_page_names_merged_people_as_the_person_they_now_are(client, archive):
    second, old, jens = archive["second"], archive["old"], archive["jens"]
    add_mention(second, old, "Stoltenberg")
    add_mention(second, jens, "Stoltenberg, and")
    add_mention(second, archive["abadi"], "BRUSSELS")
    second.authors.add(old)
    page = html(client.get("/articles/nato-steps-up-support/"))
    q2 = archive["quotes"]["q2"]
    assert re.search(rf'id="quote-{q2.pk}">[^<]*</mark><a class="speaker" href="/people/jens-stoltenberg/"', page)
    assert "J. Stoltenberg" not in page
    mentioned = page.split('id="mentions-heading"')[1].split("</section>")[0]
    # Named twice (once under the merged name), so listed once and before the person named once.
    assert mentioned.count('href="/people/jens-stoltenberg/"') == 1
    assert mentioned.index("Jens Stoltenberg") < mentioned.index("Haider al-Abadi")
    assert '<dt>Byline</dt>\n      <dd><a href="/people/jens-stoltenberg/">Jens Stoltenberg</a></dd>' in page
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert data["author"] == [
        {"@type": "Person", "name": "Jens Stoltenberg", "url": "http://testserver/people/jens-stoltenberg/"}
    ]


def test_article_page_canonical_link_and_json_ld(client, archive):
    page = html(client.get("/articles/nato-stays-in-iraq/"))
    assert '<link rel="canonical" href="http://testserver/articles/nato-stays-in-iraq/">' in page
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    data = json.loads(block)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "NATO stays in Iraq"
    assert data["datePublished"] == "2018-03-05"
    assert data["author"] == [
        {"@type": "Person", "name": "Mohammad Ghazal", "url": "http://testserver/people/mohammad-ghazal/"}
    ]
    assert data["publisher"] == {"@type": "Organization", "name": "Daily Full", "url": "https://full.example"}


def test_article_json_ld_omits_unknown_date_and_escapes_markup(client, archive):
    page = html(client.get("/articles/undated-report/"))
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert "datePublished" not in data
    assert data["headline"] == "An undated report"
    hostile = html(client.get("/articles/hostile-markup/"))
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', hostile, re.S).group(1)
    assert "<" not in block  # "</script>" in the headline cannot close the element
    assert json.loads(block)["headline"] == f"Headline with {SCRIPT}"


def test_article_date_labels(client, archive):
    assert '<span class="label">date unknown</span>' in html(client.get("/articles/undated-report/"))
    inferred = html(client.get("/articles/inferred-report/"))
    assert "July 2019" in inferred
    assert '<span class="label">date inferred</span>' in inferred
    plain = html(client.get("/articles/nato-stays-in-iraq/"))
    assert "date unknown" not in plain
    assert "date inferred" not in plain
    assert "date unknown" in html(client.get("/articles/"))  # the list says it too


def test_raw_text_is_served_as_plain_text_exactly(client, archive):
    response = client.get("/articles/hostile-markup/raw/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.decode() == archive["hostile"].raw_text


def test_markup_in_article_text_is_escaped_everywhere(client, archive):
    urls = [
        "/",
        "/articles/",
        "/articles/hostile-markup/",
        "/people/haider-al-abadi/",
        "/quotes/",
        "/quotes/?q=inside",
        "/search/?q=inside",
        "/search/?q=headline",
        "/sources/daily-full/",
    ]
    for url in urls:
        page = html(client.get(url))
        assert SCRIPT not in page, url
    page = html(client.get("/articles/hostile-markup/"))
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_draft_is_not_found_and_withdrawn_answers_410_with_reason(client, archive):
    assert client.get("/articles/draft-story/").status_code == 404
    assert client.get("/articles/draft-story/raw/").status_code == 404
    response = client.get("/articles/withdrawn-story/")
    assert response.status_code == 410
    page = response.content.decode()
    assert "The outlet retracted it on 3 April." in page
    assert "Retracted words" not in page
    assert client.get("/articles/withdrawn-story/raw/").status_code == 410
    assert client.get("/articles/no-such-article/").status_code == 404


def test_renamed_article_slug_redirects_permanently(client, archive):
    article = archive["inferred"]
    article.slug = "inferred-report-renamed"
    article.save()
    response = client.get("/articles/inferred-report/")
    assert response.status_code == 301
    assert response["Location"] == "/articles/inferred-report-renamed/"


# ---------------------------------------------------------------- display policy


def test_excerpt_policy_shows_only_the_opening(client, archive):
    page = html(client.get("/articles/excerpt-story/"))
    assert "Opening paragraph of the excerpt outlet." in page
    assert "final secret paragraph" not in page
    assert "An excerpt, under Excerpt Times" in page
    assert "/articles/excerpt-story/raw/" not in page
    assert client.get("/articles/excerpt-story/raw/").status_code == 403
    # Its quote lies beyond the excerpt: listed on its own, still anchored.
    assert "Hidden words of Abadi" in page
    assert 'id="quote-' in page


def test_metadata_policy_shows_no_words_of_the_article(client, archive):
    page = html(client.get("/articles/metadata-story/"))
    assert "Metadata story" in page
    assert "Metadata Post" in page
    assert "forbids us to show" not in page
    assert "Forbidden quote" not in page
    assert client.get("/articles/metadata-story/raw/").status_code == 403
    for url in ("/people/haider-al-abadi/", "/quotes/", "/quotes/?q=forbidden", "/search/?q=forbidden"):
        assert "Forbidden quote" not in html(client.get(url)), url


# ---------------------------------------------------------------- people


def test_person_page_roles_aliases_statements_in_date_order(client, archive):
    page = html(client.get("/people/jens-stoltenberg/"))
    assert "<h1>Jens Stoltenberg</h1>" in page
    assert "NATO Secretary General" in page
    assert "Stoltenberg" in page
    # The same words in two articles are one statement reported by both, dated by the earliest.
    assert page.count(f"<p>{STOLTENBERG_WORDS}</p>") == 1
    assert "Reported by 2 articles" in page
    q1, q2, q3 = (archive["quotes"][k] for k in ("q1", "q2", "q3"))
    assert f'/articles/nato-stays-in-iraq/#quote-{q1.pk}"' in page
    assert f'/articles/nato-steps-up-support/#quote-{q2.pk}"' in page
    assert page.index(STOLTENBERG_WORDS) < page.index("The mission grows")
    assert "Retracted quote" not in page  # withdrawn article
    reports = page.split('id="statements-heading"')[1].split("</section>")[0]
    assert (
        f'#quote-{q1.pk}">NATO stays in Iraq</a>, Daily Full, <time datetime="2018-03-05">5 March 2018</time>'
        in reports
    )
    abadi = html(client.get("/people/haider-al-abadi/"))
    verified = archive["quotes"]["abadi"].pk
    assert re.search(
        rf'#quote-{verified}">[^<]*</a>[^<]*<time[^>]*>[^<]*</time> <span class="label label-ok">verified', abadi
    )


def test_person_page_shows_statements_a_page_at_a_time_and_the_chart_counts_them_all(client, archive, monkeypatch):
    from articles import views

    monkeypatch.setattr(views, "STATEMENTS_PER_PAGE", 1)
    first = html(client.get("/people/jens-stoltenberg/"))
    assert "Statements (2)" in first
    assert STOLTENBERG_WORDS in first
    assert "The mission grows" not in first.split('id="statements-heading"')[1].split("</section>")[0]
    assert 'href="?page=2" rel="next"' in first
    assert "3 dated quotes, March 2018 to February 2020" in first  # the chart counts every statement's quotes
    second = html(client.get("/people/jens-stoltenberg/?page=2"))
    assert "Statements (2)" in second
    assert "The mission grows" in second
    assert f"<p>{STOLTENBERG_WORDS}</p>" not in second


def test_person_page_chart_of_quotes_per_month(client, archive):
    page = html(client.get("/people/jens-stoltenberg/"))
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg
    assert "<title" in svg
    assert svg.count('<rect class="bar"') == 2  # March 2018 and February 2020
    assert "February 2020: 2" in svg
    assert "March 2018: 1" in svg
    assert "April 2019: 0" in svg  # empty months are drawn, as gaps
    assert "3 dated quotes, March 2018 to February 2020" in page
    table = re.search(r"<tbody>.*?</tbody>", page.split('id="chart-heading"')[1], re.S).group(0)
    # The numbers: a row per month with a quote, in order; the empty months only in the drawing.
    assert table == (
        '<tbody><tr><th scope="row">March 2018</th><td class="num">1</td></tr>'
        '<tr><th scope="row">February 2020</th><td class="num">2</td></tr></tbody>'
    )


def test_merged_person_redirects_permanently_to_survivor(client, archive):
    response = client.get("/people/j-stoltenberg/")
    assert response.status_code == 301
    assert response["Location"] == "/people/jens-stoltenberg/"


def test_renamed_person_old_slug_redirects_permanently(client, archive):
    abadi = archive["abadi"]
    abadi.slug = "haider-al-abadi-pm"
    abadi.save()
    response = client.get("/people/haider-al-abadi/")
    assert response.status_code == 301
    assert response["Location"] == "/people/haider-al-abadi-pm/"
    assert client.get("/people/nobody-ever/").status_code == 404


def test_person_list_most_quoted_first_and_filter_by_kind(client, archive):
    page = html(client.get("/people/"))
    assert page.index("Jens Stoltenberg") < page.index("NATO</a>")
    assert "J. Stoltenberg" not in page  # merged
    organisations = html(client.get("/people/?kind=organisation"))
    assert "NATO" in organisations
    assert "Jens Stoltenberg" not in organisations


# ---------------------------------------------------------------- sources, quotes, search


def test_source_page_lists_its_published_articles(client, archive):
    page = html(client.get("/sources/daily-full/"))
    assert slugs_listed(page) == {"nato-stays-in-iraq", "nato-steps-up-support", "inferred-report", "hostile-markup"}
    assert 'href="/sources/daily-full/feed/"' in page
    assert client.get("/sources/no-such-outlet/").status_code == 404
    outlets = html(client.get("/sources/"))
    assert "Daily Full" in outlets
    assert "Metadata Post" in outlets


def test_quote_search_by_words_and_speaker(client, archive):
    page = html(client.get("/quotes/?q=trainers"))
    assert STOLTENBERG_WORDS in page
    assert "The mission grows" not in page
    page = html(client.get("/quotes/?speaker=haider-al-abadi"))
    assert "Cooperation with NATO is important" in page
    assert STOLTENBERG_WORDS not in page
    page = html(client.get("/quotes/?q=mission&speaker=haider-al-abadi"))
    assert "0 quotes" in page
    everything = html(client.get("/quotes/"))
    assert "Retracted quote" not in everything
    assert '<label for="id_speaker">' in everything


def test_quote_search_takes_a_speakers_name_and_says_when_nobody_has_it(client, archive):
    page = html(client.get("/quotes/?speaker=Haider+al-Abadi"))
    assert "Cooperation with NATO is important" in page
    assert STOLTENBERG_WORDS not in page
    assert '<input type="text" name="speaker" value="Haider al-Abadi"' in page
    unknown = html(client.get("/quotes/?speaker=Nobody+Known"))
    assert "Nobody of that name speaks in the archive." in unknown


def test_search_counts_matches_up_to_a_cap_and_says_there_are_more(client, archive, monkeypatch):
    from newsarchive import views

    everything = html(client.get("/search/?q=NATO"))
    articles = int(re.search(r"Articles \((\d+)\)", everything).group(1))
    assert articles == 2
    monkeypatch.setattr(views, "COUNT_CAP", 1)
    capped = html(client.get("/search/?q=NATO"))
    assert "Articles (more than 1)" in capped
    assert "All matching articles</a>" in capped
    monkeypatch.setattr(views, "COUNT_CAP", 2)
    assert "Articles (2)" in html(client.get("/search/?q=NATO"))  # exactly the cap: no "more than"


def test_search_finds_articles_quotes_and_people(client, archive):
    page = html(client.get("/search/?q=mission"))
    assert "NATO steps up support" in page
    assert "The mission grows" in page
    people = html(client.get("/search/?q=Stoltenberg"))
    assert 'href="/people/jens-stoltenberg/"' in people
    assert "J. Stoltenberg</a>" not in people
    assert "Withdrawn story" not in html(client.get("/search/?q=retracted"))
    assert "Articles (" not in html(client.get("/search/"))


@pytest.mark.parametrize(
    ("cap", "limit", "window"),
    [
        (1000, 20, 1000),  # few matches: all of them read, then sorted
        (1, 1, 1000),  # more than the cap: the newest articles have enough
        (1, 1, 1),  # more than the cap, none among the newest articles: every match's place read
    ],
)
def test_search_shows_the_newest_quotes_first_whatever_the_number_of_matches(
    client, archive, monkeypatch, cap, limit, window
):
    from newsarchive import views

    monkeypatch.setattr(views, "COUNT_CAP", cap)
    monkeypatch.setattr(views, "SEARCH_LIMIT", limit)
    monkeypatch.setattr(views, "NEWEST_WINDOW", window)
    page = html(client.get("/search/?q=trainers"))
    quotes = page.split('id="quotes-heading"')[1].split("</section>")[0]
    q1, q2 = archive["quotes"]["q1"], archive["quotes"]["q2"]
    shown = re.findall(r'href="/articles/[\w-]+/#quote-(\d+)"', quotes)
    assert shown == ([str(q2.pk), str(q1.pk)] if limit > 1 else [str(q2.pk)])  # 2020 before 2018
    assert "Newest first" in quotes
    if limit == 1:  # more than shown: the full list, ranked
        assert "matching quotes, best match first</a>" in quotes


@pytest.mark.postgres
def test_search_uses_postgres_full_text_with_stemming(client, archive):
    assert connection.vendor == "postgresql"
    # "trained" and "trainer" share the stem of "trainers": a substring match would miss them.
    page = html(client.get("/search/?q=trainer"))
    assert STOLTENBERG_WORDS in page
    assert "NATO stays in Iraq" in page


# ---------------------------------------------------------------- sitemap, robots, headers, errors


def test_sitemap_lists_published_articles_and_nothing_withdrawn(client, archive):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    locs = set(re.findall(r"<loc>http://testserver(.*?)</loc>", response.content.decode()))
    for article in Article.objects.published():
        assert article.get_absolute_url() in locs
    assert "/articles/withdrawn-story/" not in locs
    assert "/articles/draft-story/" not in locs
    assert "/people/jens-stoltenberg/" in locs
    assert "/people/j-stoltenberg/" not in locs
    assert "/sources/daily-full/" in locs


def test_robots_txt_points_to_the_sitemap(client, archive):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "Disallow: /admin/" in text
    assert "Sitemap: http://testserver/sitemap.xml" in text


def test_security_headers(client, archive):
    response = client.get("/articles/nato-stays-in-iraq/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "script-src 'self'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    # No inline style or script in our pages: the policy would block them.
    page = response.content.decode()
    assert " style=" not in page
    assert "<style" not in page
    assert re.findall(r"<script(?![^>]*application/ld\+json)", page) == []


def test_custom_404_page(client, archive):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert '<nav aria-label="Main">' in page


def test_custom_500_page(client, archive):
    from newsarchive.views import server_error

    response = server_error(None)
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_every_page_has_landmarks_and_one_h1(client, archive):
    urls = [
        "/",
        "/articles/",
        "/articles/nato-stays-in-iraq/",
        "/people/",
        "/people/jens-stoltenberg/",
        "/sources/",
        "/sources/daily-full/",
        "/quotes/",
        "/search/?q=nato",
    ]
    for url in urls:
        page = html(client.get(url))
        assert page.count("<h1") == 1, url
        for landmark in ("<header", "<main", "<footer", '<nav aria-label="Main">'):
            assert landmark in page, (url, landmark)
        assert '<html lang="en">' in page, url


# ---------------------------------------------------------------- the seeded archive: no dead links


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if attrs.get("id"):
            self.ids.add(attrs["id"])


def test_seeded_site_has_no_dead_links(client, seeded):
    """From the home page, every page and every #anchor a reader can reach exists (the timeline if it exists)."""
    try:
        reverse("timeline:index")
        timeline = True
    except NoReverseMatch:
        timeline = False
    todo, seen, anchors = ["/"], set(), {}
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        if not response["Content-Type"].startswith("text/html"):
            continue
        parser = _Links()
        parser.feed(response.content.decode())
        anchors[url] = parser.ids
        for href in parser.links:
            target = urljoin(url, href)
            parts = urlsplit(target)
            if parts.netloc or parts.scheme in ("mailto", "http", "https"):
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path.startswith(("/admin/", "/api/", "/feeds/", "/sitemap.xml")) or "/feed/" in path:
                continue
            if path.startswith("/timeline/") and not timeline:
                continue
            if "page=" in path or ("?" in path and not path.startswith(("/articles/?story", "/articles/?person"))):
                continue  # filtered lists: their items are reachable elsewhere
            if parts.fragment and parts.fragment.startswith("quote-"):
                anchors.setdefault(("want", path), set()).add(parts.fragment)
            todo.append(path)
    for key, wanted in anchors.items():
        if isinstance(key, tuple):
            assert wanted <= anchors[key[1]], key[1]
    assert any(u.startswith("/people/") and u != "/people/" for u in seen)
    assert sum(1 for u in seen if u.startswith("/articles/") and u.count("/") == 3) == 5


# ---------------------------------------------------------------- pages at archive scale: what they read


def _articles_section(page: str) -> list[str]:
    section = page.split('id="articles-heading"')[1].split("</section>")[0]
    return re.findall(r'<h3 class="card-title"><a href="/articles/([\w-]+)/"', section)


def test_person_page_lists_their_newest_articles_however_they_name_them(client, archive, monkeypatch):
    """Quoted (whatever the outlet shows), named or written: the first cards in the cards' order, date ties included."""
    from articles import presentation, views

    jens, old, meta = archive["jens"], archive["old"], archive["meta"]
    day = date(2021, 5, 1)
    # Four on one date (ordered by when they were added), an older one, undated ones, and one quoted only under
    # the merged name (not listed: person_articles() lists the person's own).
    for n in range(4):
        add_quote(make_article(slug=f"same-day-{n}", body=f"Tie {n} words.", published_on=day), f"Tie {n} words", jens)
    # The first one's row says it was added last: the cards order it first of its date, before later ids.
    Article.objects.filter(slug="same-day-0").update(created_at=timezone.now() + timedelta(hours=1))
    add_quote(make_article(slug="older", body="Older words.", published_on=date(2015, 1, 1)), "Older words", jens)
    for n in range(2):
        add_quote(make_article(slug=f"no-date-{n}", body=f"Undated {n}.", published_on=None), f"Undated {n}", jens)
    add_quote(
        make_article(slug="merged-only", body="Merged words.", published_on=date(2022, 1, 1)), "Merged words", old
    )
    hidden = make_article(slug="metadata-quote", body="Hidden words.", source=meta, published_on=date(2021, 6, 1))
    add_quote(hidden, "Hidden words", jens)
    add_mention(make_article(slug="names-him", body="Jens again.", published_on=date(2021, 5, 1)), jens, "Jens")
    make_article(slug="by-him", body="His op-ed.", published_on=date(2023, 1, 1)).authors.add(jens)
    rejected = make_article(slug="rejected-only", body="Unsaid words.", published_on=date(2024, 1, 1))
    add_quote(rejected, "Unsaid words", jens, status="rejected")

    def expected(count: int) -> list[str]:
        cards = presentation.ArticleCards(presentation.person_articles(jens))[:count]
        return [card.url.strip("/").split("/")[-1] for card in cards]

    for count in (1, 2, 3, 4, 5, 7, 20):
        monkeypatch.setattr(views, "PERSON_ARTICLES", count)
        listed = _articles_section(html(client.get("/people/jens-stoltenberg/")))
        assert listed == expected(count), count
    assert listed[:3] == ["by-him", "metadata-quote", "same-day-0"]
    assert "merged-only" not in listed
    assert "rejected-only" not in listed
    assert listed[-2:] == ["no-date-1", "no-date-0"]  # undated last
    # Never quoted, only named or writing.
    assert _articles_section(html(client.get("/people/nato/"))) == ["nato-stays-in-iraq"]
    assert _articles_section(html(client.get("/people/mohammad-ghazal/"))) == ["nato-stays-in-iraq"]


def test_person_page_statements_keep_their_order_among_equal_dates(client, archive, monkeypatch):
    """Statements of one date are ordered by where their words stand, then as the quotes are read (newest first);
    the words are one statement whatever their case and spacing."""
    from articles import views

    abadi = archive["abadi"]
    day = date(2017, 6, 1)
    one = make_article(slug="one", body="Alpha words here. Beta words here.", published_on=day)
    two = make_article(slug="two", body="Gamma words here. ALPHA  words\u00a0HERE.", published_on=day)
    add_quote(one, "Alpha words here", abadi)
    add_quote(one, "Beta words here", abadi)
    add_quote(two, "Gamma words here", abadi)
    add_quote(two, "ALPHA  words\u00a0HERE", abadi)
    page = html(client.get("/people/haider-al-abadi/"))
    statements = re.findall(r"<blockquote><p>(.*?)</p></blockquote>", page)
    assert statements[:3] == ["Gamma words here", "Alpha words here", "Beta words here"]
    assert page.count("words\u00a0HERE") == 0  # one statement: the first article's words
    monkeypatch.setattr(views, "STATEMENTS_PER_PAGE", 2)
    second = html(client.get("/people/haider-al-abadi/?page=2"))
    assert re.findall(r"<blockquote><p>(.*?)</p></blockquote>", second)[0] == "Beta words here"


def test_article_list_filters_offer_outlets_and_stories_with_published_articles(client, archive):
    Source.objects.create(name="Aardvark Drafts", slug="aardvark-drafts")  # no article at all
    drafts_only = Source.objects.create(name="Drafts Only", slug="drafts-only")
    make_article(slug="draft-two", body="Not yet.", source=drafts_only, status=Article.Status.DRAFT)
    Story.objects.create(title="Empty story", slug="empty-story").articles.add(archive["draft"])
    Story.objects.create(title="A later story", slug="a-later-story").articles.add(archive["inferred"])
    page = html(client.get("/articles/"))
    outlets = re.findall(r'<option value="([\w-]*)"', page.split('name="source"')[1].split("</select>")[0])
    stories = re.findall(r'<option value="([\w-]*)"', page.split('name="story"')[1].split("</select>")[0])
    assert outlets == ["", "daily-full", "excerpt-times", "metadata-post"]
    assert stories == ["", "a-later-story", "nato-in-iraq"]
    chosen = html(client.get("/articles/?source=excerpt-times&story=nato-in-iraq"))
    assert '<option value="excerpt-times" selected>' in chosen
    assert '<option value="nato-in-iraq" selected>' in chosen


def test_article_list_filters_as_first_shown_follow_new_outlets_and_match_a_fresh_render(client, archive):
    """The blank filter form is rendered once per set of choices: an outlet's first article shows in it at once,
    and it is the form a fresh render gives."""
    from articles import views

    def outlets(page: str) -> list[str]:
        return re.findall(r'<option value="([\w-]*)"', page.split('name="source"')[1].split("</select>")[0])

    def form(page: str) -> str:
        return re.search(r'<form class="filters".*?</form>', page, re.S).group(0)

    assert outlets(html(client.get("/articles/"))) == ["", "daily-full", "excerpt-times", "metadata-post"]
    newcomer = Source.objects.create(name="Newcomer Gazette", slug="newcomer-gazette")
    make_article(slug="first-of-the-newcomer", body="Its first words.", source=newcomer)
    page = html(client.get("/articles/"))
    assert outlets(page) == ["", "daily-full", "excerpt-times", "metadata-post", "newcomer-gazette"]
    views._blank_filters.cache_clear()
    assert form(html(client.get("/articles/"))) == form(page)
    # A filtered list renders its own form, with the reader's values.
    assert 'value="newcomer-gazette" selected' in form(html(client.get("/articles/?source=newcomer-gazette")))
    assert 'value="newcomer-gazette" selected' not in form(html(client.get("/articles/")))


@pytest.mark.parametrize("url", ["/people/jens-stoltenberg/", "/articles/"])
def test_page_query_count_does_not_grow_with_page_size(client, archive, url):
    from django.test.utils import CaptureQueriesContext

    jens = archive["jens"]
    for n in range(30):
        article = make_article(slug=f"many-{n:02d}", body=f"Words number {n}.", published_on=date(2022, 1, 1 + n % 28))
        add_quote(article, f"Words number {n}", jens)
        article.authors.add(archive["author"])
    counts = []
    for size in (1, 100):
        with CaptureQueriesContext(connection) as queries:
            html(client.get(f"{url}?page_size={size}"))
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.postgres
def test_ranked_cards_follow_the_search_order_with_their_quote_counts(client, db):
    """A search's cards are read in two steps (the page's ids by rank, then their cards): same rows, same order."""
    from django.test.utils import CaptureQueriesContext

    from articles import presentation
    from tests.factories import ArticleFactory, QuoteFactory

    articles = [ArticleFactory(title="Border " + "talks " * i, body="Talks on the border.") for i in range(1, 6)]
    for _ in range(3):
        QuoteFactory(article=articles[1])
    ranked = Article.objects.published().search("talks")
    expected = list(ranked.values_list("slug", flat=True))
    assert len(expected) == 5
    cards = presentation.ArticleCards(ranked)[1:4]
    assert [card.url for card in cards] == [f"/articles/{slug}/" for slug in expected[1:4]]
    assert {card.url: card.quote_count for card in cards}[f"/articles/{articles[1].slug}/"] == 3
    # An article withdrawn between the two reads is left out of the page, not an error.
    withdrawn = ArticleFactory(title="Border talks", body="Talks.", status=Article.Status.WITHDRAWN)
    racing = presentation.ArticleCards(ranked)
    racing.in_order = Article.objects.search("talks")  # the ids as read before the withdrawal
    assert withdrawn.pk in racing.in_order.values_list("pk", flat=True)
    assert len(racing[0:10]) == 5
    # The list pages a search without reading every match's row (Paginator asks the cards whether they are ordered).
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/articles/?q=talks&page_size=2").content.decode()
    assert "5 matching articles" in page
    unbounded = [q["sql"] for q in ctx.captured_queries if "ts_rank" in q["sql"] and "LIMIT" not in q["sql"]]
    assert [sql for sql in unbounded if "COUNT(" not in sql] == []
