"""The floor for API and page latency: bare Django views, same filters, same rows, from .values().

Never tuned to make a goal easier: each view applies the filter its endpoint
applies and returns the rows a page of that endpoint returns, related rows
included (an article's authors and stories, an event's reports), each kind
read with one .values() query as a prefetch would. Visibility uses the
models' own read rules (public events, visible quotes), as the endpoints do.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Count, Exists, F, OuterRef, Q, Window
from django.db.models.functions import RowNumber
from django.http import JsonResponse
from django.urls import path

from articles.models import Alias, Article, DatedMention, Mention, Person, Quote
from articles.presentation import shown_people, visible_quotes
from timeline.models import Event, EventMention, reading_order

PAGE = 20
# The search page counts matches up to this many (newsarchive.views.COUNT_CAP).
SEARCH_COUNT_CAP = 1000
# Events in the TimelineJS feed.
FEED_EVENTS = 500
ARTICLE_FIELDS = (
    "id",
    "slug",
    "title",
    "published_on",
    "published_precision",
    "published_origin",
    "source__slug",
    "source__name",
    "dateline",
    "tags",
    "language",
    "status",
    "version",
    "created_at",
    "updated_at",
)
# Reports embedded per event in lists and the feed, as the events API embeds them.
REPORTS_PER_EVENT = 5
# The timeline page: events a page, reports shown per event.
TIMELINE_PAGE = 50
TIMELINE_REPORTS = 3


def _with_related(rows: list[dict]) -> list[dict]:
    """Adds each article's authors and stories, one query each."""
    ids = [row["id"] for row in rows]
    authors: dict[int, list] = {i: [] for i in ids}
    for author in Article.authors.through.objects.filter(article_id__in=ids).values(
        "article_id", "person__slug", "person__name"
    ):
        authors[author["article_id"]].append(author)
    stories: dict[int, list] = {i: [] for i in ids}
    for story in Article.stories.through.objects.filter(article_id__in=ids).values(
        "article_id", "story__slug", "story__title"
    ):
        stories[story["article_id"]].append(story)
    return [{**row, "authors": authors[row["id"]], "stories": stories[row["id"]]} for row in rows]


def _with_reports(rows: list[dict], *, shown: int = REPORTS_PER_EVENT) -> list[dict]:
    """Adds each event's first reports (oldest article first) and how many it has, one query each."""
    ids = [row["id"] for row in rows]
    reports: dict[int, list] = {i: [] for i in ids}
    links = (
        EventMention.objects.public()
        .filter(event_id__in=ids)
        .annotate(n=Window(RowNumber(), partition_by=F("event_id"), order_by=reading_order()))
        .filter(n__lte=shown)
        .order_by("event_id", "n")
        .values(
            "event_id",
            "dated_mention__expression",
            "dated_mention__sentence",
            "dated_mention__article__slug",
            "dated_mention__article__title",
            "dated_mention__article__published_on",
            "dated_mention__article__source__name",
        )
    )
    for link in links:
        reports[link["event_id"]].append(link)
    counts = dict(
        EventMention.objects.public()
        .filter(event_id__in=ids)
        .values("event_id")
        .annotate(n=Count("id"))
        .values_list("event_id", "n")
    )
    return [{**row, "reports": reports[row["id"]], "report_count": counts.get(row["id"], 0)} for row in rows]


def article_list(request):
    rows = Article.objects.filter(status="published").order_by("-published_on", "-id")
    if "source" in request.GET:
        rows = rows.filter(source__slug=request.GET["source"])
    return JsonResponse({"results": _with_related(list(rows.values(*ARTICLE_FIELDS)[:PAGE]))})


def article_search(request):
    query = SearchQuery(request.GET["q"], config="english", search_type="websearch")
    rows = (
        Article.objects.filter(status="published", search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query))
        .order_by("-rank", "-id")
    )
    return JsonResponse({"results": _with_related(list(rows.values(*ARTICLE_FIELDS, "rank")[:PAGE]))})


