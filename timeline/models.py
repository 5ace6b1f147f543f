"""What many articles say together: events and the dated mentions that report them; statements and their quotes."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Greatest, Substr
from django.urls import reverse
from simple_history.models import HistoricalRecords

from articles.models import PRECISION_CHOICES, DatedMention, Person, Quote
from timeline.matching import sentence_bounds

# How much of the body either side of a date a list reads to cut the date's sentence from (a sentence is far
# shorter), and how far from a cut edge the sentence must end for the cut to read as the whole body would.
SENTENCE_CONTEXT = 600
_CONTEXT_EDGE = 40


def reporting_sentence(mention: DatedMention) -> str:
    """The sentence of the article that holds the mention's date, cut from the body (the stored one may be wider)."""
    body = mention.article.body
    if body[mention.start : mention.end] != mention.expression:
        return " ".join(mention.sentence.split())
    start, end = sentence_bounds(body, mention.start, mention.end)
    return " ".join(body[start:end].split())


def sentence_in_context(
    *, expression: str, stored: str, start: int, end: int, context: str, context_start: int
) -> str | None:
    """``reporting_sentence`` of a mention at ``start:end``, from ``context``: its body from ``context_start``.

    ``context`` is what ``sentence_context()`` reads. None when the sentence might reach past a cut edge (one of
    hundreds of characters): read the whole body then.
    """
    start, end = start - context_start, end - context_start
    if context[start:end] != expression:
        return " ".join(stored.split())  # as the whole body would say: the context is a slice of it
    begin, stop = sentence_bounds(context, start, end)
    # Near a cut edge an abbreviation's dot or a sentence end's look-ahead could read differently.
    if context_start > 0 and begin < _CONTEXT_EDGE:
        return None
    reaches_body_end = len(context) < end + SENTENCE_CONTEXT
    if not reaches_body_end and stop > len(context) - _CONTEXT_EDGE:
        return None
    return " ".join(context[begin:stop].split())


def sentence_context(prefix: str = "") -> dict[str, models.Expression]:
    """Annotations of dated mentions (at ``prefix``): ``context``, the body around the date, from ``context_start``.

    Enough for ``sentence_in_context()``: a list of reports reads that, not whole bodies.
    """
    context_start = Greatest(models.F(f"{prefix}start") - SENTENCE_CONTEXT, 0)
    length = models.F(f"{prefix}end") + SENTENCE_CONTEXT - context_start
    return {"context_start": context_start, "context": Substr(f"{prefix}article__body", context_start + 1, length)}


class EventQuerySet(models.QuerySet):
    def public(self) -> EventQuerySet:
        """Events reported by at least one published article."""
        return self.filter(models.Exists(EventMention.objects.public().filter(event=models.OuterRef("pk"))))

    def dated(self) -> EventQuerySet:
        """Events with a date (an editor may link only undated mentions to an event)."""
        return self.filter(date__isnull=False)

    def chronological(self) -> EventQuerySet:
        """Oldest first; at equal start the vaguer date (the year) before the day, undated last."""
        rank = models.Case(models.When(precision="year", then=0), models.When(precision="month", then=1), default=2)
        return self.annotate(precision_rank=rank).order_by(
            models.F("date").asc(nulls_last=True), "precision_rank", "id"
        )


class Event(models.Model):
    """One real-world happening, reported by one or more dated mentions."""

    class Status(models.TextChoices):
        AUTO = "auto", "Machine"
        VERIFIED = "verified", "Verified"

    date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    precision = models.CharField(max_length=5, choices=PRECISION_CHOICES, blank=True)
    date_note = models.CharField(
        max_length=500, blank=True, help_text="How the date was chosen when the reports differ in precision."
    )
    title = models.CharField(max_length=80, blank=True)
    summary = models.TextField(blank=True)
    place = models.CharField(max_length=200, blank=True)
    participants = models.ManyToManyField(Person, blank=True, related_name="events")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.AUTO)
    locked_fields = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["date", "precision"])]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["auto", "verified"]), name="event_status_valid"),
            models.CheckConstraint(
                condition=Q(precision__in=["", *[p for p, _ in PRECISION_CHOICES]]), name="event_precision_valid"
            ),
            models.CheckConstraint(
                condition=Q(date__isnull=True, precision="") | (Q(date__isnull=False) & ~Q(precision="")),
                name="event_date_has_precision",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("date")), name="event_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"Event {self.pk}"

    def get_absolute_url(self) -> str:
        # The event's own page: the timeline pages by period, so an anchor there would miss most events.
        return reverse("timeline:event", kwargs={"pk": self.pk})


