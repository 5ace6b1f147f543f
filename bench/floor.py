"""The floor for API and page latency: bare Django views, same filters, same rows, from .values().

Never tuned to make a goal easier: each view applies the filter its endpoint
applies and returns the rows a page of that endpoint returns.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F
from django.http import JsonResponse
from django.urls import path

from articles.models import Article, Person, Quote
from timeline.models import Event

PAGE = 20
ARTICLE_FIELDS = ("id", "slug", "title", "published_on", "source__slug", "source__name", "dateline")


def article_list(request):
    rows = Article.objects.filter(status="published").order_by("-published_on", "-id")
    if "source" in request.GET:
        rows = rows.filter(source__slug=request.GET["source"])
    return JsonResponse({"results": list(rows.values(*ARTICLE_FIELDS)[:PAGE])})


def article_search(request):
    query = SearchQuery(request.GET["q"], config="english", search_type="websearch")
    rows = (
        Article.objects.filter(status="published", search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query))
        .order_by("-rank", "-id")
    )
    return JsonResponse({"results": list(rows.values(*ARTICLE_FIELDS, "rank")[:PAGE])})


def article_detail(request, slug):
    row = Article.objects.filter(status="published", slug=slug).values(*ARTICLE_FIELDS, "body").first()
    quotes = list(Quote.objects.filter(article__slug=slug).values("id", "text", "speaker__name", "start", "end"))
    return JsonResponse({**row, "quotes": quotes})


def quotes_by_speaker(request):
    rows = Quote.objects.filter(speaker__slug=request.GET["speaker"], article__status="published").order_by("-id")
    return JsonResponse({"results": list(rows.values("id", "text", "speaker__name", "article__slug")[:PAGE])})


def events(request):
    rows = Event.objects.order_by("date", "id")
    return JsonResponse({"results": list(rows.values("id", "date", "precision", "title")[:PAGE])})


def timeline_json(request):
    rows = Event.objects.exclude(date=None).order_by("date", "id")
    return JsonResponse({"events": list(rows.values("id", "date", "precision", "title", "summary")[:500])})


def person(request, slug):
    row = Person.objects.filter(slug=slug).values("id", "name", "roles").first()
    quotes = list(Quote.objects.filter(speaker__slug=slug).order_by("-id").values("id", "text", "article__slug")[:PAGE])
    return JsonResponse({**row, "quotes": quotes})


urlpatterns = [
    path("floor/articles/", article_list),
    path("floor/search/", article_search),
    path("floor/articles/<slug:slug>/", article_detail),
    path("floor/quotes/", quotes_by_speaker),
    path("floor/events/", events),
    path("floor/timeline.json", timeline_json),
    path("floor/people/<slug:slug>/", person),
]
