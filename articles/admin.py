"""The editors' admin for articles, outlets, people, stories and what was extracted.

Every change an editor makes goes through articles.services (or the pipeline, where relative dates must
resolve again), so it is locked against re-extraction, versioned and recorded in the history.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from simple_history.admin import SimpleHistoryAdmin

from articles import services
from articles.extraction.types import ReviewReason
from articles.forms import (
    AddToStoryForm,
    ArticleAdminForm,
    MergePeopleForm,
    PersonAdminForm,
    PublishedOnForm,
    QuoteAdminForm,
    UploadForm,
    WithdrawForm,
)
from articles.models import (
    REVIEW_REASON_LABELS,
    Alias,
    Article,
    DatedMention,
    ImportRun,
    Job,
    Mention,
    Person,
    Quote,
    RemovedSpan,
    Source,
    SourcePattern,
    Story,
)
from newsarchive import pipeline

# Quotes below this confidence, not yet verified or rejected, bring their article into the review queue.
REVIEW_CONFIDENCE = 0.6
CURATION_CSS = "articles/admin/curation.css"


def _pipeline_options() -> dict:
    """The settings the pipeline needs, read when an editor acts (never at import time)."""
    return {"nlp_model": settings.NLP_MODEL or None, "match_threshold": settings.PERSON_MATCH_THRESHOLD}


def _changes(form, current) -> dict:
    """The form's values that differ from the row as it is in the database now.

    Compared with the database, not with the form's initial values, so that a revert from history (whose
    form starts from the old values) changes what differs from the current row.
    """
    data = {}
    for name, value in form.cleaned_data.items():
        if name == "expected_version" or name not in form._meta.model._meta._forward_fields_map:
            continue
        field = current._meta.get_field(name)
        if field.many_to_many:
            if {p.pk for p in value} != set(getattr(current, name).values_list("pk", flat=True)):
                data[name] = list(value)
        elif getattr(current, name) != value:
            data[name] = value
    return data


class VersionedAdminMixin:
    """Saves through a service with the version the editor opened; a revert from history is a fresh edit."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        request.reverting_history = True
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if getattr(request, "reverting_history", False):
            form = type(form.__name__, (form,), {"check_version": False})
        return form

    def opened_version(self, request, form) -> int | None:
        if getattr(request, "reverting_history", False):
            return None
        return form.cleaned_data.get("expected_version")


# --- outlets --------------------------------------------------------------------


class SourcePatternInline(admin.TabularInline):
    model = SourcePattern
    extra = 1


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "domain", "date_order", "display_policy", "article_count"]
    list_filter = ["kind", "display_policy", "date_order"]
    ordering = ["name"]
    search_fields = ["name", "domain"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SourcePatternInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_articles=Count("articles"))

    @admin.display(description="Articles", ordering="n_articles")
    def article_count(self, obj: Source) -> int:
        return obj.n_articles

    def has_delete_permission(self, request, obj=None):
        # An outlet carries every article it published: only a superuser removes one.
        return request.user.is_active and request.user.is_superuser


@admin.register(SourcePattern)
class SourcePatternAdmin(admin.ModelAdmin):
    list_display = ["pattern", "source", "strength", "is_regex"]
    list_filter = ["strength", "is_regex", "source"]
    search_fields = ["pattern", "source__name"]
    autocomplete_fields = ["source"]


# --- people -----------------------------------------------------------------------


class AliasInline(admin.TabularInline):
    model = Alias
    extra = 1
    fields = ["name"]


