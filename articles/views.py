"""Public, read-only pages of the articles app: articles, sources, people and quotes."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from articles import presentation
from articles.caching import CompiledRows, cached_page
from articles.models import Article, DatedMention, Mention, Person, Quote, Source, Story
from articles.services import normalize_name

PAGE_SIZE = 20
# As in the API: a reader may ask for up to this many rows a page.
MAX_PAGE_SIZE = 100


def page_size(request: HttpRequest, default: int) -> int:
    """Rows per page: ``page_size`` (1 to MAX_PAGE_SIZE) when the reader asks, else ``default``."""
    raw = request.GET.get("page_size", "")
    return min(max(int(raw), 1), MAX_PAGE_SIZE) if raw.isdigit() else default


def paginate(request: HttpRequest, rows: QuerySet | Sequence, *, per_page: int = PAGE_SIZE) -> Page:
    """The requested page of ``rows``; a page number out of range gives the nearest page, never an error."""
    return Paginator(rows, page_size(request, per_page)).get_page(request.GET.get("page"))


def event_url(event_id: int) -> str:
    """An event's own page on the timeline (by id, so no event row needs to be read)."""
    return reverse("timeline:event", kwargs={"pk": event_id})


def _history_redirect(model: type, slug: str) -> HttpResponsePermanentRedirect | None:
    """A 301 to the current URL of the row that once had ``slug`` (renamed), if history knows one."""
    old = model.history.filter(slug=slug).order_by("-history_date").values_list("id", flat=True).first()
    if old is None:
        return None
    current = model.objects.filter(pk=old).first()
    if current is None or current.slug == slug:
        return None
    return HttpResponsePermanentRedirect(current.get_absolute_url())


# ---------------------------------------------------------------- articles


# The filter form's outlets and stories: those with a published article, in name order (see CompiledRows).
FILTER_OUTLETS = CompiledRows(
    lambda: (
        Source.objects.filter(Exists(Article.objects.published().filter(source=OuterRef("pk"))))
        .order_by("name", "pk")
        .values_list("slug", "name")
    )
)
FILTER_STORIES = CompiledRows(
    lambda: (
        Story.objects.filter(Exists(Article.objects.published().filter(stories=OuterRef("pk"))))
        .order_by("title", "pk")
        .values_list("slug", "title")
    )
)


class ArticleFilterForm(forms.Form):
    """The article list's filters; every field is optional and a bad value is ignored, not an error page."""

    q = forms.CharField(label="Words", required=False, max_length=200)
    source = forms.ChoiceField(label="Outlet", required=False)
    story = forms.ChoiceField(label="Story", required=False)
    # A text box, not a list: an archive names tens of thousands of people. A name, an alias or a slug.
    person = forms.CharField(label="Person", required=False, max_length=200)
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}), input_formats=["%Y-%m-%d"]
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}), input_formats=["%Y-%m-%d"]
    )

    def __init__(self, *args, outlets: Sequence[tuple[str, str]], stories: Sequence[tuple[str, str]], **kwargs):
        """``outlets`` and ``stories``: the choices, as (slug, name), FILTER_OUTLETS' and FILTER_STORIES' rows."""
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [("", "All outlets"), *outlets]
        self.fields["story"].choices = [("", "All stories"), *stories]

    def filter(self, queryset: QuerySet[Article]) -> QuerySet[Article]:
        """``queryset`` narrowed by the fields that validated (call is_valid() first)."""
        data = self.cleaned_data
        if data.get("source"):
            queryset = queryset.filter(source__slug=data["source"])
        if data.get("story"):
            queryset = queryset.filter(stories__slug=data["story"])
        if data.get("person"):
            person = person_named(data["person"])
            if person is not None:
                queryset = queryset.filter(pk__in=presentation.person_articles(person).values("pk"))
        if data.get("date_from"):
            queryset = queryset.filter(published_on__gte=data["date_from"])
        if data.get("date_to"):
            queryset = queryset.filter(published_on__lte=data["date_to"])
        if data.get("q"):
            queryset = queryset.search(data["q"])
        return queryset


