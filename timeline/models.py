"""What many articles say together: events and the dated mentions that report them; statements and their quotes."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from articles.models import PRECISION_CHOICES, DatedMention, Person, Quote
from timeline.matching import sentence_bounds


def reporting_sentence(mention: DatedMention) -> str:
    """The sentence of the article that holds the mention's date, cut from the body (the stored one may be wider)."""
    body = mention.article.body
    if body[mention.start : mention.end] != mention.expression:
        return " ".join(mention.sentence.split())
    start, end = sentence_bounds(body, mention.start, mention.end)
    return " ".join(body[start:end].split())


class EventQuerySet(models.QuerySet):
    def public(self) -> EventQuerySet:
        """Events reported by at least one published article."""
        published = EventMention.objects.filter(
            event=models.OuterRef("pk"), dated_mention__article__status="published"
        ).exclude(dated_mention__status="rejected")
        return self.filter(models.Exists(published))

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
        return f"{reverse('timeline:index')}#event-{self.pk}"


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
