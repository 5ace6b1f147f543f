"""The editors' admin for events (correct, verify, merge, split) and statements (link, unlink), through the services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count
from simple_history.admin import SimpleHistoryAdmin

from timeline import services
from timeline.matching import format_date
from timeline.models import Event, EventMention, Statement, StatementQuote


class EventMentionInline(admin.TabularInline):
    model = EventMention
    extra = 0
    fields = ["dated_mention", "article", "sentence", "score", "reasons", "origin"]
    readonly_fields = ["article", "sentence", "score", "reasons", "origin"]
    autocomplete_fields = ["dated_mention"]
    show_change_link = True

    @admin.display(description="Article")
    def article(self, link: EventMention) -> str:
        return str(link.dated_mention.article) if link.pk else ""

    @admin.display(description="Reporting sentence")
    def sentence(self, link: EventMention) -> str:
        return link.dated_mention.sentence if link.pk else ""


@admin.register(Event)
class EventAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "date_display", "precision", "reports", "status", "locked"]
    list_filter = ["precision", "status"]
    search_fields = ["title", "summary", "event_mentions__dated_mention__sentence"]
    autocomplete_fields = ["participants"]
    readonly_fields = ["date_note", "status", "locked_fields", "version"]
    fields = [
        "date",
        "end_date",
        "precision",
        "date_note",
        "title",
        "summary",
        "place",
        "participants",
        "status",
        "locked_fields",
        "version",
    ]
    inlines = [EventMentionInline]
    actions = ["merge_events", "verify_events"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(report_count=Count("event_mentions"))

    @admin.display(description="Date", ordering="date")
    def date_display(self, event: Event) -> str:
        return format_date(event.date, event.precision, event.end_date)

    @admin.display(description="Reports", ordering="report_count")
    def reports(self, event: Event) -> int:
        return event.report_count

    @admin.display(description="Locked")
    def locked(self, event: Event) -> str:
        return ", ".join(event.locked_fields)

    def save_model(self, request, obj: Event, form, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        # Through the service: the fields the editor changed are locked against the machine.
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in services.EDITABLE_FIELDS}
        data.pop("participants", None)  # saved by save_related, locked there
        if data:
            services.event_update(event=obj, data=data)

    def save_related(self, request, form, formsets, change: bool) -> None:
        event = form.instance
        if change and "participants" in form.changed_data:
            services.event_update(event=event, data={"participants": form.cleaned_data["participants"]})
        for formset in formsets:
            # Links an editor adds or moves here are the editor's: the machine never undoes them.
            for link in formset.save(commit=False):
                services.event_mention_link(event=event, mention=link.dated_mention)
            for link in formset.deleted_objects:
                link.delete()
        if change:
            services.event_refresh(event=event)

    @admin.action(description="Merge selected events into one", permissions=["change"])
    def merge_events(self, request, queryset) -> None:
        events = list(queryset.order_by("pk"))
        if len(events) < 2:
            self.message_user(request, "Select at least two events to merge.", messages.WARNING)
            return
        survivor = services.event_merge(events=events)
        self.message_user(request, f"Merged {len(events)} events into “{survivor}”.", messages.SUCCESS)

    @admin.action(description="Mark selected events verified", permissions=["change"])
    def verify_events(self, request, queryset) -> None:
        for event in queryset:
            services.event_verify(event=event)
        self.message_user(request, f"Verified {queryset.count()} events.", messages.SUCCESS)


@admin.register(EventMention)
class EventMentionAdmin(admin.ModelAdmin):
    """Each report of an event: select some of one event's reports and split them off into a new event."""

    list_display = ["dated_mention", "event", "article", "score", "origin"]
    list_filter = ["origin"]
    list_select_related = ["dated_mention__article", "event"]
    search_fields = ["dated_mention__sentence", "event__title"]
    readonly_fields = ["event", "dated_mention", "score", "reasons", "origin", "created_at"]
    actions = ["split_off"]

    @admin.display(description="Article")
    def article(self, link: EventMention) -> str:
        return str(link.dated_mention.article)

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Split selected reports off into a new event", permissions=["change"])
    def split_off(self, request, queryset) -> None:
        event_ids = set(queryset.values_list("event_id", flat=True))
        if len(event_ids) != 1:
            self.message_user(request, "Select reports of one event only.", messages.WARNING)
            return
        event = Event.objects.get(pk=event_ids.pop())
        try:
            new = services.event_split(event=event, mentions=[link.dated_mention for link in queryset])
        except ValueError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, f"Split {queryset.count()} report(s) off into “{new}”.", messages.SUCCESS)