def person_named(text: str) -> Person | None:
    """The person a reader means by ``text``: a slug, a name or an alias (a merged person gives the survivor)."""
    text = text.strip()
    person = (
        Person.objects.filter(slug=text).first()
        or Person.objects.filter(name__iexact=text).order_by("merged_into", "id").first()
        or Person.objects.filter(aliases__normalized=normalize_name(text)).order_by("merged_into", "id").first()
    )
    while person is not None and person.merged_into_id is not None:
        person = person.merged_into
    return person


def article_cards(queryset: QuerySet[Article]) -> presentation.ArticleCards:
    """Articles as cards (outlet, byline, number of public quotes); newest first unless already ordered by rank."""
    return presentation.ArticleCards(queryset)


def published_cards() -> presentation.ArticleCards:
    """Every published article as cards, newest first; their number is kept by the database, and each slice's
    query is compiled once per process (ArticleCards' ``fixed``): the home page's and the article list's."""
    return presentation.ArticleCards(
        Article.objects.published(), count=Article.objects.published_count, fixed="published"
    )


# What a quote card shows of a quote, its article and speaker: the article's texts stay in the database.
QUOTE_CARD_FIELDS = (
    "text",
    "speaker_mention",
    "status",
    "start",
    "article__slug",
    "article__title",
    "article__published_on",
    "article__published_precision",
    "article__source__name",
    "article__source__slug",
    "speaker__name",
    "speaker__slug",
)


def quote_cards(queryset: QuerySet[Quote]) -> QuerySet[Quote]:
    """Quotes with what a quote card shows of each: speaker, article and outlet."""
    return queryset.select_related("speaker", "article__source").only(*QUOTE_CARD_FIELDS)


@functools.lru_cache(maxsize=16)
def _blank_filters(
    outlets: tuple[tuple[str, str], ...], stories: tuple[tuple[str, str], ...], prefix: str, language: str | None
) -> SafeString:
    """The filter form as a reader first finds it, rendered once for each set of choices (URL prefix, language).

    Django renders every widget from templates of its own: for these six fields that took as long as the twenty
    article cards. The blank form depends on nothing else; its choices are read on every request.
    """
    form = ArticleFilterForm(outlets=outlets, stories=stories)
    return render_to_string("articles/_article_filters.html", {"form": form, "filtered": False})


@require_safe
@cached_page
def article_list(request: HttpRequest) -> HttpResponse:
    """Published articles, newest first, with filters, search and pagination."""
    outlets, stories = tuple(FILTER_OUTLETS.rows()), tuple(FILTER_STORIES.rows())
    form = ArticleFilterForm(request.GET or None, outlets=outlets, stories=stories)
    articles = Article.objects.published()
    if form.is_bound:
        form.is_valid()  # invalid fields drop out of cleaned_data; the valid ones still filter
        articles = form.filter(articles)
    filtered = form.is_bound and any(form.cleaned_data.get(k) for k in form.fields)
    page = paginate(request, article_cards(articles) if filtered else published_cards())
    if form.is_bound:
        filters = render_to_string("articles/_article_filters.html", {"form": form, "filtered": filtered})
    else:
        filters = _blank_filters(outlets, stories, get_script_prefix(), get_language())
    return render(request, "articles/article_list.html", {"filters": filters, "page": page, "filtered": filtered})


@dataclass(frozen=True, slots=True)
class ReportedEvent:
    id: int
    title: str
    date: str
    url: str


def _reported_events(article: Article) -> list[ReportedEvent]:
    # The timeline links its events to dated mentions (DatedMention.event_link); reading that relation keeps the
    # articles app free of any import of timeline.
    mentions = (
        article.dated_mentions.exclude(status=DatedMention.Status.REJECTED)
        .filter(event_link__isnull=False)
        .order_by("event_link__event__date", "event_link__event_id")
        .values_list(
            "event_link__event_id",
            "event_link__event__title",
            "event_link__event__date",
            "event_link__event__precision",
            "sentence",
        )
    )
    events: dict[int, ReportedEvent] = {}
    for event_id, title, when, precision, sentence in mentions:
        if event_id not in events:
            events[event_id] = ReportedEvent(
                id=event_id,
                title=title or sentence,
                date=presentation.date_display(when, precision) or "undated",
                url=event_url(event_id),
            )
    return list(events.values())


