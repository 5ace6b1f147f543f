"""RSS and Atom feeds of new articles: the whole archive, one outlet, one person."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import linebreaks
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from articles import presentation
from articles.models import Article, DisplayPolicy, Person, Source

FEED_SIZE = 30


class ArticleFeed(Feed):
    """New published articles, newest in the archive first; each item's text as its outlet allows."""

    feed_type = Rss201rev2Feed
    title = "newsarchive: new articles"
    description = "Articles newly added to the newsarchive."
    language = "en"

    def link(self) -> str:
        return reverse("articles:article_list")

    def articles(self, obj) -> QuerySet[Article]:
        return Article.objects.published()

    def items(self, obj=None) -> list[Article]:
        # The raw text is never in a feed; a feed item reads the body (or its excerpt) only.
        queryset = self.articles(obj).select_related("source").prefetch_related("authors").defer("raw_text")
        return list(queryset.order_by("-created_at", "-id")[:FEED_SIZE])

    def item_title(self, item: Article) -> str:
        return item.title or item.original_filename

    def item_description(self, item: Article) -> str:
        # The feed carries HTML; the article's own text is escaped so markup in a raw file stays text.
        text = presentation.public_text(item)
        parts = []
        if text:
            parts.append(linebreaks(text, autoescape=True))
        if presentation.display_policy(item) != DisplayPolicy.FULL_TEXT:
            outlet = item.source.name if item.source else "the outlet"
            note = "An excerpt" if text else "Only the headline and details"
            parts.append(f"<p>{note} is shown under {outlet}'s terms.</p>")
        return "".join(parts)

    def item_pubdate(self, item: Article) -> datetime:
        if item.published_on is not None:
            return datetime.combine(item.published_on, time(0), tzinfo=timezone.get_current_timezone())
        return item.created_at

    def item_updateddate(self, item: Article) -> datetime:
        return item.updated_at

    def item_author_name(self, item: Article) -> str | None:
        names = [a.name for a in item.authors.all()]
        return ", ".join(names) or None

    def item_categories(self, item: Article) -> list[str]:
        return [str(tag) for tag in item.tags]

    def item_guid_is_permalink(self, item: Article) -> bool:
        return True


class ArticleAtomFeed(ArticleFeed):
    feed_type = Atom1Feed
    subtitle = ArticleFeed.description


class SourceFeed(ArticleFeed):
    """New published articles of one outlet."""

    def get_object(self, request: HttpRequest, slug: str) -> Source:
        return get_object_or_404(Source, slug=slug)

    def title(self, obj: Source) -> str:
        return f"newsarchive: {obj.name}"

    def description(self, obj: Source) -> str:
        return f"Articles from {obj.name} newly added to the newsarchive."

    def link(self, obj: Source) -> str:
        return obj.get_absolute_url()

    def articles(self, obj: Source) -> QuerySet[Article]:
        return Article.objects.published().filter(source=obj)


class SourceAtomFeed(SourceFeed):
    feed_type = Atom1Feed


class PersonFeed(ArticleFeed):
    """New published articles that quote, name or are written by one person."""

    def get_object(self, request: HttpRequest, slug: str) -> Person:
        person = get_object_or_404(Person, slug=slug)
        return presentation.survivor(person)

    def title(self, obj: Person) -> str:
        return f"newsarchive: {obj.name}"

    def description(self, obj: Person) -> str:
        return f"Articles quoting or naming {obj.name}, newly added to the newsarchive."

    def link(self, obj: Person) -> str:
        return obj.get_absolute_url()

    def articles(self, obj: Person) -> QuerySet[Article]:
        return presentation.person_articles(obj)


class PersonAtomFeed(PersonFeed):
    feed_type = Atom1Feed
