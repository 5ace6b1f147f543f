"""How the articles API shows sources, articles, quotes and people, and what editors may send to change them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects
from django.urls import NoReverseMatch, reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from articles import presentation
from articles.api.links import PageLinks, page_links
from articles.models import (
    Article,
    ArticleStatus,
    DatedMention,
    Mention,
    Person,
    PersonKind,
    Quote,
    QuoteStatus,
    Source,
    Story,
)

EDITORS_ONLY = " Editors only: null for everyone else."
# The lists' rows are written by hand (``to_representation``) from the fields declared here, which stay the
# schema: DRF's field-by-field path costs more than a page's queries. A test holds the two together. A request
# by format suffix (`.json`) takes DRF's path, whose links carry the suffix.
_DATETIME = serializers.DateTimeField()


def _date(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _datetime(value: Any) -> str | None:
    return _DATETIME.to_representation(value) if value is not None else None


def _by_drf(serializer: serializers.Serializer) -> bool:
    return bool(serializer.context.get("format"))


def _source_brief(links: PageLinks, slug: str, name: str) -> dict:
    return {"url": links("source-detail", slug), "slug": slug, "name": name}


def _person_brief(links: PageLinks, slug: str, name: str, kind: str) -> dict:
    return {"url": links("person-detail", slug), "slug": slug, "name": name, "kind": kind}


def web_url(request, obj: Any) -> str | None:
    """The absolute address of ``obj``'s public page (None when the site has no page for it)."""
    try:
        path = obj.get_absolute_url()
    except NoReverseMatch:
        return None
    return request.build_absolute_uri(path) if request is not None else path


def _list_url(request, basename: str, **params: str) -> str:
    url = reverse(f"{basename}-list")
    url = request.build_absolute_uri(url) if request is not None else url
    return url + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def _is_editor(serializer: serializers.Serializer) -> bool:
    return bool(serializer.context.get("editor"))


class ArchiveSerializer(serializers.ModelSerializer):
    """A read serializer with a canonical API ``url`` and the public page's ``web_url``."""

    web_url = serializers.SerializerMethodField(
        help_text="The object's page on the public site (null when the site has none)."
    )

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_web_url(self, obj: Any) -> str | None:
        return web_url(self.context.get("request"), obj)


def _self_link(view_name: str, lookup_field: str = "slug") -> serializers.HyperlinkedIdentityField:
    return serializers.HyperlinkedIdentityField(
        view_name=view_name, lookup_field=lookup_field, help_text="The object's canonical address in this API."
    )


# --- brief forms, nested in other objects ---------------------------------------


class SourceBriefSerializer(serializers.ModelSerializer):
    url = _self_link("source-detail")

    class Meta:
        model = Source
        fields = ["url", "slug", "name"]
        extra_kwargs = {"slug": {"help_text": "The outlet's slug."}, "name": {"help_text": "The outlet's name."}}


class PersonBriefSerializer(serializers.ModelSerializer):
    url = _self_link("person-detail")

    class Meta:
        model = Person
        fields = ["url", "slug", "name", "kind"]
        extra_kwargs = {
            "slug": {"help_text": "The person's slug."},
            "name": {"help_text": "The canonical name."},
            "kind": {"help_text": "`person` or `organisation`."},
        }


class ArticleBriefSerializer(serializers.ModelSerializer):
    url = _self_link("article-detail")

    class Meta:
        model = Article
        fields = ["url", "slug", "title", "published_on"]
        extra_kwargs = {
            "slug": {"help_text": "The article's slug."},
            "title": {"help_text": "The headline."},
            "published_on": {"help_text": "Publication date (YYYY-MM-DD), null when unknown."},
        }


class StoryBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Story
        fields = ["slug", "title"]
        extra_kwargs = {
            "slug": {"help_text": "The story's slug (the `story` filter takes it)."},
            "title": {"help_text": "The story's title."},
        }


# --- sources ----------------------------------------------------------------------


