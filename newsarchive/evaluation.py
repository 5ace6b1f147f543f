"""Compares what the importer made of some files with hand-made gold answers (tests/gold/).

Per article: metadata, quotes, speakers and dates. Across articles: how well dated mentions merge into events
(tests/gold/timeline.json) and quotes link into statements (tests/gold/statements.json), as pairwise precision
and recall over pairs of reports in different articles.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz

from articles.extraction.types import date_text
from articles.models import Article, DatedMention, Quote
from articles.services import normalize_name
from timeline.models import EventMention, StatementQuote, reporting_sentence

METADATA_FIELDS = ("source", "title", "authors", "published_on", "review_reasons")
QUOTE_MATCH_RATIO = 90.0
# Gold files about several articles at once (the rest are one article each).
TIMELINE_GOLD = "timeline.json"
STATEMENTS_GOLD = "statements.json"
# A gold dated mention is the extracted one with its expression whose reporting sentence is this alike.
SENTENCE_MATCH_RATIO = 85.0


@dataclass
class Score:
    """A count of hits out of a total."""

    hits: int = 0
    total: int = 0

    def add(self, hit: bool) -> None:
        self.total += 1
        self.hits += int(hit)

    @property
    def rate(self) -> float:
        return self.hits / self.total if self.total else 1.0

    def __str__(self) -> str:
        return f"{self.rate:6.1%} ({self.hits}/{self.total})"


@dataclass
class Report:
    """Per-field figures over a set of gold articles, with what was missed."""

    metadata: Score = field(default_factory=Score)
    quote_recall: Score = field(default_factory=Score)
    quote_precision: Score = field(default_factory=Score)
    speaker: Score = field(default_factory=Score)
    event_recall: Score = field(default_factory=Score)
    event_merge_precision: Score = field(default_factory=Score)
    event_merge_recall: Score = field(default_factory=Score)
    statement_precision: Score = field(default_factory=Score)
    statement_recall: Score = field(default_factory=Score)
    boilerplate_leaked: int = 0
    misses: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"metadata exact match   {self.metadata}",
            f"quote recall           {self.quote_recall}",
            f"quote precision        {self.quote_precision}",
            f"speaker accuracy       {self.speaker}",
            f"event date recall      {self.event_recall}",
            f"event merge precision  {self.event_merge_precision}",
            f"event merge recall     {self.event_merge_recall}",
            f"statement precision    {self.statement_precision}",
            f"statement recall       {self.statement_recall}",
            f"boilerplate leaked     {self.boilerplate_leaked} lines",
        ]


def load_gold(gold_dir: Path) -> list[dict]:
    """Every per-article gold file in ``gold_dir`` (timeline.json and statements.json span articles: not here)."""
    return [
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(gold_dir.glob("*.json"))
        if p.name not in (TIMELINE_GOLD, STATEMENTS_GOLD)
    ]


def load_timeline_gold(gold_dir: Path) -> list[dict]:
    """The happenings of ``gold_dir``/timeline.json (each with the mentions that report it), or [] if none."""
    path = gold_dir / TIMELINE_GOLD
    return json.loads(path.read_text(encoding="utf-8"))["happenings"] if path.exists() else []


def load_statement_gold(gold_dir: Path) -> list[dict]:
    """The statements of ``gold_dir``/statements.json (each with the quotes that report it), or [] if none."""
    path = gold_dir / STATEMENTS_GOLD
    return json.loads(path.read_text(encoding="utf-8"))["statements"] if path.exists() else []


def _norm(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def _names(person) -> set[str]:
    if person is None:
        return set()
    return {normalize_name(person.name), *(a.normalized for a in person.aliases.all())}


def evaluate(gold: list[dict], *, happenings: list[dict] | None = None, statements: list[dict] | None = None) -> Report:
    """Score the imported articles against ``gold``, and their events and statements against the multi-article gold."""
    report = Report()
    files = {g["file"] for g in gold}
    if happenings is not None:
        pairs = event_merge_pairs(happenings, files=files)
        report.event_merge_precision, report.event_merge_recall = pairs.precision, pairs.recall
        report.misses.extend(pairs.misses)
    if statements is not None:
        pairs = statement_pairs(statements, files=files)
        report.statement_precision, report.statement_recall = pairs.precision, pairs.recall
        report.misses.extend(pairs.misses)
    for g in gold:
        article = Article.objects.filter(original_filename=g["file"]).first()
        if article is None:
            report.misses.append(f"{g['file']}: not imported")
            continue
        _metadata(report, g, article)
        _quotes(report, g, article)
        _events(report, g, article)
        body_lines = {_norm(line) for line in article.body.split("\n") if line.strip()}
        for line in g.get("boilerplate", []):
            if _norm(line) in body_lines:
                report.boilerplate_leaked += 1
                report.misses.append(f"{g['file']}: boilerplate in body: {line[:60]}")
    return report


def _metadata(report: Report, g: dict, article: Article) -> None:
    meta = g["metadata"]
    got = {
        "source": article.source.slug if article.source else None,
        "title": article.title or None,
        "authors": [p.name for p in article.authors.all()],
        "published_on": article.published_on.isoformat() if article.published_on else None,
        "review_reasons": sorted(article.review_reasons),
    }
    want = {
        "source": meta.get("source"),
        "title": meta.get("title") or None,
        "authors": list(meta.get("authors") or []),
        "published_on": meta.get("published_on"),
        "review_reasons": sorted(meta.get("review_reasons") or []),
    }
    for name in METADATA_FIELDS:
        hit = got[name] == want[name]
        report.metadata.add(hit)
        if not hit:
            report.misses.append(f"{g['file']}: {name} is {got[name]!r}, gold {want[name]!r}")


def _quotes(report: Report, g: dict, article: Article) -> None:
    extracted = list(
        article.quotes.exclude(status="rejected").select_related("speaker").prefetch_related("speaker__aliases")
    )
    used: set[int] = set()
    for gq in g.get("quotes", []):
        want = _norm(gq["text"])
        best, best_score = None, QUOTE_MATCH_RATIO
        for q in extracted:
            if q.pk in used:
                continue
            score = fuzz.ratio(want, _norm(q.text))
            if score >= best_score:
                best, best_score = q, score
        report.quote_recall.add(best is not None)
        if best is None:
            report.misses.append(f"{g['file']}: quote missed: {gq['text'][:60]}")
            continue
        used.add(best.pk)
        want_speaker = gq.get("speaker")
        hit = (want_speaker is None and best.speaker is None) or (
            want_speaker is not None and normalize_name(want_speaker) in _names(best.speaker)
        )
        report.speaker.add(hit)
        if not hit:
            got = best.speaker.name if best.speaker else None
            report.misses.append(f"{g['file']}: speaker of {gq['text'][:40]!r} is {got!r}, gold {want_speaker!r}")
    for q in extracted:
        report.quote_precision.add(q.pk in used)
        if q.pk not in used:
            report.misses.append(f"{g['file']}: not a gold quote: {q.text[:60]}")


def _events(report: Report, g: dict, article: Article) -> None:
    mentions = list(article.dated_mentions.exclude(status="rejected"))
    used: set[int] = set()
    for ge in g.get("events", []):
        expression = _norm(ge["expression"]).casefold()
        candidates = [
            d
            for d in mentions
            if d.pk not in used
            and (expression in _norm(d.expression).casefold() or _norm(d.expression).casefold() in expression)
            and fuzz.partial_ratio(_norm(ge.get("sentence", "")), _norm(d.sentence)) >= 80
        ]
        datable = ge.get("datable", ge.get("date") is not None)
        hit = None
        for d in candidates:
            if datable:
                if date_text(d.date, d.precision) == ge["date"] and (d.precision or None) == ge.get("precision"):
                    hit = d
                    break
            elif d.date is None:
                hit = d
                break
        report.event_recall.add(hit is not None)
        if hit is None:
            got = [(c.expression, date_text(c.date, c.precision), c.precision) for c in candidates]
            report.misses.append(f"{g['file']}: event {ge['expression']!r} -> {ge.get('date')}; found {got}")
        else:
            used.add(hit.pk)


# --- merges across articles: events and statements -------------------------------------------------------


@dataclass
class Pairs:
    """Pairwise figures of a clustering: precision over the pairs it joins, recall over the pairs the gold joins."""

    precision: Score = field(default_factory=Score)
    recall: Score = field(default_factory=Score)
    misses: list[str] = field(default_factory=list)


def _pairwise(
    items: Iterable, *, article_of, cluster_of: dict[int, int], truth_of: dict[int, str], label, kind: str
) -> Pairs:
    pairs = Pairs()
    for a, b in itertools.combinations(items, 2):
        if article_of(a) == article_of(b):
            continue  # one article reports a happening or a statement once: pairs span articles
        predicted = a.pk in cluster_of and cluster_of.get(a.pk) == cluster_of.get(b.pk)
        same = truth_of.get(a.pk) is not None and truth_of.get(a.pk) == truth_of.get(b.pk)
        if predicted:
            pairs.precision.add(same)
            if not same:
                pairs.misses.append(f"{kind} wrongly together: {label(a)} / {label(b)}")
        if same:
            pairs.recall.add(predicted)
            if not predicted:
                pairs.misses.append(f"{kind} {truth_of[a.pk]} left apart: {label(a)} / {label(b)}")
    return pairs


def gold_dated_mentions(file: str, expression: str, sentence: str) -> list[DatedMention]:
    """The dated mentions a gold entry may mean: its article (``file`` or a prefix of it), its expression (the
    extractor's may drop the preposition) and its reporting sentence."""
    return [
        m
        for m in DatedMention.objects.filter(article__original_filename__startswith=file).select_related("article")
        if expression.lower().endswith(m.expression.lower())
        and fuzz.ratio(reporting_sentence(m), sentence) > SENTENCE_MATCH_RATIO
    ]


def event_merge_pairs(happenings: list[dict], *, files: Iterable[str] | None = None) -> Pairs:
    """Pairwise precision and recall of the events against the gold happenings.

    Counts the mentions whose dates the text and the stated publication dates fix (an undated mention is on
    no event yet, by design), in the articles ``files`` names (all, if None).
    """
    truth: dict[int, str] = {}
    misses = []
    for happening in happenings:
        for entry in happening["mentions"]:
            found = gold_dated_mentions(entry["file"], entry["expression"], entry["sentence"])
            if len(found) == 1:
                truth[found[0].pk] = happening["key"]
            else:
                misses.append(f"{entry['file']}: {len(found)} dated mentions match {entry['expression']!r}")
    mentions = DatedMention.objects.filter(date__isnull=False).exclude(status=DatedMention.Status.REJECTED)
    if files is not None:
        mentions = mentions.filter(article__original_filename__in=list(files))
    pairs = _pairwise(
        list(mentions.select_related("article").order_by("pk")),
        article_of=lambda m: m.article_id,
        cluster_of=dict(EventMention.objects.values_list("dated_mention_id", "event_id")),
        truth_of=truth,
        label=lambda m: f"{m.article.original_filename[:3]} “{m.expression}”",
        kind="event",
    )
    pairs.misses[:0] = misses
    return pairs


def gold_quote(file: str, text: str) -> Quote | None:
    """The extracted quote a gold entry means: in its article, the words most alike (at least QUOTE_MATCH_RATIO)."""
    want = _norm(text)
    scored = [
        (fuzz.ratio(want, _norm(q.text)), q)
        for q in Quote.objects.filter(article__original_filename__startswith=file).exclude(status=Quote.Status.REJECTED)
    ]
    score, quote = max(scored, key=lambda x: x[0], default=(0.0, None))
    return quote if score >= QUOTE_MATCH_RATIO else None


def statement_pairs(statements: list[dict], *, files: Iterable[str] | None = None) -> Pairs:
    """Pairwise precision and recall of the statements against the gold: every quote of the articles ``files``
    names (all, if None) counts; a gold quote in no gold statement is a statement of its own."""
    truth: dict[int, str] = {}
    misses = []
    for statement in statements:
        for entry in statement["quotes"]:
            quote = gold_quote(entry["file"], entry["text"])
            if quote is None:
                misses.append(f"{entry['file']}: no quote matches {entry['text'][:50]!r}")
            else:
                truth[quote.pk] = statement["key"]
    quotes = Quote.objects.exclude(status=Quote.Status.REJECTED)
    if files is not None:
        quotes = quotes.filter(article__original_filename__in=list(files))
    pairs = _pairwise(
        list(quotes.select_related("article").order_by("pk")),
        article_of=lambda q: q.article_id,
        cluster_of=dict(StatementQuote.objects.values_list("quote_id", "statement_id")),
        truth_of=truth,
        label=lambda q: f"{q.article.original_filename[:3]} “{q.text[:40]}”",
        kind="statement",
    )
    pairs.misses[:0] = misses
    return pairs
