"""Compares what the importer made of some files with hand-made gold answers (tests/gold/)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz

from articles.models import Article
from articles.services import normalize_name

METADATA_FIELDS = ("source", "title", "authors", "published_on", "review_reasons")
QUOTE_MATCH_RATIO = 90.0


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
    boilerplate_leaked: int = 0
    misses: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"metadata exact match   {self.metadata}",
            f"quote recall           {self.quote_recall}",
            f"quote precision        {self.quote_precision}",
            f"speaker accuracy       {self.speaker}",
            f"event date recall      {self.event_recall}",
            f"boilerplate leaked     {self.boilerplate_leaked} lines",
        ]


def load_gold(gold_dir: Path) -> list[dict]:
    """Every per-article gold file in ``gold_dir`` (timeline.json is about several articles: not here)."""
    return [
        json.loads(p.read_text(encoding="utf-8")) for p in sorted(gold_dir.glob("*.json")) if p.name != "timeline.json"
    ]


def _norm(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def _date_at(value: dt.date | None, precision: str | None) -> str | None:
    if value is None:
        return None
    if precision == "year":
        return f"{value.year:04d}"
    if precision == "month":
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def _names(person) -> set[str]:
    if person is None:
        return set()
    return {normalize_name(person.name), *(a.normalized for a in person.aliases.all())}


def evaluate(gold: list[dict]) -> Report:
    """Score the articles already imported against ``gold``."""
    report = Report()
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
                if _date_at(d.date, d.precision) == ge["date"] and (d.precision or None) == ge.get("precision"):
                    hit = d
                    break
            elif d.date is None:
                hit = d
                break
        report.event_recall.add(hit is not None)
        if hit is None:
            got = [(c.expression, _date_at(c.date, c.precision), c.precision) for c in candidates]
            report.misses.append(f"{g['file']}: event {ge['expression']!r} -> {ge.get('date')}; found {got}")
        else:
            used.add(hit.pk)
