"""Template filters of the public pages: dates as precisely as known, a stand-in for a missing headline."""

from __future__ import annotations

from django import template

from articles import presentation
from articles.models import Article

register = template.Library()


@register.filter
def published(article: Article) -> str:
    """The article's publication date as precisely as it is known, or an empty string."""
    return presentation.date_display(article.published_on, article.published_precision)


@register.filter
def precise(value, precision: str) -> str:
    """Any date with its precision (day, month, year)."""
    return presentation.date_display(value, precision)


@register.filter
def shows_text(article: Article) -> bool:
    """Whether the outlet lets words of the article be shown."""
    return presentation.shows_text(article)


@register.filter
def headline(article: Article) -> str:
    """The headline, or a stand-in that says there is none."""
    return presentation.headline(article.title)