@dataclass(frozen=True, slots=True)
class PersonLink:
    """A person or organisation as the article page links them."""

    pk: int
    name: str
    url: str
    kind: str


def _person_links(ids: set[int]) -> dict[int, PersonLink]:
    """Each person of ``ids`` as the person they now live on as: one query (and one more per merged person)."""
    person_url = presentation.slug_urls("articles:person")
    links = {}
    rows = Person.objects.filter(pk__in=ids).values_list("pk", "name", "slug", "kind", "merged_into")
    for pk, name, slug, kind, merged_into in rows:
        if merged_into is None:
            links[pk] = PersonLink(pk, name, person_url(slug), kind)
        else:  # rare: an editor merged them into someone else
            survivor = presentation.survivor(Person.objects.select_related("merged_into").get(pk=pk))
            links[pk] = PersonLink(survivor.pk, survivor.name, person_url(survivor.slug), survivor.kind)
    return links


@dataclass(frozen=True, slots=True)
class ShownQuote:
    """A quote as the article page shows it, attributed to the person its speaker now lives on as."""

    pk: int
    text: str
    start: int
    end: int
    status: str
    speaker_mention: str
    speaker: PersonLink | None


def _json_ld(request: HttpRequest, article: Article, authors: list[PersonLink]) -> dict:
    data: dict = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": (article.title or article.original_filename)[:110],
        "url": request.build_absolute_uri(article.get_absolute_url()),
        "mainEntityOfPage": request.build_absolute_uri(article.get_absolute_url()),
        "inLanguage": article.language,
        "isAccessibleForFree": True,
    }
    if article.published_on is not None:
        data["datePublished"] = article.published_on.isoformat()
    data["author"] = [
        {"@type": "Person", "name": a.name, "url": request.build_absolute_uri(a.url)} for a in authors
    ] or [{"@type": "Organization", "name": article.source.name if article.source else "Unknown"}]
    if article.source is not None:
        publisher = {"@type": "Organization", "name": article.source.name}
        if article.source.homepage:
            publisher["url"] = article.source.homepage
        data["publisher"] = publisher
    if article.url:
        data["sameAs"] = article.url
    return data


