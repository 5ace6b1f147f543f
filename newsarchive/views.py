"""Pages that read both apps: the home page and the search across articles, quotes and people; robots.txt."""

from __future__ import annotations

import heapq
from datetime import date

from django.core.cache import cache
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from articles import presentation
from articles.caching import CompiledRows, cached_page
from articles.models import Alias, Article, Person, Quote, Source, Story
from articles.views import NEWEST_QUOTES, article_cards, event_url, published_cards, quote_cards
from timeline.models import Event

SEARCH_LIMIT = 20
# Matches are counted up to this many; beyond it the page says "more than".
COUNT_CAP = 1000
# A common word's newest quotes are looked for first among this many newest articles (about 20 quotes each).
NEWEST_WINDOW = 1000


HOME_STATS_SECONDS = 300
# The home page's newest dated events and its stories: fixed reads, compiled once (see CompiledRows).
HOME_EVENTS = CompiledRows(
    lambda: Event.objects.public().dated().order_by("-date", "-id").values_list("pk", "title", "date", "precision")[:6]
)
HOME_STORIES = CompiledRows(
    lambda: (
        Story.objects.annotate(
            article_count=Count("articles", filter=Q(articles__status=Article.Status.PUBLISHED), distinct=True)
        )
        .filter(article_count__gt=0)
        .order_by("-updated_at")
        .values_list("slug", "title", "article_count")[:6]
    )
)


def _home_stats() -> tuple[list[Person], dict[str, int]]:
    """The most-quoted people and the archive's counts, as the home page shows them."""
    published = Article.objects.published()
    quotes = presentation.visible_quotes()
    # One GROUP BY over the visible quotes, then the eight people: not a count per person over every quote.
    top = list(
        quotes.filter(speaker__in=Person.objects.active())
        .values("speaker_id", "speaker__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "speaker__name")[:8]
    )
    by_id = Person.objects.in_bulk([row["speaker_id"] for row in top])
    people = []
    for row in top:
        person = by_id[row["speaker_id"]]
        person.quote_count = row["n"]
        people.append(person)
    counts = {
        "articles": published.count(),
        "sources": Source.objects.filter(Exists(published.filter(source=OuterRef("pk")))).count(),
        "people": Person.objects.active().filter(Exists(quotes.filter(speaker=OuterRef("pk")))).count(),
        "quotes": quotes.count(),
        "events": Event.objects.public().count(),
    }
    return people, counts


@require_safe
@cached_page
def home(request: HttpRequest) -> HttpResponse:
    """Latest articles, most-quoted people, newest timeline events, stories and the archive's counts."""
    # Archive-wide aggregates cost a scan of every quote: computed at most every HOME_STATS_SECONDS.
    people, counts = cache.get_or_set("home:stats", _home_stats, HOME_STATS_SECONDS)
    person_url = presentation.slug_urls("articles:person")
    for person in people:
        person.url = person_url(person.slug)
    events = [
        {"title": title, "url": event_url(pk), "date_display": presentation.date_display(when, precision)}
        for pk, title, when, precision in HOME_EVENTS.rows()
    ]
    stories = [{"slug": slug, "title": title, "article_count": count} for slug, title, count in HOME_STORIES.rows()]
    context = {
        "latest": published_cards()[:8],
        "people": people,
        "events": events,
        "stories": stories,
        "counts": counts,
    }
    return render(request, "home.html", context)


def capped_count(queryset: QuerySet, *, cap: int) -> tuple[int, bool]:
    """How many rows ``queryset`` has, counting no further than ``cap``; and whether there are more."""
    # A common word matches a good part of the archive: counting every match would cost more than the page.
    count = queryset.order_by().values("pk")[: cap + 1].count()
    return min(count, cap), count > cap


def newest_quotes(matching: QuerySet[Quote], *, limit: int, cap: int) -> tuple[list[Quote], int, bool]:
    """The newest ``limit`` of ``matching`` as quote cards, how many match (up to ``cap``), whether more do.

    Ranking every match costs a second when a word is in half the quotes; newest first can stop early, but
    PostgreSQL cannot tell a common word from a rare one before it reads, and walking every article newest
    first for a word in a few quotes costs seconds. So each of the steps below is bounded whatever the word.
    """
    matching = matching.order_by()
    # 1. Up to cap + 1 matches, as the text index finds them: a word with no more than ``cap`` is all there.
    found = list(matching.values_list("pk", flat=True)[: cap + 1])
    if len(found) <= cap:
        return list(quote_cards(Quote.objects.filter(pk__in=found)).order_by(*NEWEST_QUOTES)[:limit]), len(found), False
    # 2. A common word: its newest quotes are almost always in the newest articles. They are a prefix of the
    # order, so ``limit`` matches there are the newest of all.
    window = (
        Article.objects.published()
        .order_by(F("published_on").desc(nulls_last=True), "-id")
        .values("pk")[:NEWEST_WINDOW]
    )
    quotes = list(quote_cards(matching.filter(article__in=window)).order_by(*NEWEST_QUOTES)[:limit])
    if len(quotes) < limit:
        # 3. A word of older coverage: where every match stands in the order, read in one pass, no sort there.
        places = matching.values_list("pk", "article__published_on", "article_id", "start")
        newest = [pk for pk, *_ in heapq.nsmallest(limit, places, key=_newest_first)]
        quotes = list(quote_cards(Quote.objects.filter(pk__in=newest)).order_by(*NEWEST_QUOTES))
    return quotes, cap, True


def _newest_first(place: tuple[int, date | None, int, int]) -> tuple:
    # NEWEST_QUOTES in Python: dated articles newest first, then undated; the newer article first; text order.
    _pk, published_on, article_id, start = place
    return (published_on is None, -(published_on or date.min).toordinal(), -article_id, start)


@require_safe
@cached_page
def search(request: HttpRequest) -> HttpResponse:
    """One box over articles, quotes and people: full text on PostgreSQL, substring match on SQLite."""
    query = " ".join(request.GET.get("q", "").split())[:200]
    context: dict = {"query": query}
    if query:
        matching_articles = Article.objects.published().search(query)
        articles = article_cards(matching_articles)
        matching_quotes = presentation.visible_quotes(Quote.objects.search(query))
        alias = Alias.objects.filter(person=OuterRef("pk"), name__icontains=query)
        people = (
            presentation.shown_people()
            .filter(Q(name__icontains=query) | Q(Exists(alias)) | Q(roles__icontains=query))
            .order_by("name")
        )
        article_count, more_articles = capped_count(matching_articles, cap=COUNT_CAP)
        quotes, quote_count, more_quotes = newest_quotes(matching_quotes, limit=SEARCH_LIMIT, cap=COUNT_CAP)
        context.update(
            articles=articles[:SEARCH_LIMIT],
            article_count=article_count,
            more_articles=more_articles,
            quotes=quotes,
            quote_count=quote_count,
            more_quotes=more_quotes,
            people=people[:SEARCH_LIMIT],
            person_count=people.count(),
        )
    return render(request, "search.html", context)


@require_safe
@cache_control(max_age=86400, public=True)
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Crawlers may read the public pages, not the admin, the API or search results; the sitemap lists the pages."""
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /api/",
        "Disallow: /search/",
        "Allow: /",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The custom 404 page, rendered with the request so the navigation works."""
    return HttpResponseNotFound(loader.render_to_string("404.html", {}, request=request))


def server_error(request: HttpRequest) -> HttpResponse:
    """The custom 500 page; rendered without context processors, which may be what failed."""
    return HttpResponseServerError(loader.get_template("500.html").render())