class SourceSerializer(ArchiveSerializer):
    url = _self_link("source-detail")
    article_count = serializers.IntegerField(read_only=True, help_text="Articles from this outlet you may read.")
    articles_url = serializers.SerializerMethodField(help_text="This outlet's articles in this API.")

    class Meta:
        model = Source
        fields = [
            "url",
            "web_url",
            "slug",
            "name",
            "kind",
            "homepage",
            "domain",
            "display_policy",
            "article_count",
            "articles_url",
        ]
        extra_kwargs = {
            "slug": {"help_text": "Identifies the outlet in URLs and filters; never changes."},
            "name": {"help_text": "The outlet's name."},
            "kind": {"help_text": "Kind of publisher."},
            "homepage": {"help_text": "The outlet's home page."},
            "display_policy": {
                "help_text": "How much of its articles' text the public sees: `full`, `excerpt` or `metadata` (none)."
            },
        }

    def get_articles_url(self, obj: Source) -> str:
        return _list_url(self.context.get("request"), "article", source=obj.slug)


# --- articles ---------------------------------------------------------------------


class QuoteInArticleSerializer(ArchiveSerializer):
    url = _self_link("quote-detail", "pk")
    speaker = PersonBriefSerializer(allow_null=True, help_text="Who spoke, null when the text does not say.")

    class Meta:
        model = Quote
        fields = ["url", "web_url", "id", "text", "speaker", "speaker_mention", "start", "end", "confidence", "status"]
        extra_kwargs = {
            "id": {"help_text": "The quote's id."},
            "text": {"help_text": "The quoted words, exactly as in the body."},
            "speaker_mention": {"help_text": "How the article names the speaker."},
            "start": {"help_text": "Offset of the quote in the article's body: body[start:end] is the text."},
            "end": {"help_text": "End offset in the body (exclusive)."},
            "confidence": {"help_text": "How sure the extractor is of the speaker, 0 to 1."},
            "status": {"help_text": "`auto` (machine), `verified` or `rejected` by an editor."},
        }


class MentionSerializer(serializers.ModelSerializer):
    person = PersonBriefSerializer(help_text="The person or organisation named.")

    class Meta:
        model = Mention
        fields = ["person", "text", "start", "end"]
        extra_kwargs = {
            "text": {"help_text": "The name as the article writes it."},
            "start": {"help_text": "Offset in the article's body."},
            "end": {"help_text": "End offset in the body (exclusive)."},
        }


class DatedMentionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DatedMention
        fields = ["expression", "date", "end_date", "precision", "sentence", "start", "end", "origin", "status"]
        extra_kwargs = {
            "expression": {"help_text": "The date as the article writes it ('last week', '5 March')."},
            "date": {"help_text": "The date it resolves to (YYYY-MM-DD), null when it could not be resolved."},
            "end_date": {"help_text": "Last day of a period, null for a single day."},
            "precision": {"help_text": "How precise the date is: `day`, `month` or `year` (empty when unresolved)."},
            "sentence": {"help_text": "The sentence reporting the happening."},
            "start": {"help_text": "Offset of the expression in the body."},
            "end": {"help_text": "End offset in the body (exclusive)."},
            "origin": {"help_text": "Where the date came from: `text`, `dateline`, `inferred`, `editor`, ..."},
            "status": {"help_text": "`auto`, `verified` or `rejected` by an editor."},
        }


class ArticleListSerializer(serializers.ListSerializer):
    """A page of articles: the authors and stories of all of them read at once."""

    def to_representation(self, data: Iterable[Article]) -> list[dict[str, Any]]:
        articles = list(data)
        if _by_drf(self):
            people = Person.objects.only("slug", "name", "kind")
            prefetch_related_objects(articles, Prefetch("authors", queryset=people), "stories")
        else:
            self.context["bylines"] = presentation.article_bylines(article.pk for article in articles)
        return [self.child.to_representation(article) for article in articles]