@require_safe
@cached_page
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One article: its metadata, body with every quote anchored and linked to its speaker, mentions, events."""
    # The raw text has its own page; the search vector is the database's.
    article = Article.objects.select_related("source").defer("raw_text", "search_vector").filter(slug=slug).first()
    if article is None:
        redirect = _history_redirect(Article, slug)
        if redirect is not None:
            return redirect
        raise Http404("No such article.")
    if article.status == Article.Status.WITHDRAWN:
        return render(request, "410.html", {"article": article}, status=410)
    if article.status != Article.Status.PUBLISHED:
        raise Http404("No such article.")

    policy = presentation.display_policy(article)
    # Plain values, and everyone the page names (speakers, people mentioned, the byline) read in one query.
    rows = []
    if presentation.shows_text(article):
        rows = article.quotes.exclude(status=Quote.Status.REJECTED).order_by("start")
        rows = list(rows.values_list("pk", "text", "start", "end", "status", "speaker_mention", "speaker"))
    mentioned_ids = list(article.mentions.order_by("start").values_list("person", flat=True))
    author_ids = list(article.authors.values_list("pk", flat=True))  # in the byline's order: by name
    links = _person_links({*mentioned_ids, *author_ids, *(row[-1] for row in rows if row[-1] is not None)})
    shown_quotes = [ShownQuote(*row[:-1], speaker=links.get(row[-1])) for row in rows]
    text = presentation.public_text(article)
    paragraphs = presentation.body_paragraphs(text, shown_quotes)
    in_text = {seg.quote.pk for paragraph in paragraphs for seg in paragraph.segments if seg.quote}
    mentions = Counter(links[pk].pk for pk in mentioned_ids)
    survivors = {link.pk: link for link in links.values()}
    mentioned = sorted((survivors[pk] for pk in mentions), key=lambda p: (-mentions[p.pk], p.name))
    authors = [links[pk] for pk in author_ids]
    context = {
        "article": article,
        "policy": policy,
        "paragraphs": paragraphs,
        "quotes": shown_quotes,
        # In an excerpt some quotes fall outside the text shown; they are listed on their own.
        "quotes_outside_text": [q for q in shown_quotes if q.pk not in in_text],
        "authors": authors,
        "people": [p for p in mentioned if p.kind == Person.Kind.PERSON],
        "organisations": [p for p in mentioned if p.kind == Person.Kind.ORGANISATION],
        "events": _reported_events(article),
        "stories": article.stories.values("slug", "title"),
        "date_display": presentation.date_display(article.published_on, article.published_precision),
        "date_label": presentation.date_label(article),
        "json_ld": presentation.json_ld(_json_ld(request, article, authors)),
        "canonical": request.build_absolute_uri(article.get_absolute_url()),
    }
    return render(request, "articles/article_detail.html", context)


@require_safe
def article_raw(request: HttpRequest, slug: str) -> HttpResponse:
    """The raw text exactly as imported, as text/plain, when the outlet allows the full text to be shown."""
    article = Article.objects.select_related("source").filter(slug=slug).first()
    if article is None:
        redirect = _history_redirect(Article, slug)
        if redirect is not None:
            return HttpResponsePermanentRedirect(redirect.url.rstrip("/") + "/raw/")
        raise Http404("No such article.")
    if article.status == Article.Status.WITHDRAWN:
        return HttpResponse(
            f"Withdrawn: {article.withdrawn_reason or 'no reason given'}\n",
            status=410,
            content_type="text/plain; charset=utf-8",
        )
    if article.status != Article.Status.PUBLISHED:
        raise Http404("No such article.")
    if not presentation.shows_full_text(article):
        return HttpResponse(
            "The outlet's terms do not allow the text of this article to be shown here.\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(article.raw_text, content_type="text/plain; charset=utf-8")
    # The raw file is evidence, not a page: never let a browser guess it is HTML, nor a crawler index it twice.
    response["X-Robots-Tag"] = "noindex"
    response["Content-Disposition"] = f'inline; filename="{article.slug}.txt"'
    return response


# ---------------------------------------------------------------- sources


@require_safe
@cached_page
def source_list(request: HttpRequest) -> HttpResponse:
    """Every outlet with published articles."""
    sources = (
        Source.objects.annotate(
            article_count=Count("articles", filter=Q(articles__status=Article.Status.PUBLISHED), distinct=True)
        )
        .filter(article_count__gt=0)
        .order_by("name")
    )
    return render(request, "articles/source_list.html", {"sources": sources})


@require_safe
@cached_page
def source_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """An outlet and its published articles, newest first."""
    source = get_object_or_404(Source, slug=slug)
    page = paginate(request, article_cards(Article.objects.published().filter(source=source)))
    return render(request, "articles/source_detail.html", {"source": source, "page": page})


# ---------------------------------------------------------------- people


def person_or_redirect(slug: str) -> Person | HttpResponsePermanentRedirect:
    """The active person at ``slug``, or a 301 to where a merged or renamed person now lives."""
    person = Person.objects.select_related("merged_into").filter(slug=slug).first()
    if person is None:
        redirect = _history_redirect(Person, slug)
        if redirect is None:
            raise Http404("No such person.")
        return redirect
    if person.merged_into_id:
        return HttpResponsePermanentRedirect(presentation.survivor(person).get_absolute_url())
    return person


@require_safe
@cached_page
def person_list(request: HttpRequest) -> HttpResponse:
    """People and organisations who speak or are named in published articles, most quoted first."""
    # Two counts, each one pass over its table grouped by person: joining every quote to every mention of a
    # person and counting DISTINCT grows with the product of the two, a subquery per person with their number.
    quote_counts = dict(
        presentation.visible_quotes()
        .filter(speaker__merged_into__isnull=True)
        .order_by()
        .values_list("speaker")
        .annotate(n=Count("pk"))
    )
    article_counts = dict(
        Mention.objects.filter(article__status=Article.Status.PUBLISHED, person__merged_into__isnull=True)
        .order_by()
        .values_list("person")
        .annotate(n=Count("article", distinct=True))
    )
    kind = request.GET.get("kind", "")
    named = Person.objects.filter(pk__in=[pk for pk in {*quote_counts, *article_counts} if pk is not None])
    if kind in Person.Kind.values:
        named = named.filter(kind=kind)
    # In the database's name order first, so that the stable sort by counts keeps it among equals.
    ranked = sorted(
        named.order_by("name").values_list("pk", flat=True),
        key=lambda pk: (-quote_counts.get(pk, 0), -article_counts.get(pk, 0)),
    )
    page = paginate(request, ranked, per_page=50)
    people = Person.objects.in_bulk(page.object_list)
    page.object_list = [people[pk] for pk in page.object_list]
    for person in page.object_list:
        person.quote_count = quote_counts.get(person.pk, 0)
        person.article_count = article_counts.get(person.pk, 0)
    return render(request, "articles/person_list.html", {"page": page, "kind": kind, "kinds": Person.Kind.choices})


# Statements on one page of a person's page: a much-quoted speaker has thousands.
STATEMENTS_PER_PAGE = 20
# Articles a person's page lists; the article list filtered by the person has them all.
PERSON_ARTICLES = 20


class SpokenQuote(NamedTuple):
    """What a person's page reads of each of their public quotes: plain values, not a model and its article."""

    pk: int
    text: str
    statement_id: int | None
    published_on: date | None  # the article's
    article_id: int
    start: int
    speaker_id: int  # the person, or someone an editor merged into them
    display_policy: str | None  # the outlet's


