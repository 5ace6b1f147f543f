"""How the public pages and feeds present an article: its outlet's display policy, excerpt, dates and quotes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Protocol

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from articles.caching import CompiledRows
from articles.extraction.types import Origin, Precision
from articles.models import Article, DisplayPolicy, Mention, Person, Quote, Story

# An excerpt is the opening of the clean body, cut at a word boundary: enough to know what the article says.
EXCERPT_CHARS = 600


def headline(title: str) -> str:
    """The headline, or a stand-in that says there is none."""
    return title or "(untitled article)"


def display_policy(article: Article) -> str:
    """The display policy in force for ``article``: its outlet's, or full text when the outlet is unknown."""
    return article.source.display_policy if article.source_id else DisplayPolicy.FULL_TEXT


def shows_full_text(article: Article) -> bool:
    """Whether the whole body (and the raw text as imported) may be shown."""
    return display_policy(article) == DisplayPolicy.FULL_TEXT


def shows_text(article: Article) -> bool:
    """Whether any words of the article (an excerpt, its quotes) may be shown."""
    return display_policy(article) != DisplayPolicy.METADATA_ONLY


def excerpt(body: str, *, limit: int = EXCERPT_CHARS) -> str:
    """The opening of ``body``, whole paragraphs while they fit, cut at a word with an ellipsis otherwise."""
    body = body.strip()
    if len(body) <= limit:
        return body
    kept = ""
    for paragraph in body.split("\n\n"):
        candidate = f"{kept}\n\n{paragraph}" if kept else paragraph
        if len(candidate) > limit:
            break
        kept = candidate
    if kept:
        return kept + " …"
    return body[:limit].rsplit(" ", 1)[0] + " …"


def public_text(article: Article) -> str:
    """The body as the outlet allows it to be shown: all of it, an excerpt, or nothing."""
    policy = display_policy(article)
    if policy == DisplayPolicy.FULL_TEXT:
        return article.body
    if policy == DisplayPolicy.EXCERPT:
        return excerpt(article.body)
    return ""


def visible_quotes(queryset: QuerySet[Quote] | None = None) -> QuerySet[Quote]:
    """Public quotes whose outlet lets words of the article be shown."""
    queryset = Quote.objects.all() if queryset is None else queryset
    return queryset.public().exclude(article__source__display_policy=DisplayPolicy.METADATA_ONLY)


def shows_quotes(policy: str | None) -> bool:
    """Whether a public quote is visible under its outlet's display ``policy`` (None: no outlet), as visible_quotes()."""
    return policy != DisplayPolicy.METADATA_ONLY


def shown_people() -> QuerySet[Person]:
    """People and organisations with a public page: not merged, and quoted visibly or named in a published article."""
    # EXISTS, not joins: each person is checked until a first quote or mention, no row is repeated, no DISTINCT.
    return Person.objects.active().filter(
        Exists(visible_quotes().filter(speaker=OuterRef("pk")))
        | Exists(Mention.objects.filter(person=OuterRef("pk"), article__status=Article.Status.PUBLISHED))
    )


def survivor(person: Person | None) -> Person | None:
    """The person a (possibly merged) person now lives on as."""
    seen = set()
    while person is not None and person.merged_into_id and person.pk not in seen:
        seen.add(person.pk)
        person = person.merged_into
    return person


def date_display(value: date | None, precision: str) -> str:
    """A date written as precisely as it is known: '5 March 2018', 'March 2018' or '2018'."""
    if value is None:
        return ""
    if precision == Precision.YEAR:
        return str(value.year)
    if precision == Precision.MONTH:
        return f"{value:%B} {value.year}"
    return f"{value.day} {value:%B} {value.year}"


def date_label(article: Article) -> str:
    """What a reader must be told about the publication date: 'date unknown', 'date inferred' or nothing."""
    return _date_label(article.published_on, article.published_origin)


def _date_label(published_on: date | None, origin: str) -> str:
    if published_on is None:
        return "date unknown"
    if origin == Origin.INFERRED:
        return "date inferred"
    return ""