class ArticleSerializer(ArchiveSerializer):
    url = _self_link("article-detail")
    source = SourceBriefSerializer(allow_null=True, help_text="The outlet, null when unknown.")
    authors = PersonBriefSerializer(many=True, help_text="The byline's authors.")
    stories = StoryBriefSerializer(many=True, help_text="Stories editors filed the article under.")
    rank = serializers.SerializerMethodField(
        help_text="Relevance to `q` (PostgreSQL full-text rank, higher is better); null without `q`."
    )
    review_reasons = serializers.SerializerMethodField(
        help_text="Why the article waits for an editor (e.g. `date_unknown`)." + EDITORS_ONLY
    )
    locked_fields = serializers.SerializerMethodField(
        help_text="Fields an editor set, which re-extraction leaves alone." + EDITORS_ONLY
    )

    class Meta:
        model = Article
        fields = [
            "url",
            "web_url",
            "slug",
            "title",
            "source",
            "authors",
            "published_on",
            "published_precision",
            "published_origin",
            "dateline",
            "tags",
            "language",
            "status",
            "stories",
            "version",
            "created_at",
            "updated_at",
            "rank",
            "review_reasons",
            "locked_fields",
        ]
        extra_kwargs = {
            "slug": {"help_text": "Identifies the article in URLs; frozen once published."},
            "title": {"help_text": "The headline."},
            "published_on": {"help_text": "Publication date (YYYY-MM-DD), null when unknown."},
            "published_precision": {"help_text": "How precise `published_on` is: `day`, `month` or `year`."},
            "published_origin": {
                "help_text": "Where the date came from: `text`, `dateline`, `manifest`, `url`, `inferred` or `editor`."
            },
            "dateline": {"help_text": "The dateline, e.g. 'ERBIL, Kurdistan Region'."},
            "tags": {"help_text": "The outlet's tags."},
            "language": {"help_text": "Language code of the text."},
            "status": {"help_text": "`published`; editors also see `draft` and `withdrawn`."},
            "version": {"help_text": "Increases with every editor's change; send it back with a PATCH."},
            "created_at": {"help_text": "When the article was imported."},
            "updated_at": {"help_text": "When the article last changed."},
        }
        list_serializer_class = ArticleListSerializer

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_rank(self, obj: Article) -> float | None:
        return getattr(obj, "rank", None)

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), allow_null=True))
    def get_review_reasons(self, obj: Article) -> list[str] | None:
        return list(obj.review_reasons) if _is_editor(self) else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), allow_null=True))
    def get_locked_fields(self, obj: Article) -> list[str] | None:
        return list(obj.locked_fields) if _is_editor(self) else None

    def to_representation(self, article: Article) -> dict[str, Any]:
        if _by_drf(self):
            return super().to_representation(article)
        links = page_links(self.context)
        bylines = self.context.setdefault("bylines", {})
        if article.pk not in bylines:
            bylines.update(presentation.article_bylines([article.pk]))
        byline = bylines[article.pk]
        source = article.source if article.source_id else None
        editor = _is_editor(self)
        return {
            "url": links("article-detail", article.slug),
            "web_url": links.page("articles:article", article.slug),
            "slug": article.slug,
            "title": article.title,
            "source": _source_brief(links, source.slug, source.name) if source else None,
            "authors": [_person_brief(links, *person) for person in byline["authors"]],
            "published_on": _date(article.published_on),
            "published_precision": article.published_precision,
            "published_origin": article.published_origin,
            "dateline": article.dateline,
            "tags": article.tags,
            "language": article.language,
            "status": article.status,
            "stories": byline["stories"],
            "version": article.version,
            "created_at": _datetime(article.created_at),
            "updated_at": _datetime(article.updated_at),
            "rank": getattr(article, "rank", None),
            "review_reasons": list(article.review_reasons) if editor else None,
            "locked_fields": list(article.locked_fields) if editor else None,
        }