def search_page(request):
    """The search page's rows: the best articles, the newest quotes and the people matching a word, and how many
    of each match (articles and quotes counted up to the page's cap)."""
    word = request.GET["q"]
    query = SearchQuery(word, config="english", search_type="websearch")
    articles = Article.objects.filter(status="published", search_vector=query)
    ranked = articles.annotate(rank=SearchRank(F("search_vector"), query)).order_by("-rank", "-id")
    quotes = visible_quotes().filter(search_vector=query)
    newest_first = (F("article__published_on").desc(nulls_last=True), "-article_id", "start")
    # The matches first, up to the cap, as the text index finds them; the newest of those when that is all of them.
    # Asked for the newest matches of a rare word at once, PostgreSQL may walk every article newest first.
    found = list(quotes.order_by().values_list("pk", flat=True)[: SEARCH_COUNT_CAP + 1])
    newest = quotes.filter(pk__in=found) if len(found) <= SEARCH_COUNT_CAP else quotes
    newest = newest.order_by(*newest_first)
    alias = Alias.objects.filter(person=OuterRef("pk"), name__icontains=word)
    people = (
        shown_people().filter(Q(name__icontains=word) | Q(roles__icontains=word) | Q(Exists(alias))).order_by("name")
    )
    return JsonResponse(
        {
            "articles": _with_related(list(ranked.values(*ARTICLE_FIELDS, "rank")[:PAGE])),
            "article_count": articles.values("pk")[: SEARCH_COUNT_CAP + 1].count(),
            "quotes": list(newest.values("id", "text", "speaker__slug", "speaker__name", "article__slug")[:PAGE]),
            "quote_count": len(found),
            "people": list(people.values("slug", "name", "kind", "roles")[:PAGE]),
            "person_count": people.count(),
        }
    )


def article_detail(request, slug):
    rows = Article.objects.filter(status="published", slug=slug).values(*ARTICLE_FIELDS, "body", "captions", "url")
    [row] = _with_related(list(rows))
    quotes = Quote.objects.filter(article_id=row["id"]).order_by("start")
    quotes = quotes.values(
        "id", "text", "speaker__slug", "speaker__name", "speaker__kind", "start", "end", "confidence"
    )
    mentions = Mention.objects.filter(article_id=row["id"]).values(
        "person__slug", "person__name", "text", "start", "end"
    )
    dated = DatedMention.objects.filter(article_id=row["id"]).order_by("start")
    dated = dated.values("expression", "date", "end_date", "precision", "sentence", "start", "end", "origin", "status")
    return JsonResponse({**row, "quotes": list(quotes), "mentions": list(mentions), "dated_mentions": list(dated)})


def quotes_by_speaker(request):
    rows = visible_quotes().filter(speaker__slug=request.GET["speaker"])
    rows = rows.order_by(F("article__published_on").desc(nulls_last=True), "-id")
    rows = rows.values(
        "id",
        "text",
        "speaker__slug",
        "speaker__name",
        "speaker_mention",
        "article__slug",
        "article__title",
        "article__published_on",
        "article__source__slug",
        "article__source__name",
        "start",
        "end",
        "confidence",
        "status",
    )
    return JsonResponse({"results": list(rows[:PAGE])})


def events(request):
    rows = Event.objects.public().order_by("date", "id")
    rows = rows.values("id", "date", "end_date", "precision", "title", "summary", "place", "status")
    return JsonResponse({"results": _with_reports(list(rows[:PAGE]))})


def timeline_json(request):
    rows = Event.objects.public().exclude(date=None).order_by("date", "id")
    rows = rows.values("id", "date", "end_date", "precision", "title", "summary")
    return JsonResponse({"events": _with_reports(list(rows[:FEED_EVENTS]))})


def timeline_page(request):
    """The timeline page's rows: a page of events, each with its first reports and their count."""
    rows = Event.objects.public().exclude(date=None).order_by("date", "id")
    rows = rows.values("id", "date", "end_date", "precision", "title", "summary")
    return JsonResponse({"events": _with_reports(list(rows[:TIMELINE_PAGE]), shown=TIMELINE_REPORTS)})


def person(request, slug):
    row = Person.objects.filter(slug=slug).values("id", "name", "roles").first()
    quotes = list(Quote.objects.filter(speaker__slug=slug).order_by("-id").values("id", "text", "article__slug")[:PAGE])
    return JsonResponse({**row, "quotes": quotes})


urlpatterns = [
    path("floor/articles/", article_list),
    path("floor/search/", article_search),
    path("floor/search-page/", search_page),
    path("floor/articles/<slug:slug>/", article_detail),
    path("floor/quotes/", quotes_by_speaker),
    path("floor/events/", events),
    path("floor/timeline.json", timeline_json),
    path("floor/timeline/", timeline_page),
    path("floor/people/<slug:slug>/", person),
]