class QuoteSpan(Protocol):
    """What marking a quote in the body reads of it."""

    pk: int
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of body text, the part of a quote when ``quote`` is set."""

    text: str
    quote: QuoteSpan | None = None
    anchor: bool = False  # the first segment of a quote carries its #quote-<id>


@dataclass(slots=True)
class Paragraph:
    segments: list[Segment] = field(default_factory=list)


def body_paragraphs(text: str, quotes: Iterable[QuoteSpan]) -> list[Paragraph]:
    """``text`` (a body or its excerpt) split into paragraphs, with each quote's span marked.

    Quotes whose span lies beyond ``text`` (an excerpt) are left out; overlapping spans keep the first.
    """
    spans = sorted((q for q in quotes if q.end <= len(text) and text[q.start : q.end] == q.text), key=lambda q: q.start)
    paragraphs: list[Paragraph] = []
    offset = 0
    for chunk in text.split("\n\n"):
        start, end = offset, offset + len(chunk)
        offset = end + 2
        if not chunk.strip():
            continue
        paragraph = Paragraph()
        cursor = start
        for quote in spans:
            if quote.end <= cursor or quote.start >= end:
                continue
            q_start, q_end = max(quote.start, cursor), min(quote.end, end)
            if q_start > cursor:
                paragraph.segments.append(Segment(text[cursor:q_start]))
            paragraph.segments.append(Segment(text[q_start:q_end], quote, anchor=q_start == quote.start))
            cursor = q_end
        if cursor < end:
            paragraph.segments.append(Segment(text[cursor:end]))
        paragraphs.append(paragraph)
    return paragraphs


def json_ld(data: dict) -> SafeString:
    """``data`` as JSON safe to place inside a <script type="application/ld+json"> element."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    # "</script>" or "<!--" in a headline must not end the element early.
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return mark_safe(text)  # noqa: S308 - every character that could close the element is escaped above


def person_articles(person: Person | int, *, quoted: Iterable[int] | None = None) -> QuerySet[Article]:
    """Published articles that quote, mention or are written by ``person`` (or the person of that id).

    ``quoted``: the ids of the articles quoting them that may rank first, when the caller has read them already (the
    person's page): their quotes are then not read again.
    """
    # One UNION of article ids, looked up by primary key: no DISTINCT over joined rows, no scan of every article.
    # The quotes' side does not join their articles to check they are published (that join hashed every
    # published article): the outer query keeps published articles only.
    if quoted is None:
        quotes = Quote.objects.exclude(status=Quote.Status.REJECTED).filter(speaker=person).values("article")
    else:
        quotes = Article.objects.filter(pk__in=list(quoted)).values("pk")
    mentioned = Mention.objects.filter(person=person).order_by().values("article")
    written = Article.authors.through.objects.filter(person=person).values("article")
    return Article.objects.published().filter(pk__in=quotes.order_by().union(mentioned, written))


def _bylines_sql(count: int) -> str:
    """One query for the authors and the stories of ``count`` articles, authors first, each in name order."""
    authors, stories = Article.authors.through._meta, Story.articles.through._meta
    person, story = Person._meta, Story._meta

    def column(meta, field: str) -> str:
        return meta.get_field(field).column

    marks = ", ".join(["%s"] * count)
    return (
        f"SELECT 0, l.{column(authors, 'article')}, p.slug, p.name, p.kind, p.id"
        f" FROM {authors.db_table} l JOIN {person.db_table} p ON p.id = l.{column(authors, 'person')}"
        f" WHERE l.{column(authors, 'article')} IN ({marks})"
        f" UNION ALL SELECT 1, l.{column(stories, 'article')}, s.slug, s.title, NULL, s.id"
        f" FROM {stories.db_table} l JOIN {story.db_table} s ON s.id = l.{column(stories, 'story')}"
        f" WHERE l.{column(stories, 'article')} IN ({marks})"
        " ORDER BY 1, 4, 6"
    )


def article_bylines(article_ids: Iterable[int]) -> dict[int, dict[str, list]]:
    """Each article's authors and stories (as the brief serializers show them, in their order): one query.

    Shared by the API's rows and the pages' cards. Written in SQL: on a page of rows the ORM's building of two joined, ordered queries cost more than running them.
    """
    ids = list(article_ids)
    related: dict[int, dict[str, list]] = {pk: {"authors": [], "stories": []} for pk in ids}
    if not ids:
        return related
    with connection.cursor() as cursor:
        cursor.execute(_bylines_sql(len(ids)), ids + ids)
        for is_story, article_id, slug, name, kind, _pk in cursor.fetchall():
            if is_story:
                related[article_id]["stories"].append({"slug": slug, "title": name})
            else:
                related[article_id]["authors"].append([slug, name, kind])
    return related


_SLUG = "slug-placeholder"


def slug_urls(name: str) -> Callable[[str], str]:
    """The URL named ``name`` for any slug, as ``reverse(name, kwargs={"slug": slug})``, at the cost of one reverse.

    A page of cards links every row to its page: one reverse() each costs more than reading the rows. The
    ``<slug:slug>`` converter takes only letters, digits, hyphens and underscores, which reverse() never quotes.
    """
    prefix, suffix = reverse(name, kwargs={"slug": _SLUG}).split(_SLUG)
    return lambda slug: f"{prefix}{slug}{suffix}"


@dataclass(frozen=True, slots=True)
class ArticleCard:
    """What an article's card shows, as plain values: a page of cards costs no model, no query per card."""

    url: str
    headline: str
    source_name: str
    source_url: str  # empty when the outlet is unknown
    published_on: date | None
    published_iso: str
    published: str  # as precisely as it is known
    date_label: str
    authors: str  # the byline's names, joined
    quote_count: int