class StatementQuoteInline(admin.TabularInline):
    model = StatementQuote
    extra = 0
    fields = ["quote", "article", "score", "reasons", "origin"]
    readonly_fields = ["article", "score", "reasons", "origin"]
    autocomplete_fields = ["quote"]
    show_change_link = True

    @admin.display(description="Article")
    def article(self, link: StatementQuote) -> str:
        return str(link.quote.article) if link.pk else ""


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    """Statements: link several into one, or add a quote (inline); the machine never undoes an editor's link."""

    list_display = ["__str__", "speaker", "first_reported_on", "reports", "locked"]
    list_select_related = ["speaker"]
    search_fields = ["text", "speaker__name", "statement_quotes__quote__text"]
    readonly_fields = ["speaker", "text", "first_reported_on", "locked_fields"]
    fields = readonly_fields
    inlines = [StatementQuoteInline]
    actions = ["link_statements"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(report_count=Count("statement_quotes"))

    @admin.display(description="Reports", ordering="report_count")
    def reports(self, statement: Statement) -> int:
        return statement.report_count

    @admin.display(description="Locked")
    def locked(self, statement: Statement) -> str:
        return ", ".join(statement.locked_fields)

    def has_add_permission(self, request) -> bool:
        return False  # statements come from quotes; an editor links or unlinks them

    def save_related(self, request, form, formsets, change: bool) -> None:
        statement = form.instance
        for formset in formsets:
            # A quote added here is the editor's link; one removed here is unlinked into a statement of its own.
            for link in formset.save(commit=False):
                services.statement_quote_link(statement=statement, quote=link.quote)
            removed = [link.quote for link in formset.deleted_objects]
            if removed:
                services.statement_quotes_unlink(quotes=removed)

    @admin.action(description="Link selected statements into one", permissions=["change"])
    def link_statements(self, request, queryset) -> None:
        statements = list(queryset.order_by("pk"))
        if len(statements) < 2:
            self.message_user(request, "Select at least two statements to link.", messages.WARNING)
            return
        survivor = services.statement_merge(statements=statements)
        self.message_user(request, f"Linked {len(statements)} statements into “{survivor}”.", messages.SUCCESS)


@admin.register(StatementQuote)
class StatementQuoteAdmin(admin.ModelAdmin):
    """Each report of a statement: select some and unlink them into a statement of their own."""

    list_display = ["quote", "statement", "article", "score", "origin"]
    list_filter = ["origin"]
    list_select_related = ["quote__article", "statement__speaker"]
    search_fields = ["quote__text", "statement__text", "quote__speaker__name"]
    readonly_fields = ["statement", "quote", "score", "reasons", "origin", "created_at"]
    actions = ["unlink"]

    @admin.display(description="Article")
    def article(self, link: StatementQuote) -> str:
        return str(link.quote.article)

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Unlink selected quotes into a statement of their own", permissions=["change"])
    def unlink(self, request, queryset) -> None:
        quotes = [link.quote for link in queryset.select_related("quote")]
        new = services.statement_quotes_unlink(quotes=quotes)
        self.message_user(request, f"Unlinked {len(quotes)} quote(s) into “{new}”.", messages.SUCCESS)
