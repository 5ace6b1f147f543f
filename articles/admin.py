"""The editors' admin for articles, outlets, people and what was extracted."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html_join
from simple_history.admin import SimpleHistoryAdmin

from articles import services
from articles.models import (
    Alias,
    Article,
    DatedMention,
    ImportRun,
    Mention,
    Person,
    Quote,
    RemovedSpan,
    Source,
    SourcePattern,
)


class SourcePatternInline(admin.TabularInline):
    model = SourcePattern
    extra = 1


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "date_order", "display_policy", "homepage"]
    list_filter = ["kind", "display_policy"]
    search_fields = ["name", "domain"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SourcePatternInline]


class AliasInline(admin.TabularInline):
    model = Alias
    extra = 1
    fields = ["name"]

    def save_new_instance(self, parent, instance):  # pragma: no cover - admin plumbing
        instance.normalized = services.normalize_name(instance.name)


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "merged_into", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases__name"]
    readonly_fields = ["version", "locked_fields", "merged_into"]
    inlines = [AliasInline]

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            if isinstance(obj, Alias):
                obj.normalized = services.normalize_name(obj.name)
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()


class QuoteInline(admin.TabularInline):
    model = Quote
    extra = 0
    fields = ["text", "speaker", "speaker_mention", "confidence", "status"]
    readonly_fields = ["text", "speaker_mention", "confidence"]
    autocomplete_fields = ["speaker"]
    show_change_link = True


class MentionInline(admin.TabularInline):
    model = Mention
    extra = 0
    fields = ["text", "person", "start", "end", "confidence"]
    readonly_fields = fields
    can_delete = False


class DatedMentionInline(admin.TabularInline):
    model = DatedMention
    extra = 0
    fields = ["expression", "date", "end_date", "precision", "sentence", "status"]
    readonly_fields = ["expression", "sentence"]


class RemovedSpanInline(admin.TabularInline):
    model = RemovedSpan
    extra = 0
    fields = ["reason", "raw_start", "raw_end", "text", "restored"]
    readonly_fields = ["reason", "raw_start", "raw_end", "text", "restored"]
    can_delete = False


class ReviewReasonFilter(admin.SimpleListFilter):
    title = "review reason"
    parameter_name = "review_reason"

    def lookups(self, request, model_admin):
        from articles.models import REVIEW_REASON_LABELS

        return [(k.value, v) for k, v in REVIEW_REASON_LABELS.items()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(review_reasons__icontains=f'"{self.value()}"')
        return queryset


@admin.register(Article)
class ArticleAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "source", "published_on", "status", "reasons", "extractor_version"]
    list_filter = ["status", "source", ReviewReasonFilter, "language"]
    date_hierarchy = "published_on"
    search_fields = ["title", "body", "original_filename"]
    autocomplete_fields = ["source", "authors"]
    readonly_fields = [
        "slug",
        "sha256",
        "original_filename",
        "encoding",
        "raw_text",
        "body",
        "extractor_version",
        "version",
        "locked_fields",
        "review_reasons",
        "suggestions",
        "duplicate_of",
        "import_run",
        "published_origin",
        "published_precision",
        "source_origin",
        "title_origin",
        "authors_origin",
        "reviewed_at",
        "created_at",
        "updated_at",
    ]
    inlines = [QuoteInline, MentionInline, DatedMentionInline, RemovedSpanInline]
    actions = ["publish", "withdraw_to_draft"]

    @admin.display(description="Review")
    def reasons(self, obj: Article) -> str:
        return format_html_join(", ", "{}", ((label,) for label in obj.review_reason_labels())) or "-"

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        data = {f: form.cleaned_data[f] for f in form.changed_data if f in form.cleaned_data and f != "authors"}
        try:
            services.article_update(article=obj, data=data, expected_version=form.initial.get("version"))
        except services.ConflictError as exc:
            messages.error(request, str(exc))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and "authors" in form.changed_data:
            article = form.instance
            article.locked_fields = sorted({*article.locked_fields, "authors"})
            Article.objects.filter(pk=article.pk).update(locked_fields=article.locked_fields)

    @admin.action(description="Publish selected articles", permissions=["change"])
    def publish(self, request, queryset):
        n = queryset.update(status=Article.Status.PUBLISHED)
        self.message_user(request, f"Published {n} articles.")

    @admin.action(description="Set selected articles back to draft", permissions=["change"])
    def withdraw_to_draft(self, request, queryset):
        n = queryset.update(status=Article.Status.DRAFT)
        self.message_user(request, f"{n} articles set to draft.")


@admin.register(Quote)
class QuoteAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "speaker", "article", "confidence", "status"]
    list_filter = ["status", "article__source"]
    search_fields = ["text", "speaker__name", "speaker_mention"]
    autocomplete_fields = ["speaker", "article"]
    readonly_fields = ["start", "end", "raw_start", "raw_end", "rule", "extractor_version", "version", "locked_fields"]


@admin.register(DatedMention)
class DatedMentionAdmin(admin.ModelAdmin):
    list_display = ["expression", "date", "precision", "article"]
    list_filter = ["precision", "article__source"]
    search_fields = ["expression", "sentence"]
    autocomplete_fields = ["article", "people"]


@admin.register(Mention)
class MentionAdmin(admin.ModelAdmin):
    list_display = ["text", "person", "article"]
    search_fields = ["text", "person__name"]
    autocomplete_fields = ["article", "person"]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["__str__", "command", "user", "created", "updated", "unchanged", "failed"]
    readonly_fields = [
        "started_at",
        "finished_at",
        "command",
        "user",
        "dry_run",
        "files",
        "created",
        "updated",
        "unchanged",
        "failed",
    ]

    def has_add_permission(self, request):
        return False
