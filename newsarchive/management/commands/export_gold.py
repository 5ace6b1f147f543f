"""python manage.py export_gold --output DIR [--all]: editors' reviewed articles as gold answers for evaluate_extraction.

Every article an editor reviews becomes one more measure of the extractor: its corrections are the truth
(rejected quotes left out, speakers and dates as the editor set them), written in the format of tests/gold/:
one file per article, and timeline.json and statements.json for how their dated mentions group into events
and their quotes into statements (editors' merges and splits included).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Prefetch

from articles.extraction.types import date_text
from articles.models import Article, DatedMention, Mention, Person, Quote, RemovedSpan
from timeline.models import EventMention, StatementQuote, reporting_sentence


def _active(person: Person | None) -> Person | None:
    # A merge moves quotes and mentions to the survivor; a row still naming a merged person means the survivor.
    seen = set()
    while person is not None and person.merged_into_id and person.pk not in seen:
        seen.add(person.pk)
        person = person.merged_into
    return person


def _people(article: Article, quotes: list[Quote]) -> list[dict]:
    surfaces: dict[int, set[str]] = {}
    people: dict[int, Person] = {}
    for mention in article.mentions.all():
        person = _active(mention.person)
        people[person.pk] = person
        surfaces.setdefault(person.pk, set()).add(mention.text)
    for person in [*(q.speaker for q in quotes), *article.authors.all()]:
        person = _active(person)
        if person is not None:
            people.setdefault(person.pk, person)
    return [
        {
            "name": p.name,
            "kind": p.kind,
            "aliases": sorted(s for s in surfaces.get(p.pk, ()) if s != p.name),
            "roles": list(p.roles),
        }
        for p in sorted(people.values(), key=lambda p: (p.name, p.pk))
    ]


def _boilerplate(article: Article) -> list[str]:
    """The lines an editor left cut out of the body: text the extractor must keep out of it."""
    body_lines = {" ".join(line.split()) for line in article.body.splitlines()}
    lines: list[str] = []
    for span in article.removed_spans.all():
        if span.restored:
            continue
        for line in article.raw_text[span.raw_start : span.raw_end].splitlines():
            line = line.strip()
            # A duplicated paragraph is cut once and kept once: its text belongs in the body.
            if line and " ".join(line.split()) not in body_lines and line not in lines:
                lines.append(line)
    return lines


def gold_for_article(article: Article) -> dict:
    """One article as a gold answer, taking the editors' corrections as the truth."""
    quotes = [q for q in article.quotes.all() if q.status != Quote.Status.REJECTED]
    mentions = [d for d in article.dated_mentions.all() if d.status != DatedMention.Status.REJECTED]
    return {
        "file": article.original_filename,
        "metadata": {
            "source": article.source.slug if article.source else None,
            "source_origin": article.source_origin or None,
            "title": article.title or None,
            "authors": [p.name for p in article.authors.all()],
            "published_on": article.published_on.isoformat() if article.published_on else None,
            "dateline": article.dateline,
            "tags": list(article.tags),
            "review_reasons": sorted(article.review_reasons),
        },
        "quotes": [
            {"text": q.text, "speaker": speaker.name if (speaker := _active(q.speaker)) else None} for q in quotes
        ],
        "people": _people(article, quotes),
        "events": [
            {
                "expression": d.expression,
                "date": date_text(d.date, d.precision),
                "end_date": d.end_date.isoformat() if d.end_date else None,
                "precision": d.precision or None,
                "sentence": " ".join(d.sentence.split()),
                "datable": d.date is not None,
            }
            for d in mentions
        ],
        "boilerplate": _boilerplate(article),
        "captions": list(article.captions),
    }


def gold_articles(*, everything: bool = False):
    """The articles to write: those an editor marked reviewed, or every one."""
    articles = Article.objects.all() if everything else Article.objects.filter(reviewed_at__isnull=False)
    return (
        articles.order_by("original_filename", "id")
        .select_related("source")
        .prefetch_related(
            "authors",
            Prefetch("removed_spans", queryset=RemovedSpan.objects.order_by("raw_start")),
            Prefetch("quotes", queryset=Quote.objects.select_related("speaker__merged_into").order_by("start", "id")),
            Prefetch("mentions", queryset=Mention.objects.select_related("person__merged_into").order_by("start")),
            Prefetch("dated_mentions", queryset=DatedMention.objects.order_by("start", "id")),
        )
    )


def gold_happenings(article_ids: list[int]) -> dict:
    """timeline.json: each event with the dated mentions of these articles that report it."""
    links = (
        EventMention.objects.filter(dated_mention__article_id__in=article_ids, dated_mention__date__isnull=False)
        .exclude(dated_mention__status=DatedMention.Status.REJECTED)
        .select_related("event", "dated_mention__article")
        .order_by("event_id", "dated_mention__article__original_filename", "dated_mention__start")
    )
    happenings: dict[int, dict] = {}
    for link in links:
        mention = link.dated_mention
        happening = happenings.setdefault(
            link.event_id, {"key": f"event-{link.event_id}", "description": link.event.title, "mentions": []}
        )
        happening["mentions"].append(
            {
                "file": mention.article.original_filename,
                "expression": mention.expression,
                "sentence": reporting_sentence(mention),
            }
        )
    return {"happenings": list(happenings.values())}


def gold_statements(article_ids: list[int]) -> dict:
    """statements.json: each statement with the quotes of these articles that report it."""
    links = (
        StatementQuote.objects.filter(quote__article_id__in=article_ids)
        .exclude(quote__status=Quote.Status.REJECTED)
        .select_related("statement__speaker", "quote__article")
        .order_by("statement_id", "quote__article__original_filename", "quote__start")
    )
    statements: dict[int, dict] = {}
    for link in links:
        speaker = _active(link.statement.speaker)
        statement = statements.setdefault(
            link.statement_id,
            {"key": f"statement-{link.statement_id}", "speaker": speaker.name if speaker else None, "quotes": []},
        )
        statement["quotes"].append({"file": link.quote.article.original_filename, "text": link.quote.text})
    return {"statements": list(statements.values())}


def _write(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


class Command(BaseCommand):
    help = "Write reviewed articles (or --all) as gold answers that evaluate_extraction reads."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, metavar="DIR", help="Folder to write one JSON file per article.")
        parser.add_argument(
            "--all", action="store_true", dest="everything", help="Every article, reviewed or not (a baseline)."
        )

    def handle(self, *args, **opts):
        target = Path(opts["output"])
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"{target}: cannot create: {exc.strerror or exc}") from exc
        written: dict[str, int] = {}
        for article in gold_articles(everything=opts["everything"]).iterator(chunk_size=100):
            stem = Path(article.original_filename).stem or f"article-{article.pk}"
            # Two files of one name (different bytes) stay apart; the cross-article files keep their names.
            if stem in written or stem in ("timeline", "statements"):
                stem = f"{stem}-{article.pk}"
            _write(target / f"{stem}.json", gold_for_article(article))
            written[stem] = article.pk
        if not written:
            self.stderr.write(
                "No articles to write."
                if opts["everything"]
                else "No reviewed articles to write (mark articles reviewed in the admin, or use --all)."
            )
            return
        ids = list(written.values())
        _write(target / "timeline.json", gold_happenings(ids))
        _write(target / "statements.json", gold_statements(ids))
        self.stdout.write(f"Wrote {len(written)} articles' gold, timeline.json and statements.json to {target}")