# What a card reads of an article; its texts are most of a row's bytes and stay in the database.
CARD_FIELDS = (
    "pk",
    "slug",
    "title",
    "published_on",
    "published_precision",
    "published_origin",
    "source__name",
    "source__slug",
    "quote_count",
)


def _newest_first_unless_ordered(queryset: QuerySet[Article]) -> QuerySet[Article]:
    if queryset.query.order_by:
        return queryset
    return queryset.order_by(F("published_on").desc(nulls_last=True), "-created_at", "-id")


# The compiled slices of fixed card lists (ArticleCards' ``fixed``), by name and slice: the first pages of a list.
FIXED_SLICES_KEPT = 64
_FIXED_SLICES: dict[tuple[str, int | None, int | None], CompiledRows] = {}


class ArticleCards:
    """Articles as cards, newest first unless ``queryset`` is ordered (by search rank).

    A sequence as a Paginator wants one: ``count()``, and a slice that reads only its rows (one query) and their
    bylines (one more). Each card carries its number of quotes editors have not rejected.
    """

    def __init__(self, queryset: QuerySet[Article], *, count: Callable[[], int] | None = None, fixed: str = "") -> None:
        """``count``: how to count ``queryset`` when something cheaper than COUNT(*) gives the same number.

        ``fixed``: a name for ``queryset`` when its SQL is the same on every call (every published article, newest
        first): the SQL of each slice is then compiled once per process (CompiledRows), where building it through
        the ORM cost twice what PostgreSQL spends running it.
        """
        self.articles = queryset
        self._count = count or queryset.count
        self._fixed = fixed

    @cached_property
    def in_order(self) -> QuerySet[Article]:  # not "ordered": Paginator reads that name as a flag
        return _newest_first_unless_ordered(self.articles)

    @cached_property
    def rows(self) -> QuerySet[Article]:
        # A subquery, not a join and GROUP BY: PostgreSQL counts the quotes of the page's rows only, after the
        # limit, instead of aggregating every quote of every matching article before it can sort.
        quotes = (
            Quote.objects.filter(article=OuterRef("pk"))
            .exclude(status=Quote.Status.REJECTED)
            .order_by()
            .values("article")
            .annotate(n=Count("pk"))
            .values("n")
        )
        ordered = _newest_first_unless_ordered(self.articles)
        return ordered.annotate(quote_count=Coalesce(Subquery(quotes), 0)).values(*CARD_FIELDS)

    def _fixed_rows(self, index: slice) -> list[dict]:
        key = (self._fixed, index.start, index.stop)
        compiled = _FIXED_SLICES.get(key)
        if compiled is None:
            if len(_FIXED_SLICES) >= FIXED_SLICES_KEPT:  # a crawler's walk through every page: start afresh
                _FIXED_SLICES.clear()
            rows = self.rows
            compiled = _FIXED_SLICES[key] = CompiledRows(lambda: rows[index].values_list(*CARD_FIELDS))
        return [dict(zip(CARD_FIELDS, row, strict=True)) for row in compiled.rows()]

    def count(self) -> int:
        return self._count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[ArticleCard]:
        if not isinstance(index, slice):  # nor iterated card by card: a query each
            raise TypeError("ArticleCards are read a slice at a time")
        if "rank" in self.articles.query.annotations:
            # A ranked search reads every match. Asked for the page's ids alone, PostgreSQL may share that work
            # among parallel workers; the cards' quote count (a subquery per row) would keep it on one.
            ids = list(self.in_order.values_list("pk", flat=True)[index])
            by_id = {row["pk"]: row for row in self.rows.order_by().filter(pk__in=ids)}
            rows = [by_id[pk] for pk in ids if pk in by_id]  # one withdrawn in between is left out, not an error
        elif self._fixed:
            rows = self._fixed_rows(index)
        else:
            rows = list(self.rows[index])
        return cards_of(rows)


def cards_of(rows: list[dict]) -> list[ArticleCard]:
    """The cards of ``rows`` (ArticleCards.rows, each a dict of CARD_FIELDS), with their bylines: one query."""
    bylines = article_bylines(row["pk"] for row in rows)
    article_url, source_url = slug_urls("articles:article"), slug_urls("articles:source")
    return [
        ArticleCard(
            url=article_url(row["slug"]),
            headline=headline(row["title"]),
            source_name=row["source__name"] or "",
            source_url=source_url(row["source__slug"]) if row["source__slug"] else "",
            published_on=row["published_on"],
            published_iso=row["published_on"].isoformat() if row["published_on"] else "",
            published=date_display(row["published_on"], row["published_precision"]),
            date_label=_date_label(row["published_on"], row["published_origin"]),
            authors=", ".join(name for _slug, name, _kind in bylines[row["pk"]]["authors"]),
            quote_count=row["quote_count"],
        )
        for row in rows
    ]