SPOKEN_FIELDS = (
    "pk",
    "text",
    "statement_link__statement_id",
    "article__published_on",
    "article_id",
    "start",
    "speaker",
    "article__source__display_policy",
)


@dataclass(frozen=True, slots=True)
class Report:
    """One article's report of a statement, as plain values: the article's texts stay in the database."""

    url: str  # the quote, anchored in its article
    headline: str
    source_name: str
    published_on: date | None
    published_iso: str
    published: str
    verified: bool


# The person page's reads, compiled once for any person (CompiledRows): building them through the ORM cost about a
# fifth of the page.
PERSON_QUOTES = CompiledRows(
    lambda person_id: Quote.objects.filter(spoken_by(person_id)).public().values_list(*SPOKEN_FIELDS)
)
REPORTS = CompiledRows(
    lambda pks: Quote.objects.filter(pk__in=pks).values_list(
        "pk",
        "status",
        "article__slug",
        "article__title",
        "article__published_on",
        "article__published_precision",
        "article__source__name",
    )
)


@functools.lru_cache(maxsize=4)
def _person_cards(count: int) -> CompiledRows:
    """The first ``count`` cards' rows of person_articles(person id, quoted=ids), compiled once."""
    return CompiledRows(
        lambda person_id, quoted: (
            article_cards(presentation.person_articles(person_id, quoted=quoted))
            .rows[:count]
            .values_list(*presentation.CARD_FIELDS)
        )
    )


def _reports(pks: list[int]) -> dict[int, Report]:
    """The quotes ``pks`` as reports, by id, in one query and one reverse()."""
    rows = REPORTS.rows(pks)
    article_url = presentation.slug_urls("articles:article")
    return {
        pk: Report(
            url=f"{article_url(slug)}#quote-{pk}",
            headline=presentation.headline(title),
            source_name=source_name or "",
            published_on=published_on,
            published_iso=published_on.isoformat() if published_on else "",
            published=presentation.date_display(published_on, precision),
            verified=status == Quote.Status.VERIFIED,
        )
        for pk, status, slug, title, published_on, precision, source_name in rows
    }


@dataclass(slots=True)
class StatementView:
    """The same words of one speaker, with every article that reports them."""

    text: str
    first_date: date | None
    spoken: list[SpokenQuote]
    quotes: list[Report]