class ArticleDetailSerializer(ArticleSerializer):
    display_policy = serializers.SerializerMethodField(
        help_text="How much of the text the outlet lets the public see: `full`, `excerpt` or `metadata`; "
        "`body` follows it (editors always get the whole body)."
    )
    body = serializers.SerializerMethodField(
        help_text="The clean text (offsets of quotes and mentions point into it); an excerpt or empty "
        "as `display_policy` says."
    )
    quotes = QuoteInArticleSerializer(
        many=True, source="visible_quotes", help_text="The article's quotes, in the order of the text."
    )
    mentions = MentionSerializer(many=True, source="mention_list", help_text="People and organisations named.")
    dated_mentions = DatedMentionSerializer(
        many=True, source="dated_mention_list", help_text="Sentences reporting dated happenings (timeline evidence)."
    )
    source_url = serializers.URLField(source="url", help_text="Where the outlet published the article, if known.")
    withdrawn_reason = serializers.SerializerMethodField(help_text="Why it was withdrawn." + EDITORS_ONLY)
    extractor_version = serializers.CharField(help_text="Version of the extractor that last read the text.")

    class Meta(ArticleSerializer.Meta):
        fields = [
            *ArticleSerializer.Meta.fields,
            "display_policy",
            "body",
            "captions",
            "source_url",
            "quotes",
            "mentions",
            "dated_mentions",
            "extractor_version",
            "withdrawn_reason",
        ]
        extra_kwargs = {
            **ArticleSerializer.Meta.extra_kwargs,
            "captions": {"help_text": "Photo captions cut from the text."},
        }

    def get_display_policy(self, obj: Article) -> str:
        return presentation.display_policy(obj)

    def get_body(self, obj: Article) -> str:
        return obj.body if _is_editor(self) else presentation.public_text(obj)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_withdrawn_reason(self, obj: Article) -> str | None:
        return obj.withdrawn_reason if _is_editor(self) else None

    def to_representation(self, article: Article) -> dict[str, Any]:
        if _by_drf(self):
            return super().to_representation(article)
        links = page_links(self.context)
        editor = _is_editor(self)
        row = super().to_representation(article)
        quote_page = links.page("articles:article", article.slug)
        quotes, mentions, dated = article_evidence(links, article, editor=editor, article_page=quote_page)
        row.update(
            {
                "display_policy": presentation.display_policy(article),
                "body": article.body if editor else presentation.public_text(article),
                "captions": article.captions,
                "source_url": article.url,
                "quotes": quotes,
                "mentions": mentions,
                "dated_mentions": dated,
                "extractor_version": article.extractor_version,
                "withdrawn_reason": article.withdrawn_reason if editor else None,
            }
        )
        return row


def article_evidence(
    links: PageLinks, article: Article, *, editor: bool, article_page: str | None
) -> tuple[list[dict], list[dict], list[dict]]:
    """The quotes, mentions and dated mentions of ``article`` as its detail shows them: three queries of plain values.

    The public gets no rejected item, and no quote of an outlet that lets no words be shown; editors get all.
    Values, not model rows: building a model (and its speaker's) per row costs more than the queries.
    """
    quotes: list[dict] = []
    if editor or presentation.shows_text(article):
        rows = Quote.objects.filter(article_id=article.pk)
        if not editor:
            rows = rows.exclude(status=QuoteStatus.REJECTED)
        fields = ("id", "text", "speaker_id", "speaker__slug", "speaker__name", "speaker__kind", "speaker_mention")
        for pk, text, speaker, slug, name, kind, said_by, start, end, confidence, status in rows.order_by(
            "start", "id"
        ).values_list(*fields, "start", "end", "confidence", "status"):
            quotes.append(
                {
                    "url": links("quote-detail", pk),
                    "web_url": f"{article_page}#quote-{pk}" if article_page is not None else None,
                    "id": pk,
                    "text": text,
                    "speaker": _person_brief(links, slug, name, kind) if speaker is not None else None,
                    "speaker_mention": said_by,
                    "start": start,
                    "end": end,
                    "confidence": confidence,
                    "status": status,
                }
            )
    mentions = [
        {"person": _person_brief(links, slug, name, kind), "text": text, "start": start, "end": end}
        for slug, name, kind, text, start, end in Mention.objects.filter(article_id=article.pk)
        .order_by("start", "id")
        .values_list("person__slug", "person__name", "person__kind", "text", "start", "end")
    ]
    dated_rows = DatedMention.objects.filter(article_id=article.pk)
    if not editor:
        dated_rows = dated_rows.exclude(status=DatedMention.Status.REJECTED)
    dated = [
        {**row, "date": _date(row["date"]), "end_date": _date(row["end_date"])}
        for row in dated_rows.order_by("start", "id").values(
            "expression", "date", "end_date", "precision", "sentence", "start", "end", "origin", "status"
        )
    ]
    return quotes, mentions, dated


