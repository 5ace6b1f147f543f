"""The editors' admin for events."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from timeline.models import Event, EventMention


class EventMentionInline(admin.TabularInline):
    model = EventMention
    extra = 0
    fields = ["dated_mention", "score", "reasons", "origin"]
    readonly_fields = ["score", "reasons"]
    autocomplete_fields = ["dated_mention"]


@admin.register(Event)
class EventAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "date", "precision", "status"]
    list_filter = ["precision", "status"]
    search_fields = ["title", "summary"]
    autocomplete_fields = ["participants"]
    inlines = [EventMentionInline]