def _statements(spoken: list[SpokenQuote]) -> list[list[SpokenQuote]]:
    """The quotes of each statement (the first one first), the statements in date order."""
    # One statement is the same words reported by several articles: the timeline's statement when the quote
    # has one (read through the reverse relation: articles never imports timeline), else the words themselves,
    # ignoring case and spacing.
    groups: dict[object, list[SpokenQuote]] = {}
    for quote in spoken:
        key = ("statement", quote.statement_id) if quote.statement_id else " ".join(quote.text.casefold().split())
        groups.setdefault(key, []).append(quote)
    dated = []
    for group in groups.values():
        if len(group) > 1:  # most words are reported once: nothing to order
            group.sort(key=lambda q: (q.published_on is None, q.published_on or date.min, q.article_id))
        first = group[0]
        dated.append((first.published_on is None, first.published_on or date.min, first.start, group))
    # Date order; statements whose date no article knows come last.
    dated.sort(key=lambda item: item[:3])
    return [group for *_, group in dated]


@dataclass(frozen=True, slots=True)
class Bar:
    x: int
    y: int
    height: int
    count: int
    label: str
    tick: str  # shown under January and the first bar only, so labels never overlap


def quotes_per_month_chart(dates: list[date | None], *, height: int = 120, bar: int = 14, gap: int = 4) -> dict | None:
    """Bars of an SVG chart of quotes per month, from their articles' ``dates``; None when none is dated."""
    counts = Counter((d.year, d.month) for d in dates if d)
    if not counts:
        return None
    first, last = min(counts), max(counts)
    months = []
    year, month = first
    while (year, month) <= last:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    peak = max(counts.values())
    bars = []
    for index, (year, month) in enumerate(months):
        count = counts.get((year, month), 0)
        bar_height = round(count / peak * height) if count else 0
        label = f"{date(year, month, 1):%B} {year}"
        tick = str(year) if index == 0 or month == 1 else ""
        bars.append(Bar(index * (bar + gap), height - bar_height, bar_height, count, label, tick))
    return {
        "marks": _chart_marks(bars, bar=bar, tick_y=height + 16),  # year labels on a baseline under the bars
        "rows": _chart_rows(bars),
        "width": len(months) * (bar + gap),
        "height": height,
        "peak": peak,
        "total": sum(counts.values()),
        "undated": sum(1 for d in dates if d is None),
        "first": f"{date(*first, 1):%B %Y}",
        "last": f"{date(*last, 1):%B %Y}",
    }


def _chart_marks(bars: list[Bar], *, bar: int, tick_y: int) -> SafeString:
    """The chart's SVG marks, a group per month: its title (month and count), its bar, its year label."""
    # A long career is a hundred months and more: a template loop over them cost more than the rest of the page.
    # Numbers are ints and the labels are escaped, so the whole is safe.
    marks = []
    for b in bars:
        rect = f'<rect class="bar" x="{b.x}" y="{b.y}" width="{bar}" height="{b.height}"></rect>' if b.count else ""
        tick = f'<text class="tick" x="{b.x}" y="{tick_y}">{escape(b.tick)}</text>' if b.tick else ""
        marks.append(f"<g><title>{escape(b.label)}: {b.count}</title>{rect}{tick}</g>")
    return mark_safe("\n".join(marks))  # noqa: S308 - see above


def _chart_rows(bars: list[Bar]) -> SafeString:
    """The chart's numbers as table rows, one per month with a quote: the same loop as the marks, spared the template."""
    # Numbers are ints and the labels are escaped, so the whole is safe.
    rows = [f'<tr><th scope="row">{escape(b.label)}</th><td class="num">{b.count}</td></tr>' for b in bars if b.count]
    return mark_safe("".join(rows))  # noqa: S308 - see above