class ArticleUpdateSerializer(serializers.Serializer):
    """What an editor may change on an article; each field sent is locked against re-extraction."""

    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The version you read; or send its ETag in If-Match."
    )
    title = serializers.CharField(required=False, max_length=500, help_text="The headline.")
    published_on = serializers.DateField(required=False, allow_null=True, help_text="Publication date (YYYY-MM-DD).")
    dateline = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="The dateline.")
    tags = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=100, help_text="The tags."
    )
    source = serializers.SlugRelatedField(
        slug_field="slug", queryset=Source.objects.all(), required=False, allow_null=True, help_text="Outlet slug."
    )
    authors = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Person.objects.active(),
        many=True,
        required=False,
        help_text="Author slugs, in byline order.",
    )
    url = serializers.URLField(required=False, allow_blank=True, max_length=1000, help_text="The original address.")
    language = serializers.CharField(required=False, max_length=10, help_text="Language code.")
    status = serializers.ChoiceField(
        choices=[ArticleStatus.PUBLISHED, ArticleStatus.WITHDRAWN],
        required=False,
        help_text="Publish, or withdraw (with `withdrawn_reason`, which the public reads).",
    )
    withdrawn_reason = serializers.CharField(
        required=False, max_length=2000, help_text="Why the article is withdrawn; required with `status=withdrawn`."
    )

    def validate(self, attrs: dict) -> dict:
        if attrs.get("status") == ArticleStatus.WITHDRAWN and not attrs.get("withdrawn_reason", "").strip():
            raise serializers.ValidationError({"withdrawn_reason": ["A withdrawn article needs a reason."]})
        if "withdrawn_reason" in attrs and attrs.get("status") != ArticleStatus.WITHDRAWN:
            raise serializers.ValidationError({"withdrawn_reason": ["Only with `status=withdrawn`."]})
        if not set(attrs) - {"version"}:
            raise serializers.ValidationError("Nothing to change: send at least one field besides `version`.")
        return attrs


# --- quotes -----------------------------------------------------------------------


class QuoteSerializer(ArchiveSerializer):
    url = _self_link("quote-detail", "pk")
    speaker = PersonBriefSerializer(allow_null=True, help_text="Who spoke, null when the text does not say.")
    article = ArticleBriefSerializer(help_text="The article the quote appeared in.")
    source = SourceBriefSerializer(source="article.source", allow_null=True, help_text="The article's outlet.")
    rank = serializers.SerializerMethodField(
        help_text="Relevance to `q` (PostgreSQL full-text rank, higher is better); null without `q`."
    )
    locked_fields = serializers.SerializerMethodField(
        help_text="Fields an editor set, which re-extraction leaves alone." + EDITORS_ONLY
    )

    class Meta:
        model = Quote
        fields = [
            "url",
            "web_url",
            "id",
            "text",
            "speaker",
            "speaker_mention",
            "article",
            "source",
            "start",
            "end",
            "confidence",
            "origin",
            "extractor_version",
            "status",
            "version",
            "rank",
            "locked_fields",
        ]
        extra_kwargs = {
            **QuoteInArticleSerializer.Meta.extra_kwargs,
            "origin": {"help_text": "`text` (extracted) or `editor`."},
            "extractor_version": {"help_text": "Version of the extractor that found it."},
            "version": {"help_text": "Increases with every editor's change; send it back with a PATCH."},
        }

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_rank(self, obj: Quote) -> float | None:
        return getattr(obj, "rank", None)

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), allow_null=True))
    def get_locked_fields(self, obj: Quote) -> list[str] | None:
        return list(obj.locked_fields) if _is_editor(self) else None

    def to_representation(self, quote: Quote) -> dict[str, Any]:
        if _by_drf(self):
            return super().to_representation(quote)
        links = page_links(self.context)
        article = quote.article
        source = article.source if article.source_id else None
        speaker = quote.speaker if quote.speaker_id else None
        article_page = links.page("articles:article", article.slug)
        return {
            "url": links("quote-detail", quote.pk),
            "web_url": f"{article_page}#quote-{quote.pk}" if article_page is not None else None,
            "id": quote.pk,
            "text": quote.text,
            "speaker": _person_brief(links, speaker.slug, speaker.name, speaker.kind) if speaker else None,
            "speaker_mention": quote.speaker_mention,
            "article": {
                "url": links("article-detail", article.slug),
                "slug": article.slug,
                "title": article.title,
                "published_on": _date(article.published_on),
            },
            "source": _source_brief(links, source.slug, source.name) if source else None,
            "start": quote.start,
            "end": quote.end,
            "confidence": quote.confidence,
            "origin": quote.origin,
            "extractor_version": quote.extractor_version,
            "status": quote.status,
            "version": quote.version,
            "rank": getattr(quote, "rank", None),
            "locked_fields": list(quote.locked_fields) if _is_editor(self) else None,
        }