def reading_order() -> list[models.OrderBy]:
    """The order of an event's reports, as expressions (for a window over several events' reports too)."""
    return [models.F("dated_mention__article__published_on").asc(nulls_last=True), models.F("pk").asc()]


class EventMentionQuerySet(models.QuerySet):
    def unrejected(self) -> EventMentionQuerySet:
        """Reports whose dated mention no editor rejected: what editors see."""
        return self.exclude(dated_mention__status=DatedMention.Status.REJECTED)

    def public(self) -> EventMentionQuerySet:
        """Reports the public sees: not rejected, in a published article."""
        return self.unrejected().filter(dated_mention__article__status="published")

    def reading_order(self) -> EventMentionQuerySet:
        """Earliest article first (undated articles last), then in the order the links were made."""
        return self.order_by(*reading_order())


class EventMention(models.Model):
    """The link of a dated mention to the event it reports, with why the machine (or an editor) made it."""

    class Origin(models.TextChoices):
        AUTO = "auto", "Machine"
        EDITOR = "editor", "Editor"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="event_mentions")
    dated_mention = models.OneToOneField(DatedMention, on_delete=models.CASCADE, related_name="event_link")
    score = models.FloatField(default=1.0)
    reasons = models.JSONField(default=list, blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.AUTO)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EventMentionQuerySet.as_manager()

    class Meta:
        ordering = ["event", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(origin__in=["auto", "editor"]), name="eventmention_origin_valid")
        ]

    def __str__(self) -> str:
        return f"{self.dated_mention} -> {self.event}"

    @property
    def sentence(self) -> str:
        """The reporting sentence."""
        return reporting_sentence(self.dated_mention)


class StatementQuerySet(models.QuerySet):
    def public(self) -> StatementQuerySet:
        """Statements reported by at least one quote readers may see (published article, not rejected)."""
        visible = StatementQuote.objects.filter(
            statement=models.OuterRef("pk"), quote__article__status="published"
        ).exclude(quote__status="rejected")
        return self.filter(models.Exists(visible))

    def by(self, person: Person) -> StatementQuerySet:
        """Statements of ``person``, or of someone an editor merged into them."""
        return self.filter(Q(speaker=person) | Q(speaker__merged_into=person))


class Statement(models.Model):
    """The same words of one speaker, reported by one or more articles (each report a quote)."""

    speaker = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="statements")
    text = models.TextField(blank=True, help_text="The fullest wording its reports give.")
    first_reported_on = models.DateField(null=True, blank=True, help_text="The earliest publication date of a report.")
    locked_fields = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StatementQuerySet.as_manager()

    class Meta:
        ordering = [models.F("first_reported_on").asc(nulls_last=True), "id"]
        indexes = [models.Index(fields=["speaker", "first_reported_on"])]

    def __str__(self) -> str:
        text = self.text if len(self.text) <= 80 else self.text[:79].rsplit(" ", 1)[0] + "…"
        return f"{self.speaker}: “{text}”" if self.speaker else f"“{text}”"


class StatementQuote(models.Model):
    """The link of a quote to the statement it reports, with why the machine (or an editor) made it."""

    class Origin(models.TextChoices):
        AUTO = "auto", "Machine"
        EDITOR = "editor", "Editor"

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="statement_quotes")
    quote = models.OneToOneField(Quote, on_delete=models.CASCADE, related_name="statement_link")
    score = models.FloatField(default=1.0)
    reasons = models.JSONField(default=list, blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.AUTO)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["statement", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(origin__in=["auto", "editor"]), name="statementquote_origin_valid")
        ]

    def __str__(self) -> str:
        return f"{self.quote} -> statement {self.statement_id}"
