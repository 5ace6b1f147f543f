"""sitemap.xml sections: published articles, outlets and people with public pages."""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, OuterRef, QuerySet

from articles import presentation
from articles.models import Article, Person, Source


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self) -> QuerySet[Article]:
        # Only what a <url> entry needs: never the texts of every article.
        return Article.objects.published().order_by("id").only("slug", "updated_at")

    def lastmod(self, item: Article):
        return item.updated_at


class SourceSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self) -> QuerySet[Source]:
        return Source.objects.filter(Exists(Article.objects.published().filter(source=OuterRef("pk")))).order_by("id")


class PersonSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self) -> QuerySet[Person]:
        # Merged people redirect; only the survivors' pages belong in the sitemap.
        return presentation.shown_people().order_by("id")

    def lastmod(self, item: Person):
        return item.updated_at


SITEMAPS = {"articles": ArticleSitemap, "sources": SourceSitemap, "people": PersonSitemap}
