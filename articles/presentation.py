"""How the public pages and feeds present an article: its outlet's display policy, excerpt, dates and quotes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.safestring import SafeString, mark_safe

from articles.extraction.types import Origin, Precision
from articles.models import Article, DisplayPolicy, Mention, Person, Quote

# An excerpt is the opening of the clean body, cut at a word boundary: enough to know what the article says.
EXCERPT_CHARS = 600


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
    if article.published_on is None:
        return "date unknown"
    if article.published_origin == Origin.INFERRED:
        return "date inferred"
    return ""


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of body text, the part of a quote when ``quote`` is set."""

    text: str
    quote: Quote | None = None
    anchor: bool = False  # the first segment of a quote carries its #quote-<id>


@dataclass(slots=True)
class Paragraph:
    segments: list[Segment] = field(default_factory=list)


def body_paragraphs(text: str, quotes: Iterable[Quote]) -> list[Paragraph]:
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


def person_articles(person: Person) -> QuerySet[Article]:
    """Published articles that quote, mention or are written by ``person``."""
    # One UNION of article ids, looked up by primary key: no DISTINCT over joined rows, no scan of every article.
    quoted = Quote.objects.public().filter(speaker=person).order_by().values("article")
    mentioned = Mention.objects.filter(person=person).order_by().values("article")
    written = Article.authors.through.objects.filter(person=person).values("article")
    return Article.objects.published().filter(pk__in=quoted.union(mentioned, written))