def _first_articles(person: Person, quoted: dict[int, date | None], count: int) -> list[presentation.ArticleCard]:
    """The first ``count`` cards of person_articles(person); ``quoted``: the dates of the published articles that
    quote them, by id, read with their quotes.

    Of these only the articles whose date ranks among the first ``count`` are read again: sorting all the articles of
    a much-quoted person read each of them a second time.
    """
    newest = sorted(quoted.items(), key=lambda item: (item[1] is not None, item[1] or date.min), reverse=True)
    if len(newest) > count:
        last = newest[count - 1][1]  # cards of one date are ordered further: all of that date may rank first
        newest = [item for item in newest if last is None or (item[1] is not None and item[1] >= last)]
    rows = _person_cards(count).rows(person.pk, [pk for pk, _ in newest])
    return presentation.cards_of([dict(zip(presentation.CARD_FIELDS, row, strict=True)) for row in rows])


@require_safe
@cached_page
def person_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A person or organisation: roles, aliases, statements in date order (a page at a time), quotes per month."""
    person = person_or_redirect(slug)
    if isinstance(person, HttpResponse):
        return person
    # Every public quote, as plain values: a statement gathers the visible quotes from anywhere in the archive, the
    # chart counts them all, and the articles that quote the person (whatever their outlet shows) are listed. Only the
    # quotes of the statements shown are read with their articles.
    quotes = list(map(SpokenQuote._make, PERSON_QUOTES.rows(person.pk)))
    spoken = [quote for quote in quotes if presentation.shows_quotes(quote.display_policy)]
    quoted = {quote.article_id: quote.published_on for quote in quotes if quote.speaker_id == person.pk}
    page = Paginator(_statements(spoken), page_size(request, STATEMENTS_PER_PAGE)).get_page(request.GET.get("page"))
    reports = _reports([quote.pk for group in page for quote in group])
    page.object_list = [
        StatementView(group[0].text, group[0].published_on, group, [reports[quote.pk] for quote in group])
        for group in page
    ]
    context = {
        "person": person,
        "aliases": [a for a in person.aliases.all() if a.name != person.name],
        "statements": page,
        "quote_count": len(spoken),
        "chart": quotes_per_month_chart([quote.published_on for quote in spoken]),
        "articles": _first_articles(person, quoted, PERSON_ARTICLES),
        "canonical": request.build_absolute_uri(person.get_absolute_url()),
    }
    return render(request, "articles/person_detail.html", context)


# ---------------------------------------------------------------- quotes


class QuoteFilterForm(forms.Form):
    q = forms.CharField(label="Words", required=False, max_length=200)
    # A text box, not a list of every speaker: a name, an alias or a slug, as the article list's person.
    speaker = forms.CharField(label="Speaker", required=False, max_length=200)

    def clean_speaker(self) -> Person | None:
        text = self.cleaned_data["speaker"]
        if not text:
            return None
        person = person_named(text)
        if person is None:
            raise forms.ValidationError("Nobody of that name speaks in the archive.")
        return person


def spoken_by(person: Person | int) -> Q:
    """Quotes of ``person`` (or the person of that id) or of someone an editor merged into them (one index lookup
    per speaker)."""
    person_id = person if isinstance(person, int) else person.pk
    return Q(speaker__in=Person.objects.filter(Q(pk=person_id) | Q(merged_into=person_id)).values("pk"))


# Newest articles first, in the order of their text: the articles' newest-first index gives the first page at once.
NEWEST_QUOTES = (F("article__published_on").desc(nulls_last=True), F("article_id").desc(), "start")


@require_safe
@cached_page
def quote_list(request: HttpRequest) -> HttpResponse:
    """Full-text search over quotes, filtered by speaker."""
    form = QuoteFilterForm(request.GET or None)
    quotes = quote_cards(presentation.visible_quotes())
    if form.is_bound:
        form.is_valid()
        if form.cleaned_data.get("speaker"):
            quotes = quotes.filter(spoken_by(form.cleaned_data["speaker"]))
        if form.cleaned_data.get("q"):
            quotes = quotes.search(form.cleaned_data["q"])
        else:
            quotes = quotes.order_by(*NEWEST_QUOTES)
    else:
        quotes = quotes.order_by(*NEWEST_QUOTES)
    page = paginate(request, quotes)
    return render(request, "articles/quote_list.html", {"form": form, "page": page})
