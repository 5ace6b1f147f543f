"""What one article says: outlets, articles, people, quotes, mentions and dated mentions."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection, models
from django.db.models import Q
from django.db.models.functions import Cast, Coalesce, Left, Upper
from django.urls import reverse
from simple_history.models import HistoricalRecords

from articles.extraction.types import EntityKind, Origin, Precision, RemovalReason, ReviewReason

ORIGIN_CHOICES = [(o.value, o.value) for o in Origin]
# How many first characters of a body the near-duplicate check compares (indexed: Article.Meta).
NEAR_DUPLICATE_OPENING = 120
PRECISION_CHOICES = [(p.value, p.value) for p in Precision]

REVIEW_REASON_LABELS = {
    ReviewReason.DATE_UNKNOWN: "Publication date unknown",
    ReviewReason.DATE_AMBIGUOUS: "Publication date ambiguous (day-first or month-first)",
    ReviewReason.OUTLET_UNKNOWN: "Outlet unknown",
    ReviewReason.OUTLET_INFERRED: "Outlet inferred from house style",
    ReviewReason.TITLE_MISSING: "Headline missing",
    ReviewReason.POSSIBLE_DUPLICATE: "Possible duplicate of another article",
    ReviewReason.LANGUAGE_UNSUPPORTED: "Language not supported by the extractor",
}
# The review queue shows what matters most first.
REVIEW_REASON_PRIORITY = [
    ReviewReason.DATE_UNKNOWN,
    ReviewReason.DATE_AMBIGUOUS,
    ReviewReason.POSSIBLE_DUPLICATE,
    ReviewReason.OUTLET_UNKNOWN,
    ReviewReason.OUTLET_INFERRED,
    ReviewReason.TITLE_MISSING,
    ReviewReason.LANGUAGE_UNSUPPORTED,
]


def _choice_check(field: str, choices, *, name: str, null: bool = False) -> models.CheckConstraint:
    condition = Q(**{f"{field}__in": [value for value, _ in choices]})
    if null:
        condition |= Q(**{f"{field}__isnull": True})
    return models.CheckConstraint(condition=condition, name=name)


def _text_search(queryset: models.QuerySet, query: str, *, fields: list[str]) -> models.QuerySet:
    # search_vector is kept by a PostgreSQL trigger (migration 0003); SQLite has none, so it falls back.
    if connection.vendor == "postgresql":
        terms = SearchQuery(query, config="english", search_type="websearch")
        # As double precision: ts_rank's real would not survive a round trip through a text cursor exactly
        # (the API pages on it), and ranking once costs reading every matching vector once.
        rank = Cast(SearchRank(models.F("search_vector"), terms), models.FloatField())
        return queryset.filter(search_vector=terms).annotate(rank=rank).order_by("-rank", "-pk")
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": query})
    return queryset.filter(condition)


class NullsLastIndex(models.Index):
    """An index of ``F(...).desc(nulls_last=True)`` columns, the API's order, on SQLite without NULLS LAST.

    SQLite cannot place NULLs in an index, only in a query; there the index is plain and sorts like the query
    anyway but for the NULLs. On PostgreSQL it serves ``ORDER BY ... NULLS LAST`` straight from the index.
    """

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor == "postgresql":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        _path, expressions, options = self.deconstruct()
        plain = [
            models.OrderBy(e.expression, descending=e.descending) if isinstance(e, models.OrderBy) else e
            for e in expressions
        ]
        return models.Index(*plain, **options).create_sql(model, schema_editor, using=using, **kwargs)


class SourceKind(models.TextChoices):
    NEWS_OUTLET = "news_outlet", "News outlet"
    WIRE = "wire", "Wire service"
    GOVERNMENT = "government", "Government"
    OTHER = "other", "Other"


class SourceDateOrder(models.TextChoices):
    DAY_FIRST = "DMY", "Day first (05-03-2018 is 5 March)"
    MONTH_FIRST = "MDY", "Month first (05-03-2018 is 3 May)"


class DisplayPolicy(models.TextChoices):
    FULL_TEXT = "full", "Full text"
    EXCERPT = "excerpt", "Excerpt"
    METADATA_ONLY = "metadata", "Metadata only"


class Source(models.Model):
    """A news outlet, wire service, government or other publisher."""

    Kind = SourceKind

    DateOrder = SourceDateOrder

    DisplayPolicy = DisplayPolicy

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    homepage = models.URLField(blank=True)
    domain = models.CharField(max_length=200, blank=True, help_text="Web domain, e.g. rudaw.net")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.NEWS_OUTLET)
    date_order = models.CharField(
        max_length=3, choices=DateOrder.choices, blank=True, help_text="How the outlet writes all-numeric dates."
    )
    display_policy = models.CharField(max_length=10, choices=DisplayPolicy.choices, default=DisplayPolicy.FULL_TEXT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            _choice_check("kind", SourceKind.choices, name="source_kind_valid"),
            _choice_check("display_policy", DisplayPolicy.choices, name="source_display_policy_valid"),
            models.CheckConstraint(condition=Q(date_order__in=["", "DMY", "MDY"]), name="source_date_order_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("articles:source", kwargs={"slug": self.slug})


class PatternStrength(models.TextChoices):
    NAMED = "named", "Names the outlet (e.g. its comment policy)"
    STYLE = "style", "House style that only suggests the outlet (e.g. dateline)"


class SourcePattern(models.Model):
    """Text that identifies an outlet in a raw file; editors add these in the admin."""

    Strength = PatternStrength

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="patterns")
    pattern = models.CharField(max_length=500)
    is_regex = models.BooleanField(default=False)
    strength = models.CharField(max_length=10, choices=Strength.choices, default=Strength.NAMED)

    class Meta:
        ordering = ["source", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "pattern"], name="sourcepattern_unique"),
            _choice_check("strength", PatternStrength.choices, name="sourcepattern_strength_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.pattern}"


class PersonQuerySet(models.QuerySet):
    def active(self) -> PersonQuerySet:
        """People not merged into another."""
        return self.filter(merged_into__isnull=True)


class PersonKind(models.TextChoices):
    PERSON = EntityKind.PERSON.value, "Person"
    ORGANISATION = EntityKind.ORGANISATION.value, "Organisation"


class Person(models.Model):
    """A real person or an organisation, one row across the whole archive."""

    Kind = PersonKind

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(max_length=300)
    slug = models.SlugField(max_length=300, unique=True)
    roles = models.JSONField(default=list, blank=True)
    description = models.TextField(blank=True)
    # Set when an editor merged this person into another: the old URL redirects.
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # An office that speaks for a person ("Office of the Iraqi Prime Minister" -> Haider al-Abadi).
    office_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="offices", verbose_name="office of"
    )
    locked_fields = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "people"
        constraints = [_choice_check("kind", PersonKind.choices, name="person_kind_valid")]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("articles:person", kwargs={"slug": self.slug})


class Alias(models.Model):
    """Another name for a person or organisation (a surname, a spelling, an acronym)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=300)
    normalized = models.CharField(max_length=300, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "aliases"
        constraints = [models.UniqueConstraint(fields=["person", "normalized"], name="alias_unique_per_person")]

    def __str__(self) -> str:
        return self.name


class ImportRun(models.Model):
    """One run of the importer: who or what started it, and the outcome per file."""

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    command = models.CharField(max_length=500, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    dry_run = models.BooleanField(default=False)
    files = models.JSONField(default=list, blank=True, help_text="One entry per file: name, outcome, reason.")
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Import {self.pk} at {self.started_at:%Y-%m-%d %H:%M}"


class ArticleQuerySet(models.QuerySet):
    def published(self) -> ArticleQuerySet:
        """Articles the public may read."""
        return self.filter(status=Article.Status.PUBLISHED)

    def published_count(self) -> int:
        """How many articles the public may read, as ``published().count()``.

        On PostgreSQL, unfiltered, it is read from the counts triggers keep exact (migration 0007), not counted.
        """
        if connection.vendor != "postgresql" or self.query.has_filters():
            return self.published().count()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(sum(n), 0) FROM articles_article_count WHERE status = %s", [Article.Status.PUBLISHED]
            )
            return int(cursor.fetchone()[0])

    def needs_review(self) -> ArticleQuerySet:
        """Articles with at least one review reason."""
        return self.exclude(review_reasons=[])

    def stale(self, version: str) -> ArticleQuerySet:
        """Articles extracted by an older extractor than ``version``."""
        return self.exclude(extractor_version=version)

    def review_queue(self, *, threshold: float = 0.6) -> ArticleQuerySet:
        """Articles an editor should look at, most urgent first (missing date first, unsure quotes last)."""
        # Each row carries ``priority`` (an index into REVIEW_REASON_PRIORITY) and ``unsure_quotes``.
        unsure = (
            Quote.objects.filter(article=models.OuterRef("pk"))
            .needs_review(threshold)
            .values("article")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        # JSON containment is not portable (SQLite): match the quoted reason in the list's text instead.
        priority = models.Case(
            *(
                models.When(review_reasons__icontains=f'"{reason.value}"', then=models.Value(rank))
                for rank, reason in enumerate(REVIEW_REASON_PRIORITY)
            ),
            default=models.Value(len(REVIEW_REASON_PRIORITY)),
        )
        return (
            self.annotate(
                unsure_quotes=Coalesce(models.Subquery(unsure), 0),
                priority=priority,
            )
            .filter(~Q(review_reasons=[]) | Q(unsure_quotes__gt=0))
            .order_by("priority", "-unsure_quotes", "-id")
        )

    def search(self, query: str) -> ArticleQuerySet:
        """Articles matching ``query``, best first: PostgreSQL full text, else a plain substring match."""
        return _text_search(self, query, fields=["title", "dateline", "body"])


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Article(models.Model):
    """One imported article: its raw text, as it came, and what was read from it."""

    Status = ArticleStatus

    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.PROTECT, related_name="articles")
    source_origin = models.CharField(max_length=10, choices=ORIGIN_CHOICES, blank=True)
    title = models.CharField(max_length=500, blank=True)
    title_origin = models.CharField(max_length=10, choices=ORIGIN_CHOICES, blank=True)
    slug = models.SlugField(max_length=200, unique=True)
    authors = models.ManyToManyField(Person, blank=True, related_name="authored_articles")
    authors_origin = models.CharField(max_length=10, choices=ORIGIN_CHOICES, blank=True)
    published_on = models.DateField(null=True, blank=True)
    published_origin = models.CharField(max_length=10, choices=ORIGIN_CHOICES, blank=True)
    published_precision = models.CharField(max_length=5, choices=PRECISION_CHOICES, blank=True)
    dateline = models.CharField(max_length=200, blank=True)
    tags = models.JSONField(default=list, blank=True)
    body = models.TextField(blank=True)
    captions = models.JSONField(default=list, blank=True)
    raw_text = models.TextField(help_text="Exactly as imported; never changed.")
    encoding = models.CharField(max_length=40, default="utf-8")
    sha256 = models.CharField(max_length=64, unique=True)
    original_filename = models.CharField(max_length=500)
    url = models.URLField(max_length=1000, blank=True)
    language = models.CharField(max_length=10, default="en")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    withdrawn_reason = models.TextField(blank=True)
    review_reasons = models.JSONField(default=list, blank=True)
    suggestions = models.JSONField(default=list, blank=True)
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    locked_fields = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    extractor_version = models.CharField(max_length=20, blank=True)
    import_run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Kept current by a PostgreSQL trigger (migration 0003), so rows written by
    # bulk_create or raw SQL are searchable too; unused on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)
    history = HistoricalRecords(excluded_fields=["raw_text", "body", "search_vector"])

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_on", "-id"]
        constraints = [
            _choice_check("status", ArticleStatus.choices, name="article_status_valid"),
            models.CheckConstraint(
                condition=Q(published_precision__in=["", *[p for p, _ in PRECISION_CHOICES]]),
                name="article_published_precision_valid",
            ),
            models.CheckConstraint(
                condition=Q(published_on__isnull=True) | ~Q(published_precision=""),
                name="article_published_has_precision",
            ),
            models.CheckConstraint(condition=~Q(sha256=""), name="article_sha256_not_empty"),
        ]
        indexes = [
            models.Index(fields=["status", "-published_on"]),
            models.Index(fields=["extractor_version"]),
            GinIndex(fields=["search_vector"], name="article_search_gin"),
            # The public lists' order (newest first, unknown dates last, as the API pages them), read straight
            # from an index instead of sorting every published article: all of them, and an outlet's.
            NullsLastIndex(
                models.F("published_on").desc(nulls_last=True),
                models.F("id").desc(),
                condition=Q(status="published"),
                name="article_published_newest",
            ),
            NullsLastIndex(
                "source",
                models.F("published_on").desc(nulls_last=True),
                models.F("id").desc(),
                condition=Q(status="published"),
                name="article_source_newest",
            ),
            # The near-duplicate check looks up articles of the same headline or the same opening
            # (services._near_duplicate); unindexed, each import read every article.
            models.Index(Upper("title"), name="article_title_upper"),
            models.Index(Left("body", NEAR_DUPLICATE_OPENING), name="article_body_opening"),
        ]

    def __str__(self) -> str:
        return self.title or self.original_filename

    def get_absolute_url(self) -> str:
        return reverse("articles:article", kwargs={"slug": self.slug})

    def review_reason_labels(self) -> list[str]:
        """The review reasons as labels an editor reads."""
        return [REVIEW_REASON_LABELS.get(ReviewReason(r), r) for r in self.review_reasons]


class ArticleFingerprint(models.Model):
    """One hash of an article's body fingerprint (articles.extraction.fingerprints): near-duplicates share many.

    Looked up by hash when an article is imported, so that its body is compared only with the bodies that share
    its runs of text, wherever they are in the archive.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="fingerprints")
    hash = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hash", "article"], name="articlefingerprint_unique")]

    def __str__(self) -> str:
        return f"{self.article_id}: {self.hash}"


class RemovedSpan(models.Model):
    """A stretch of the raw text that the cleaner left out of the body, with why."""

    REASON_CHOICES = [(r.value, r.value) for r in RemovalReason]

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="removed_spans")
    raw_start = models.PositiveIntegerField()
    raw_end = models.PositiveIntegerField()
    reason = models.CharField(max_length=20, choices=REASON_CHOICES)
    restored = models.BooleanField(default=False)

    class Meta:
        ordering = ["article", "raw_start"]
        constraints = [
            models.CheckConstraint(condition=Q(raw_start__lt=models.F("raw_end")), name="removedspan_start_before_end"),
            models.UniqueConstraint(fields=["article", "raw_start", "raw_end"], name="removedspan_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.reason} [{self.raw_start}:{self.raw_end}]"

    @property
    def text(self) -> str:
        return self.article.raw_text[self.raw_start : self.raw_end]


class ExtractedItem(models.Model):
    """Provenance every extracted row carries: where in which article, by which extractor, how sure."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE)
    start = models.PositiveIntegerField(help_text="Offset into the clean body.")
    end = models.PositiveIntegerField()
    raw_start = models.PositiveIntegerField(help_text="Offset into the raw text; never changes.")
    raw_end = models.PositiveIntegerField()
    confidence = models.FloatField(default=1.0)
    rule = models.CharField(max_length=60, blank=True)
    extractor_version = models.CharField(max_length=20, blank=True)
    origin = models.CharField(max_length=10, choices=ORIGIN_CHOICES, default=Origin.TEXT.value)

    class Meta:
        abstract = True


def _span_constraints(prefix: str) -> list:
    return [
        models.CheckConstraint(condition=Q(start__lt=models.F("end")), name=f"{prefix}_start_before_end"),
        models.CheckConstraint(condition=Q(raw_start__lt=models.F("raw_end")), name=f"{prefix}_raw_start_before_end"),
        models.CheckConstraint(condition=Q(confidence__gte=0) & Q(confidence__lte=1), name=f"{prefix}_confidence_0_1"),
    ]


class QuoteQuerySet(models.QuerySet):
    def public(self) -> QuoteQuerySet:
        """Quotes of published articles that editors have not rejected."""
        return self.filter(article__status=Article.Status.PUBLISHED).exclude(status=Quote.Status.REJECTED)

    def needs_review(self, threshold: float = 0.6) -> QuoteQuerySet:
        """Unreviewed quotes the extractor was not sure of."""
        return self.filter(status=Quote.Status.AUTO, confidence__lt=threshold)

    def search(self, query: str) -> QuoteQuerySet:
        """Quotes matching ``query``, best first: PostgreSQL full text, else a plain substring match."""
        return _text_search(self, query, fields=["text", "speaker_mention"])


class QuoteStatus(models.TextChoices):
    AUTO = "auto", "Machine"
    VERIFIED = "verified", "Verified"
    REJECTED = "rejected", "Rejected"


class Quote(ExtractedItem):
    """Words between one pair of quotation marks, and who the text says spoke them."""

    Status = QuoteStatus

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="quotes")
    text = models.TextField()
    speaker = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="quotes")
    speaker_mention = models.CharField(max_length=300, blank=True)
    group = models.PositiveIntegerField(default=0, help_text="Quotes of one quotation share it.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.AUTO)
    locked_fields = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    search_vector = SearchVectorField(null=True, editable=False)  # trigger-maintained, as Article's
    history = HistoricalRecords(excluded_fields=["search_vector"])

    objects = QuoteQuerySet.as_manager()

    class Meta:
        ordering = ["article", "start"]
        constraints = [
            *_span_constraints("quote"),
            _choice_check("status", QuoteStatus.choices, name="quote_status_valid"),
            models.UniqueConstraint(fields=["article", "raw_start", "raw_end"], name="quote_unique_span"),
        ]
        indexes = [GinIndex(fields=["search_vector"], name="quote_search_gin")]

    def __str__(self) -> str:
        return self.text[:80]

    def get_absolute_url(self) -> str:
        return f"{self.article.get_absolute_url()}#quote-{self.pk}"


class Mention(ExtractedItem):
    """A person or organisation named in an article."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="mentions")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="mentions")
    text = models.CharField(max_length=300)

    class Meta:
        ordering = ["article", "start"]
        constraints = [
            *_span_constraints("mention"),
            models.UniqueConstraint(fields=["article", "raw_start", "raw_end"], name="mention_unique_span"),
        ]

    def __str__(self) -> str:
        return self.text


class DatedMentionStatus(models.TextChoices):
    AUTO = "auto", "Machine"
    VERIFIED = "verified", "Verified"
    REJECTED = "rejected", "Rejected"


class DatedMention(ExtractedItem):
    """A sentence of an article reporting a dated happening."""

    Status = DatedMentionStatus

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="dated_mentions")
    expression = models.CharField(max_length=200)
    date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    precision = models.CharField(max_length=5, choices=PRECISION_CHOICES, blank=True)
    sentence = models.TextField()
    sentence_start = models.PositiveIntegerField(default=0)
    sentence_end = models.PositiveIntegerField(default=0)
    people = models.ManyToManyField(Person, blank=True, related_name="dated_mentions")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.AUTO)
    locked_fields = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["article", "start"]
        constraints = [
            *_span_constraints("datedmention"),
            _choice_check("status", DatedMentionStatus.choices, name="datedmention_status_valid"),
            models.CheckConstraint(
                condition=Q(precision__in=["", *[p for p, _ in PRECISION_CHOICES]]),
                name="datedmention_precision_valid",
            ),
            models.CheckConstraint(
                condition=Q(date__isnull=True, precision="") | (Q(date__isnull=False) & ~Q(precision="")),
                name="datedmention_date_has_precision",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("date")),
                name="datedmention_end_after_start",
            ),
            models.UniqueConstraint(fields=["article", "raw_start", "raw_end"], name="datedmention_unique_span"),
        ]
        indexes = [
            # Whether a mention may be shown (its status, its article's) from the index alone: the timeline asks
            # for every report of every event it lists.
            models.Index(fields=["id"], include=["status", "article"], name="datedmention_visibility"),
            # Happenings with no known date yet (the timeline counts and lists them): few, found without a scan.
            models.Index(
                fields=["article"],
                condition=Q(date__isnull=True) & ~Q(status="rejected"),
                name="datedmention_undated",
            ),
            # The mentions whose date may agree with a new one (the timeline's merging): a day, a month or a year
            # of one precision, or the few explicit ranges that reach it.
            models.Index(fields=["precision", "date"], name="datedmention_precision_date"),
            models.Index(fields=["end_date"], condition=Q(end_date__isnull=False), name="datedmention_ranges"),
        ]

    def __str__(self) -> str:
        return f"{self.expression} ({self.date or 'undated'})"


class Story(models.Model):
    """A story editors follow: the articles that tell it, in one place."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    articles = models.ManyToManyField(Article, blank=True, related_name="stories")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[articles])

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "stories"

    def __str__(self) -> str:
        return self.title


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Done with failures"


class Job(models.Model):
    """One batch of background re-extraction: what was selected and how far it got."""

    Status = JobStatus

    selection = models.JSONField(default=dict, help_text="How the articles were chosen, as given.")
    article_ids = models.JSONField(default=list)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    failures = models.JSONField(default=list, blank=True, help_text="[{article, reason}] per failed article.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    extractor_version = models.CharField(max_length=20, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            _choice_check("status", JobStatus.choices, name="job_status_valid"),
            models.CheckConstraint(condition=Q(done__lte=models.F("total")), name="job_done_within_total"),
        ]

    def __str__(self) -> str:
        return f"Job {self.pk}: {self.done + self.failed}/{self.total}"


class JobItem(models.Model):
    """One article of a job; its unique key makes running it twice count once."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="items")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "article"], name="jobitem_unique_article")]

    def __str__(self) -> str:
        return f"Job {self.job_id}, article {self.article_id}"