class MergedFilter(admin.SimpleListFilter):
    title = "merged"
    parameter_name = "merged"

    def lookups(self, request, model_admin):
        return [("no", "Active"), ("yes", "Merged into another")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(merged_into__isnull=True)
        if self.value() == "yes":
            return queryset.filter(merged_into__isnull=False)
        return queryset


@admin.register(Person)
class PersonAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    form = PersonAdminForm
    list_display = ["name", "kind", "quote_count", "mention_count", "merged_into", "updated_at"]
    list_filter = ["kind", MergedFilter]
    ordering = ["name", "id"]  # the counts group rows, which drops the model's own ordering
    search_fields = ["name", "aliases__name", "slug"]
    readonly_fields = ["slug", "version", "locked_fields", "merged_into", "created_at", "updated_at"]
    fields = ["name", "kind", "roles", "description", "expected_version", *readonly_fields]
    inlines = [AliasInline]
    actions = ["merge_people"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("merged_into")
            .annotate(n_quotes=Count("quotes", distinct=True), n_mentions=Count("mentions", distinct=True))
        )

    @admin.display(description="Quotes", ordering="n_quotes")
    def quote_count(self, obj: Person) -> int:
        return obj.n_quotes

    @admin.display(description="Mentions", ordering="n_mentions")
    def mention_count(self, obj: Person) -> int:
        return obj.n_mentions

    def get_search_results(self, request, queryset, search_term):
        # Autocomplete (a quote's speaker, an article's authors) offers only people not merged away.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.path.endswith("/autocomplete/"):
            queryset = queryset.filter(merged_into__isnull=True)
        return queryset, may_have_duplicates

    def save_model(self, request, obj, form, change):
        if not change:
            obj.slug = services._unique_slug(Person, obj.name)
            return super().save_model(request, obj, form, change)
        current = Person.objects.get(pk=obj.pk)
        data = _changes(form, current)
        if data:
            services.person_update(person=current, data=data, expected_version=self.opened_version(request, form))

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            obj.normalized = services.normalize_name(obj.name)
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()

    @admin.action(description="Merge selected people into one…", permissions=["change"])
    def merge_people(self, request, queryset):
        people = queryset.filter(merged_into__isnull=True)
        if people.count() < 2:
            self.message_user(request, "Select at least two people who are not already merged.", messages.WARNING)
            return None
        form = MergePeopleForm(request.POST if "apply" in request.POST else None, people=people)
        if form.is_valid():
            survivor = form.cleaned_data["survivor"]
            others = [p for p in people if p.pk != survivor.pk]
            services.person_merge(survivor=survivor, others=others)
            self.message_user(request, f"Merged {', '.join(p.name for p in others)} into {survivor.name}.")
            return None
        return _action_page(self, request, queryset, form, "Merge people", "Merge")


# --- articles -----------------------------------------------------------------------


class QuoteInline(admin.TabularInline):
    model = Quote
    extra = 0
    fields = ["text", "speaker", "speaker_mention", "confidence", "status"]
    readonly_fields = ["text", "speaker_mention", "confidence"]
    autocomplete_fields = ["speaker"]
    show_change_link = True
    can_delete = False  # editors reject a quote; deleting it would let re-extraction bring it back

    def has_add_permission(self, request, obj=None):
        return False


class MentionInline(admin.TabularInline):
    model = Mention
    extra = 0
    fields = ["text", "person", "start", "end", "confidence"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class DatedMentionInline(admin.TabularInline):
    model = DatedMention
    extra = 0
    fields = ["expression", "date", "end_date", "precision", "sentence", "status"]
    readonly_fields = ["expression", "sentence"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class RemovedSpanInline(admin.TabularInline):
    model = RemovedSpan
    extra = 0
    fields = ["reason", "raw_start", "raw_end", "text", "restored"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ReviewReasonFilter(admin.SimpleListFilter):
    title = "review reason"
    parameter_name = "review_reason"

    def lookups(self, request, model_admin):
        return [("any", "Any reason"), *((k.value, v) for k, v in REVIEW_REASON_LABELS.items())]

    def queryset(self, request, queryset):
        if self.value() == "any":
            return queryset.needs_review()
        if self.value():
            # The reason's quoted text in the JSON list: portable across PostgreSQL and SQLite.
            return queryset.filter(review_reasons__icontains=f'"{self.value()}"')
        return queryset


class ReviewedFilter(admin.SimpleListFilter):
    title = "reviewed"
    parameter_name = "reviewed"

    def lookups(self, request, model_admin):
        return [("yes", "Reviewed"), ("no", "Not reviewed")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(reviewed_at__isnull=self.value() == "no")
        return queryset


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int
    kind: str  # css class: quote, name, date, removed, restored
    label: str


def _highlight(text: str, spans: list[_Span]) -> SafeString:
    """``text`` as HTML with each stretch wrapped in the classes of every span covering it (spans may overlap)."""
    cuts = sorted(
        {0, len(text), *(max(0, min(s.start, len(text))) for s in spans), *(min(s.end, len(text)) for s in spans)}
    )
    by_start = sorted(spans, key=lambda s: s.start)
    starts = [s.start for s in by_start]
    out: list[str] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if a >= b:
            continue
        piece = escape(text[a:b])
        covering = [s for s in by_start[: bisect.bisect_right(starts, a)] if s.end >= b]
        if not covering:
            out.append(piece)
            continue
        classes = " ".join(sorted({f"hl-{s.kind}" for s in covering}))
        title = "; ".join(dict.fromkeys(s.label for s in covering))
        out.append(f'<span class="{classes}" title="{escape(title)}">{piece}</span>')
    return mark_safe("".join(out))  # noqa: S308 - every piece of text is escaped above


def _article_spans(article: Article, *, raw: bool) -> list[_Span]:
    """The quotes, names and dates of an article, at raw or body offsets; and, in the raw text, its cuts."""

    def at(row) -> tuple[int, int]:
        return (row.raw_start, row.raw_end) if raw else (row.start, row.end)

    spans = [
        _Span(*at(q), "quote", f"quote ({q.get_status_display().lower()}): {q.speaker or 'speaker unknown'}")
        for q in article.quotes.select_related("speaker")
        if q.status != Quote.Status.REJECTED
    ]
    spans += [_Span(*at(m), "name", f"name: {m.person.name}") for m in article.mentions.select_related("person")]
    spans += [
        _Span(*at(d), "date", f"date: {d.date or 'unresolved'}{f' ({d.precision})' if d.precision else ''}")
        for d in article.dated_mentions.all()
    ]
    if raw:
        spans += [
            _Span(
                s.raw_start,
                s.raw_end,
                "restored" if s.restored else "removed",
                f"{'restored' if s.restored else 'removed'}: {s.reason}",
            )
            for s in article.removed_spans.all()
        ]
    return spans


def _action_page(model_admin, request, queryset, form, title: str, submit: str, *, template=None):
    """The intermediate page of an action: its form, the chosen rows, and the hidden fields to come back."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "submit": submit,
        "form": form,
        "queryset": queryset,
        "action": request.POST.get("action", ""),
        "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        "opts": model_admin.model._meta,
        "media": model_admin.media + form.media,
    }
    return TemplateResponse(request, template or "admin/articles/action_form.html", context)


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


@admin.register(Article)
class ArticleAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    form = ArticleAdminForm
    list_display = [
        "__str__",
        "source",
        "published_on",
        "status",
        "reasons",
        "quote_count",
        "reviewed",
        "extractor_version",
    ]
    list_filter = [
        "status",
        ReviewReasonFilter,
        ReviewedFilter,
        ("source", admin.RelatedOnlyFieldListFilter),
        ("stories", admin.RelatedOnlyFieldListFilter),
        "published_origin",
        "language",
        "extractor_version",
    ]
    date_hierarchy = "published_on"
    ordering = ["-published_on", "-id"]
    search_fields = ["title", "original_filename", "url", "slug", "authors__name"]
    autocomplete_fields = ["source", "authors"]
    list_select_related = ["source"]
    editable_fields = ["title", "source", "authors", "published_on", "dateline", "url", "language", "tags"]
    readonly_fields = [
        "status",
        "withdrawn_reason",
        "reviewed_at",
        "review_reason_list",
        "stories_list",
        "slug",
        "original_filename",
        "sha256",
        "encoding",
        "extractor_version",
        "version",
        "locked_fields",
        "duplicate_of",
        "import_run",
        "title_origin",
        "source_origin",
        "authors_origin",
        "published_origin",
        "published_precision",
        "captions",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": [*editable_fields, "expected_version"]}),
        (
            "Status",
            {"fields": ["status", "withdrawn_reason", "reviewed_at", "review_reason_list", "stories_list"]},
        ),
        (
            "Provenance",
            {
                "classes": ["collapse"],
                "fields": [
                    "slug",
                    "original_filename",
                    "sha256",
                    "encoding",
                    "import_run",
                    "extractor_version",
                    "version",
                    "locked_fields",
                    "duplicate_of",
                    "title_origin",
                    "source_origin",
                    "authors_origin",
                    "published_origin",
                    "published_precision",
                    "captions",
                    "created_at",
                    "updated_at",
                ],
            },
        ),
    ]
    inlines = [QuoteInline, DatedMentionInline, MentionInline, RemovedSpanInline]
    # The Save buttons come first in the form, so Enter saves rather than pressing a review button below.
    save_on_top = True
    actions = ["publish", "withdraw", "mark_reviewed", "set_published_on", "add_to_story"]

    class Media:
        css = {"all": [CURATION_CSS]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_quotes=Count("quotes", distinct=True))

    @admin.display(description="Review")
    def reasons(self, obj: Article) -> str:
        return ", ".join(obj.review_reason_labels()) or "-"

    @admin.display(description="Quotes", ordering="n_quotes")
    def quote_count(self, obj: Article) -> int:
        return obj.n_quotes

    @admin.display(description="Reviewed", boolean=True, ordering="reviewed_at")
    def reviewed(self, obj: Article) -> bool:
        return obj.reviewed_at is not None

    @admin.display(description="Review reasons")
    def review_reason_list(self, obj: Article) -> str:
        return ", ".join(obj.review_reason_labels()) or "none"

    @admin.display(description="Stories")
    def stories_list(self, obj: Article) -> str:
        return (
            format_html_join(
                ", ",
                '<a href="{}">{}</a>',
                ((reverse("admin:articles_story_change", args=[s.pk]), s.title) for s in obj.stories.all()),
            )
            or "-"
        )

    # --- saving through the services ---

    def add_view(self, request, form_url="", extra_context=None):
        # Articles come from files: adding one means uploading it through the importer.
        return HttpResponseRedirect(reverse("admin:articles_article_upload"))

    def save_model(self, request, obj, form, change):
        current = Article.objects.get(pk=obj.pk)
        data = _changes(form, current)
        expected = self.opened_version(request, form)
        missing = object()
        published_on = data.pop("published_on", missing)
        try:
            if data:
                current = services.article_update(article=current, data=data, expected_version=expected)
                expected = None
            if published_on is not missing:
                # Through the pipeline: the article's relative dates ("last week") resolve again at once.
                pipeline.article_set_published_on(
                    article=current, published_on=published_on, expected_version=expected, **_pipeline_options()
                )
        except services.ConflictError as exc:
            # The form's own check passed a moment ago; a colleague saved in between.
            transaction.set_rollback(True)
            request.conflict = True
            messages.error(request, str(exc))

    def save_related(self, request, form, formsets, change):
        # Authors were set by the service (which locks them); the inlines save through services too.
        if getattr(request, "conflict", False):
            return
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        # What formset.save() would record, for the admin's change message.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            if not inline_form.instance.pk or not inline_form.has_changed():
                continue
            data = {name: inline_form.cleaned_data[name] for name in inline_form.changed_data}
            if formset.model is Quote:
                services.quote_update(quote=inline_form.instance, data=data)
            elif formset.model is DatedMention:
                services.dated_mention_update(dated_mention=inline_form.instance, data=data)
            else:
                continue
            formset.changed_objects.append((inline_form.instance, list(data)))

    def response_change(self, request, obj):
        if getattr(request, "conflict", False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, object_id)
        extra_context = {**(extra_context or {}), **(self._curation_context(request, article) if article else {})}
        return super().change_view(request, object_id, form_url, extra_context)

    def _curation_context(self, request, article: Article) -> dict:
        can_change = self.has_change_permission(request, article)
        return {
            "curation": {
                "body_html": _highlight(article.body, _article_spans(article, raw=False)),
                "raw_html": _highlight(article.raw_text, _article_spans(article, raw=True)),
                "suggestions": list(enumerate(article.suggestions)),
                "review_reasons": article.review_reason_labels(),
                "removed_spans": list(article.removed_spans.all()),
                "can_change": can_change,
                "unsure_quotes": article.quotes.needs_review(REVIEW_CONFIDENCE).count(),
                "urls": _article_urls(article),
            }
        }

    # --- custom pages ---

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("upload/", wrap(self.upload_view), name="articles_article_upload"),
            path("review/", wrap(self.review_queue_view), name="articles_article_review"),
            path("<int:pk>/accept-suggestion/", wrap(self.accept_suggestion_view), name="articles_article_accept"),
            path("<int:pk>/confirm-source/", wrap(self.confirm_source_view), name="articles_article_confirm_source"),
            path("<int:pk>/not-duplicate/", wrap(self.not_duplicate_view), name="articles_article_not_duplicate"),
            path("<int:pk>/set-date/", wrap(self.set_date_view), name="articles_article_set_date"),
            path("<int:pk>/mark-reviewed/", wrap(self.mark_reviewed_view), name="articles_article_mark_reviewed"),
            path("<int:pk>/restore-span/", wrap(self.restore_span_view), name="articles_article_restore_span"),
            path("quote-status/", wrap(self.quote_status_view), name="articles_article_quote_status"),
            *super().get_urls(),
        ]

    def upload_view(self, request):
        """Upload raw .txt files (and a manifest) into the importer; show what became of each file."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": "Upload articles"}
        if request.method == "POST" and form.is_valid():
            max_bytes = settings.IMPORT_MAX_BYTES
            # Past the limit only max_bytes + 1 are read: the importer refuses the file, naming its size.
            items = [(f.name, f.read(max_bytes + 1)) for f in form.cleaned_data["files"]]
            names = ", ".join(name for name, _ in items)
            run = services.import_run_start(command=f"admin upload: {names}"[:500], user=request.user)
            options = pipeline.ImportOptions(
                nlp_model=settings.NLP_MODEL or None,
                publish=settings.IMPORT_PUBLISH,
                max_bytes=max_bytes,
                match_threshold=settings.PERSON_MATCH_THRESHOLD,
            )
            outcomes = pipeline.import_files(items, options=options, manifest=form.cleaned_data["manifest"], run=run)
            run = services.import_run_finish(run=run, files=[o.as_dict() for o in outcomes])
            articles = Article.objects.in_bulk([o.article_id for o in outcomes if o.article_id])
            rows = [(o, articles.get(o.article_id)) for o in outcomes]
            context.update(title="Upload: result", run=run, rows=rows)
            return TemplateResponse(request, "admin/articles/article/upload_result.html", context)
        context["form"] = form
        return TemplateResponse(request, "admin/articles/article/upload.html", context)

    def review_queue_view(self, request):
        """What needs an editor's eye, most urgent first, with one-click answers."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        queue = list(
            Article.objects.review_queue(threshold=REVIEW_CONFIDENCE)
            .select_related("source", "duplicate_of")
            .prefetch_related("stories")[:200]
        )
        unsure = Quote.objects.filter(article__in=queue).needs_review(REVIEW_CONFIDENCE).select_related("speaker")
        by_article: dict[int, list[Quote]] = {}
        for q in unsure:
            by_article.setdefault(q.article_id, []).append(q)
        rows = [
            {
                "article": a,
                "reasons": [(r, REVIEW_REASON_LABELS.get(ReviewReason(r), r)) for r in a.review_reasons],
                "suggestions": list(enumerate(a.suggestions)),
                "quotes": by_article.get(a.pk, []),
                "urls": _article_urls(a),
            }
            for a in queue
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Review queue",
            "rows": rows,
            "total": Article.objects.review_queue(threshold=REVIEW_CONFIDENCE).count(),
            "threshold": REVIEW_CONFIDENCE,
            "can_change": self.has_change_permission(request),
            "can_change_quotes": request.user.has_perm("articles.change_quote"),
            "media": self.media,
        }
        return TemplateResponse(request, "admin/articles/article/review_queue.html", context)

    def _article_for_change(self, request, pk: int) -> Article:
        if request.method != "POST":
            raise PermissionDenied("This page only takes a form's POST.")
        article = get_object_or_404(Article, pk=pk)
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        return article

    def _back(self, request, article: Article) -> HttpResponseRedirect:
        return HttpResponseRedirect(_safe_next(request, reverse("admin:articles_article_change", args=[article.pk])))

    def accept_suggestion_view(self, request, pk):
        article = self._article_for_change(request, pk)
        try:
            index = int(request.POST.get("suggestion", ""))
            suggestion = article.suggestions[index]
        except (ValueError, IndexError):
            messages.error(request, "That suggestion no longer exists; the article was re-read since.")
            return self._back(request, article)
        if suggestion["field"] == "published_on":
            import datetime as dt

            pipeline.article_set_published_on(
                article=article, published_on=dt.date.fromisoformat(suggestion["value"]), **_pipeline_options()
            )
        else:
            services.article_accept_suggestion(article=article, index=index)
        messages.success(request, f"{article}: {suggestion['field']} set to {suggestion['value']}.")
        return self._back(request, article)

    def confirm_source_view(self, request, pk):
        article = self._article_for_change(request, pk)
        if article.source is None:
            messages.error(request, f"{article}: no outlet to confirm; choose one on the article's page.")
        else:
            services.article_update(article=article, data={"source": article.source})
            messages.success(request, f"{article}: outlet {article.source} confirmed.")
        return self._back(request, article)

    def not_duplicate_view(self, request, pk):
        article = self._article_for_change(request, pk)
        services.article_dismiss_duplicate(article=article)
        messages.success(request, f"{article}: marked as not a duplicate.")
        return self._back(request, article)

    def set_date_view(self, request, pk):
        article = self._article_for_change(request, pk)
        form = PublishedOnForm(request.POST)
        if not form.is_valid():
            messages.error(request, f"{article}: give the publication date as YYYY-MM-DD.")
            return self._back(request, article)
        pipeline.article_set_published_on(
            article=article, published_on=form.cleaned_data["published_on"], **_pipeline_options()
        )
        messages.success(request, f"{article}: published on {form.cleaned_data['published_on']:%-d %B %Y}.")
        return self._back(request, article)

    def mark_reviewed_view(self, request, pk):
        article = self._article_for_change(request, pk)
        try:
            services.article_mark_reviewed(article=article)
            messages.success(request, f"{article}: marked reviewed.")
        except services.NotReviewable as exc:
            messages.error(request, str(exc))
        return self._back(request, article)

    def restore_span_view(self, request, pk):
        article = self._article_for_change(request, pk)
        span = get_object_or_404(RemovedSpan, pk=request.POST.get("span") or 0, article=article)
        services.removed_span_restore(span=span)
        messages.success(request, f"{article}: restored the {span.reason} text at {span.raw_start}-{span.raw_end}.")
        return self._back(request, article)

    def quote_status_view(self, request):
        if request.method != "POST":
            raise PermissionDenied("This page only takes a form's POST.")
        quote = get_object_or_404(Quote, pk=request.POST.get("quote") or 0)
        if not request.user.has_perm("articles.change_quote"):
            raise PermissionDenied
        status = request.POST.get("status", "")
        if status not in (Quote.Status.VERIFIED, Quote.Status.REJECTED):
            messages.error(request, "Choose verify or reject.")
        else:
            services.quote_set_status(quote=quote, status=status)
            messages.success(request, f"Quote {status}: “{quote.text[:60]}”.")
        return self._back(request, quote.article)

    # --- actions ---

    @admin.action(description="Publish selected articles", permissions=["change"])
    def publish(self, request, queryset):
        for article in queryset:
            services.article_publish(article=article)
        self.message_user(request, f"Published {len(queryset)} articles.")

    @admin.action(description="Withdraw selected articles (with a reason shown to the public)…", permissions=["change"])
    def withdraw(self, request, queryset):
        form = WithdrawForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            for article in queryset:
                services.article_withdraw(article=article, reason=form.cleaned_data["reason"])
            self.message_user(request, f"Withdrew {len(queryset)} articles.")
            return None
        return _action_page(self, request, queryset, form, "Withdraw articles", "Withdraw")

    @admin.action(description="Mark selected articles reviewed", permissions=["change"])
    def mark_reviewed(self, request, queryset):
        done, refused = 0, []
        for article in queryset:
            try:
                services.article_mark_reviewed(article=article)
                done += 1
            except services.NotReviewable as exc:
                refused.append(str(exc))
        if done:
            self.message_user(request, f"Marked {done} articles reviewed.")
        for reason in refused:
            self.message_user(request, reason, messages.ERROR)

    @admin.action(description="Set the publication date of selected articles…", permissions=["change"])
    def set_published_on(self, request, queryset):
        form = PublishedOnForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            for article in queryset:
                pipeline.article_set_published_on(
                    article=article, published_on=form.cleaned_data["published_on"], **_pipeline_options()
                )
            self.message_user(request, f"Set the publication date of {len(queryset)} articles; their dates followed.")
            return None
        return _action_page(self, request, queryset, form, "Set the publication date", "Set date")

    @admin.action(description="Add selected articles to a story…", permissions=["change"])
    def add_to_story(self, request, queryset):
        form = AddToStoryForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            story = form.cleaned_data["story"] or services.story_create(title=form.cleaned_data["new_title"].strip())
            services.story_add_articles(story=story, articles=queryset)
            self.message_user(request, f"Added {len(queryset)} articles to the story “{story}”.")
            return None
        return _action_page(self, request, queryset, form, "Add articles to a story", "Add")


def _article_urls(article: Article) -> dict[str, str]:
    """The admin's one-click endpoints for an article, for the templates."""
    names = {
        "change": "admin:articles_article_change",
        "accept": "admin:articles_article_accept",
        "confirm_source": "admin:articles_article_confirm_source",
        "not_duplicate": "admin:articles_article_not_duplicate",
        "set_date": "admin:articles_article_set_date",
        "mark_reviewed": "admin:articles_article_mark_reviewed",
        "restore_span": "admin:articles_article_restore_span",
        "history": "admin:articles_article_history",
    }
    urls = {key: reverse(name, args=[article.pk]) for key, name in names.items()}
    urls["quote_status"] = reverse("admin:articles_article_quote_status")
    return urls


# --- what was extracted -------------------------------------------------------------


class LowConfidenceFilter(admin.SimpleListFilter):
    title = "needs review"
    parameter_name = "unsure"

    def lookups(self, request, model_admin):
        return [("yes", f"Unreviewed, confidence below {REVIEW_CONFIDENCE}")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.needs_review(REVIEW_CONFIDENCE)
        return queryset


@admin.register(Quote)
class QuoteAdmin(VersionedAdminMixin, SimpleHistoryAdmin):
    form = QuoteAdminForm
    list_display = ["__str__", "speaker", "article", "confidence", "status"]
    list_filter = [
        "status",
        LowConfidenceFilter,
        ("speaker", admin.RelatedOnlyFieldListFilter),
        ("article__source", admin.RelatedOnlyFieldListFilter),
        ("article__stories", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["speaker", "article"]
    search_fields = ["text", "speaker__name", "speaker_mention", "article__title"]
    autocomplete_fields = ["speaker"]
    readonly_fields = [
        "article",
        "text",
        "speaker_mention",
        "confidence",
        "rule",
        "origin",
        "group",
        "start",
        "end",
        "raw_start",
        "raw_end",
        "extractor_version",
        "version",
        "locked_fields",
    ]
    fields = ["speaker", "status", "expected_version", *readonly_fields]
    actions = ["verify", "reject"]

    def has_add_permission(self, request):
        return False  # quotes come from articles

    def save_model(self, request, obj, form, change):
        current = Quote.objects.get(pk=obj.pk)
        data = _changes(form, current)
        if data:
            services.quote_update(quote=current, data=data, expected_version=self.opened_version(request, form))

    @admin.action(description="Verify selected quotes", permissions=["change"])
    def verify(self, request, queryset):
        for quote in queryset:
            services.quote_set_status(quote=quote, status=Quote.Status.VERIFIED)
        self.message_user(request, f"Verified {len(queryset)} quotes.")

    @admin.action(description="Reject selected quotes", permissions=["change"])
    def reject(self, request, queryset):
        for quote in queryset:
            services.quote_set_status(quote=quote, status=Quote.Status.REJECTED)
        self.message_user(request, f"Rejected {len(queryset)} quotes; re-extraction will not bring them back.")


@admin.register(DatedMention)
class DatedMentionAdmin(admin.ModelAdmin):
    list_display = ["expression", "date", "precision", "origin", "status", "article"]
    list_filter = ["precision", "status", "origin", ("article__source", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["article"]
    search_fields = ["expression", "sentence", "article__title"]
    autocomplete_fields = ["people"]
    readonly_fields = ["article", "expression", "sentence", "origin", "confidence", "rule", "locked_fields"]
    fields = ["date", "end_date", "precision", "status", "people", *readonly_fields]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data if name != "people"}
        if data:
            services.dated_mention_update(dated_mention=obj, data=data)


@admin.register(Mention)
class MentionAdmin(admin.ModelAdmin):
    list_display = ["text", "person", "article", "confidence"]
    list_filter = [("person", admin.RelatedOnlyFieldListFilter), ("article__source", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["person", "article"]
    search_fields = ["text", "person__name", "article__title"]
    readonly_fields = ["article", "person", "text", "start", "end", "raw_start", "raw_end", "confidence", "rule"]

    def has_add_permission(self, request):
        return False  # the machine's reading: correct the person (merge) or the article instead


@admin.register(RemovedSpan)
class RemovedSpanAdmin(admin.ModelAdmin):
    list_display = ["__str__", "article", "restored"]
    list_filter = ["reason", "restored"]
    list_select_related = ["article"]
    search_fields = ["article__title"]
    readonly_fields = ["article", "raw_start", "raw_end", "reason", "restored", "text"]

    def has_add_permission(self, request):
        return False


@admin.register(Alias)
class AliasAdmin(admin.ModelAdmin):
    list_display = ["name", "person"]
    search_fields = ["name", "person__name"]
    autocomplete_fields = ["person"]
    fields = ["person", "name"]

    def save_model(self, request, obj, form, change):
        obj.normalized = services.normalize_name(obj.name)
        super().save_model(request, obj, form, change)


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["__str__", "command", "user", "created", "updated", "unchanged", "failed"]
    list_filter = ["dry_run", ("user", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = "started_at"
    readonly_fields = [
        "started_at",
        "finished_at",
        "command",
        "user",
        "dry_run",
        "created",
        "updated",
        "unchanged",
        "failed",
        "file_table",
        "article_link",
    ]
    exclude = ["files"]

    @admin.display(description="Files")
    def file_table(self, obj: ImportRun) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((f.get("name", ""), f.get("outcome", ""), f.get("reason", "")) for f in obj.files),
        )
        return format_html("<table><tr><th>file</th><th>outcome</th><th>reason</th></tr>{}</table>", rows)

    @admin.display(description="Articles")
    def article_link(self, obj: ImportRun) -> str:
        url = reverse("admin:articles_article_changelist") + f"?import_run__id__exact={obj.pk}"
        return format_html('<a href="{}">{} articles created by this run</a>', url, obj.articles.count())

    def has_add_permission(self, request):
        return False  # runs are recorded by the importer (upload: Articles › Upload)

    def has_change_permission(self, request, obj=None):
        return False


# --- stories -------------------------------------------------------------------------


@admin.register(Story)
class StoryAdmin(SimpleHistoryAdmin):
    list_display = ["title", "slug", "article_count", "updated_at"]
    ordering = ["title"]
    list_filter = [("articles__source", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "description", "articles__title"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["articles"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_articles=Count("articles", distinct=True))

    @admin.display(description="Articles", ordering="n_articles")
    def article_count(self, obj: Story) -> int:
        return obj.n_articles


# --- re-extraction jobs ---------------------------------------------------------

JOB_REFRESH_SECONDS = 5


@admin.action(description="Re-extract selected articles (in the background)", permissions=["change"])
def reextract_selected(model_admin, request, queryset):
    """Start a job re-extracting the selected articles; editors' corrections are kept."""
    ids = list(queryset.values_list("pk", flat=True))
    try:
        job = services.job_create(selection={"articles": ids}, user=request.user)
    except services.SelectionError as exc:
        model_admin.message_user(request, str(exc), messages.ERROR)
        return
    url = reverse("admin:articles_job_change", args=[job.pk])
    model_admin.message_user(
        request, format_html('Job <a href="{}">{}</a> re-extracts {} articles.', url, job.pk, job.total)
    )


ArticleAdmin.actions = [*ArticleAdmin.actions, reextract_selected]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Re-extraction jobs and how far they got; the pages reload themselves while a job is going."""

    list_display = ["__str__", "status", "progress", "done", "failed", "total", "selected", "created_by", "created_at"]
    list_filter = ["status"]
    fields = [
        "status",
        "progress",
        "selected",
        "total",
        "done",
        "failed",
        "failure_list",
        "extractor_version",
        "created_by",
        "created_at",
        "finished_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # jobs are started from the articles' list, the API or the reextract command

    def has_change_permission(self, request, obj=None):
        return False  # a record of what ran

    @admin.display(description="Progress")
    def progress(self, job: Job) -> str:
        finished = job.done + job.failed
        return format_html('<progress value="{}" max="{}"></progress> {}/{}', finished, job.total, finished, job.total)

    @admin.display(description="Selection")
    def selected(self, job: Job) -> str:
        selection = job.selection or {}
        if "articles" in selection:
            return f"{len(selection['articles'])} chosen articles"
        return ", ".join(f"{k}: {v}" if v is not True else k for k, v in selection.items()) or "-"

    @admin.display(description="Failures")
    def failure_list(self, job: Job) -> str:
        rows = (
            (reverse("admin:articles_article_change", args=[f["article"]]), f["article"], f["reason"])
            for f in job.failures
        )
        return format_html_join("", '<p><a href="{}">Article {}</a>: {}</p>', rows) or "-"

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if Job.objects.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).exists():
            response["Refresh"] = str(JOB_REFRESH_SECONDS)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        going = Job.objects.filter(pk=object_id, status__in=[Job.Status.QUEUED, Job.Status.RUNNING])
        if response.status_code == 200 and going.exists():
            response["Refresh"] = str(JOB_REFRESH_SECONDS)
        return response
