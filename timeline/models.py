"""What many articles say together: events and the dated mentions that report them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from articles.models import PRECISION_CHOICES, DatedMention, Person


class EventQuerySet(models.QuerySet):
    def public(self) -> EventQuerySet:
        """Events reported by at least one published article."""
        return self.filter(event_mentions__dated_mention__article__status="published").distinct()

    def dated(self) -> EventQuerySet:
        return self.filter(date__isnull=False)


class Event(models.Model):
    """One real-world happening, reported by one or more dated mentions."""

    class Status(models.TextChoices):
        AUTO = "auto", "Machine"
        VERIFIED = "verified", "Verified"

    date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    precision = models.CharField(max_length=5, choices=PRECISION_CHOICES, blank=True)
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
