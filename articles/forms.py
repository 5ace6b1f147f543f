"""Forms of the editors' admin: uploads, the intermediate pages of actions, and stale-save detection.

An action's intermediate page posts its form together with the action's own hidden fields (see
admin/articles/action_form.html), so the fields here are only what the editor types.
"""

from __future__ import annotations

import csv
import io
from pathlib import PurePath

from django import forms
from django.core.exceptions import ValidationError

from articles.models import Article, Person, Quote, Story

MANIFEST_FIELDS = {"filename", "url", "source", "title", "authors", "published_on"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that takes several files at once."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".txt,text/plain"}))
        # An empty file is the importer's to refuse, with its reason on the result page.
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


def parse_manifest(text: str) -> dict[str, dict[str, str]]:
    """A manifest CSV as {base filename: {column: value}}, blank values dropped (the rules of import_articles)."""
    try:
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or "filename" not in reader.fieldnames:
            raise ValidationError("The manifest needs a 'filename' column.")
        unknown = set(reader.fieldnames) - MANIFEST_FIELDS
        if unknown:
            raise ValidationError(f"Unknown manifest columns: {', '.join(sorted(unknown))}.")
        rows: dict[str, dict[str, str]] = {}
        for row in reader:
            name = PurePath((row.get("filename") or "").strip().replace("\\", "/")).name
            if name:
                rows[name] = {k: v.strip() for k, v in row.items() if k != "filename" and v and v.strip()}
        return rows
    except csv.Error as exc:
        raise ValidationError(f"Not a valid CSV manifest: {exc}") from exc


class UploadForm(forms.Form):
    """One or many raw .txt files and an optional manifest, for the importer."""

    files = MultipleFileField(label="Article files (.txt)", help_text="Select one file or many.")
    manifest = forms.FileField(
        required=False,
        label="Manifest (CSV, optional)",
        help_text="Columns: filename, then any of url, source, title, authors (separated by ;), published_on.",
    )

    def clean_manifest(self) -> dict[str, dict[str, str]]:
        upload = self.cleaned_data.get("manifest")
        if not upload:
            return {}
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError("The manifest must be a UTF-8 CSV file.") from exc
        return parse_manifest(text)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Shown to the public in place of the article (e.g. 'Withdrawn at the outlet's request').",
    )


class PublishedOnForm(forms.Form):
    published_on = forms.DateField(
        label="Publication date", help_text="YYYY-MM-DD. The articles' relative dates are resolved again from it."
    )


class AddToStoryForm(forms.Form):
    story = forms.ModelChoiceField(queryset=Story.objects.all(), required=False, help_text="An existing story…")
    new_title = forms.CharField(required=False, max_length=200, label="…or a new story titled")

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("story") and not (cleaned.get("new_title") or "").strip():
            raise ValidationError("Choose a story or give the title of a new one.")
        return cleaned


class MergePeopleForm(forms.Form):
    survivor = forms.ModelChoiceField(
        queryset=Person.objects.none(),
        widget=forms.RadioSelect,
        help_text="The others' quotes, mentions and aliases move to it; their names become its aliases.",
    )

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["survivor"].queryset = people


class VersionedModelForm(forms.ModelForm):
    """A change form that knows which version of the row the editor opened, so a stale save is refused."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    #: Off when the admin reverts from history: a revert is a new edit of the current row.
    check_version = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        expected = cleaned.get("expected_version")
        if self.check_version and self.instance.pk is not None and expected is not None:
            current = type(self.instance)._default_manager.filter(pk=self.instance.pk).values_list("version", flat=True)
            now = current.first()
            if now is not None and now != expected:
                raise ValidationError(
                    "Someone else saved this %(name)s while you were editing it (you opened version %(opened)s, "
                    "it is now version %(now)s). Nothing was saved: your changes are still in the form below. "
                    "Open the current version in a new tab, compare, then apply your changes there.",
                    code="stale",
                    params={"name": self.instance._meta.verbose_name, "opened": expected, "now": now},
                )
        return cleaned


class ArticleAdminForm(VersionedModelForm):
    url = forms.URLField(required=False, max_length=1000, assume_scheme="https")

    class Meta:
        model = Article
        fields = ["title", "source", "authors", "published_on", "dateline", "tags", "url", "language"]


class QuoteAdminForm(VersionedModelForm):
    class Meta:
        model = Quote
        fields = ["speaker", "status"]


class PersonAdminForm(VersionedModelForm):
    class Meta:
        model = Person
        fields = ["name", "kind", "roles", "description"]