class QuoteUpdateSerializer(serializers.Serializer):
    """What an editor may change on a quote: who spoke, and whether it is verified or rejected."""

    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The version you read; or send its ETag in If-Match."
    )
    speaker = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Person.objects.active(),
        required=False,
        allow_null=True,
        help_text="The speaker's slug; null when nobody is named.",
    )
    speaker_mention = serializers.CharField(
        required=False, allow_blank=True, max_length=300, help_text="How the article names the speaker."
    )
    status = serializers.ChoiceField(
        choices=QuoteStatus.choices, required=False, help_text="`verified` or `rejected` (or back to `auto`)."
    )

    def validate(self, attrs: dict) -> dict:
        if not set(attrs) - {"version"}:
            raise serializers.ValidationError("Nothing to change: send at least one field besides `version`.")
        return attrs


# --- people -----------------------------------------------------------------------


class PersonSerializer(ArchiveSerializer):
    url = _self_link("person-detail")
    aliases = serializers.SerializerMethodField(help_text="Other names the archive knows for them.")
    quote_count = serializers.IntegerField(read_only=True, help_text="Quotes of theirs you may read.")
    quotes_url = serializers.SerializerMethodField(help_text="Their quotes in this API.")
    articles_url = serializers.SerializerMethodField(help_text="Articles naming them, in this API.")
    locked_fields = serializers.SerializerMethodField(
        help_text="Fields an editor set, which re-extraction leaves alone." + EDITORS_ONLY
    )

    class Meta:
        model = Person
        fields = [
            "url",
            "web_url",
            "slug",
            "name",
            "kind",
            "roles",
            "description",
            "aliases",
            "quote_count",
            "quotes_url",
            "articles_url",
            "version",
            "updated_at",
            "locked_fields",
        ]
        extra_kwargs = {
            "slug": {"help_text": "Identifies the person in URLs; an old slug of a merged person redirects."},
            "name": {"help_text": "The canonical name."},
            "kind": {"help_text": "`person` or `organisation`."},
            "roles": {"help_text": "Roles the articles give them, e.g. 'NATO Secretary General'."},
            "description": {"help_text": "An editor's note on who they are."},
            "version": {"help_text": "Increases with every editor's change; send it back with a PATCH."},
            "updated_at": {"help_text": "When the row last changed."},
        }

    def get_aliases(self, obj: Person) -> list[str]:
        return [alias.name for alias in obj.aliases.all()]

    def get_quotes_url(self, obj: Person) -> str:
        return _list_url(self.context.get("request"), "quote", speaker=obj.slug)

    def get_articles_url(self, obj: Person) -> str:
        return _list_url(self.context.get("request"), "article", person=obj.slug)

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), allow_null=True))
    def get_locked_fields(self, obj: Person) -> list[str] | None:
        return list(obj.locked_fields) if _is_editor(self) else None


class PersonUpdateSerializer(serializers.Serializer):
    """What an editor may change on a person; each field sent is locked. The slug never changes."""

    version = serializers.IntegerField(
        required=False, min_value=1, help_text="The version you read; or send its ETag in If-Match."
    )
    name = serializers.CharField(
        required=False, max_length=300, help_text="The canonical name; the old one stays an alias."
    )
    kind = serializers.ChoiceField(choices=PersonKind.choices, required=False, help_text="`person` or `organisation`.")
    roles = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=50, help_text="Roles."
    )
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, help_text="Who they are, in an editor's words."
    )

    def validate(self, attrs: dict) -> dict:
        if not set(attrs) - {"version"}:
            raise serializers.ValidationError("Nothing to change: send at least one field besides `version`.")
        return attrs
