"""Reads an article's title, byline, date, dateline, tags, outlet and language from its raw text and hints."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .clean import (
    BYLINE_SEPARATORS,
    PARAGRAPH_SEPARATOR,
    Cleaned,
    DateReading,
    LineKind,
    date_parts,
    is_person_name,
    read_date,
)
from .types import (
    DateOrder,
    DateValue,
    Hints,
    Metadata,
    Origin,
    Precision,
    ReviewReason,
    SourcePattern,
    Suggestion,
)

# "ERBIL, Kurdistan Region –", "BRUSSELS—", "WASHINGTON (AP) —": a place in
# capitals, perhaps a region after a comma, perhaps an agency, then a dash.
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z'’.-]+(?:\s+[A-Z][A-Z'’.-]+)*(?:,\s*[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3})?)"
    r"(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?"  # Reuters' "NEW YORK, March 4 (Reuters) -"
    r"\s*(?:\((?:[A-Za-z][\w .&/-]{0,30})\))?\s*[–—-]{1,2}\s*\S"
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# A weekday the article reports as past or present; "next Monday" is ahead.
_WEEKDAY = re.compile(r"(?<!\bnext )(?<!\bcoming )(?<!\buntil )\b(" + "|".join(_WEEKDAYS) + r")\b", re.I)
# How likely a news article mentions a weekday N days before its date.
_WEEKDAY_WEIGHT = (1.0, 0.9, 0.6, 0.3, 0.15, 0.1, 0.05)
_FITS = 0.5
_UPDATED = re.compile(r"\b(?:updated|modified|edited)\b", re.I)
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])(?:[/-](0?[1-9]|[12]\d|3[01]))?(?=[/-]|$)")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TAG_SPLIT = re.compile(r"\s*[,;|]\s*")
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b)\s*")
_MIN_LANGUAGE_TEXT = 60


@dataclass(frozen=True, slots=True)
class _Outlet:
    slug: str = ""
    name: str = ""
    origin: Origin | None = None
    reason: ReviewReason | None = None


def read_metadata(raw: str, cleaned: Cleaned, *, hints: Hints) -> Metadata:
    """Title, authors, date, dateline, tags, captions, outlet and language, each with its origin."""
    manifest = {k: (v or "").strip() for k, v in hints.manifest.items()}
    reasons: list[ReviewReason] = []
    suggestions: list[Suggestion] = []

    outlet = _read_outlet(raw, manifest, hints.source_patterns)
    if outlet.reason is not None:
        reasons.append(outlet.reason)

    title, title_origin = _read_title(cleaned, manifest)
    if not title:
        reasons.append(ReviewReason.TITLE_MISSING)

    authors, authors_origin = _read_authors(cleaned, manifest, hints.source_patterns)

    order = hints.date_orders.get(outlet.slug, hints.default_date_order) if outlet.slug else None
    order = order or hints.default_date_order
    published, date_reason, date_suggestions = _read_date(cleaned, manifest, hints, order)
    suggestions.extend(date_suggestions)
    if date_reason is not None:
        reasons.append(date_reason)

    language = _language(cleaned.body or raw)
    if language != "en":
        reasons.append(ReviewReason.LANGUAGE_UNSUPPORTED)

    return Metadata(
        title=title,
        title_origin=title_origin,
        authors=authors,
        authors_origin=authors_origin,
        published_on=published,
        dateline=_read_dateline(cleaned.body),
        tags=_read_tags(cleaned),
        captions=cleaned.captions,
        source_slug=outlet.slug,
        source_name=outlet.name,
        source_origin=outlet.origin,
        url=manifest.get("url", ""),
        language=language,
        review_reasons=tuple(reasons),
        suggestions=tuple(suggestions),
    )


def _read_title(cleaned: Cleaned, manifest: dict[str, str]) -> tuple[str, Origin | None]:
    if manifest.get("title"):
        return manifest["title"], Origin.MANIFEST
    for line in cleaned.header:
        if line.kind is LineKind.TITLE:
            return line.text, Origin.TEXT
    return "", None


def _split_authors(text: str, patterns: tuple[SourcePattern, ...]) -> list[str]:
    found = []
    for name in _AUTHOR_SPLIT.split(text):
        name = name.strip(" .")
        if is_person_name(name) and not _names_outlet(name, patterns) and name not in found:
            found.append(name)
    return found


def _read_authors(
    cleaned: Cleaned, manifest: dict[str, str], patterns: tuple[SourcePattern, ...]
) -> tuple[tuple[str, ...], Origin | None]:
    if manifest.get("authors"):
        names = [n.strip() for n in manifest["authors"].split(";") if n.strip()]
        return tuple(dict.fromkeys(names)), Origin.MANIFEST
    found: list[str] = []
    for line in cleaned.header:
        if line.kind is LineKind.BYLINE:
            # "By A and B - Feb 12,2020 | Reuters": the names sit before the first separator.
            first = BYLINE_SEPARATORS.split(line.text)[0]
            value = re.sub(r"^(?:by|written by|reporting by|words by|story by)\s+", "", first, flags=re.I)
            found.extend(n for n in _split_authors(value, patterns) if n not in found)
        elif line.kind is LineKind.NAME and not _names_outlet(line.text, patterns) and line.text not in found:
            found.append(line.text)
    return (tuple(found), Origin.TEXT) if found else ((), None)


def _names_outlet(text: str, patterns: tuple[SourcePattern, ...]) -> bool:
    """Whether an outlet's pattern matches all of ``text`` (an outlet's name is not an author)."""
    return any(p.strength == "named" and _matches(p, text) and len(p.pattern) >= len(text) * 0.8 for p in patterns)


def _read_tags(cleaned: Cleaned) -> tuple[str, ...]:
    tags: list[str] = []
    for line in cleaned.header:
        if line.kind is LineKind.TAGS:
            value = line.text.split(":", 1)[-1].split("：", 1)[-1].strip()
            # Without separators the words cannot be split safely into tags: keep the whole.
            for tag in _TAG_SPLIT.split(value):
                tag = tag.strip(" .#")
                if tag and tag not in tags:
                    tags.append(tag)
    return tuple(tags)


def _read_dateline(body: str) -> str:
    first = body.split(PARAGRAPH_SEPARATOR, 1)[0]
    m = _DATELINE.match(first)
    if m is None:
        return ""
    place = m["place"].strip()
    # A dateline's place starts with a word in capitals, not a capitalised sentence start.
    head = place.split(",")[0].split()[0]
    if len(head.strip(".'’-")) < 2 or not head.isupper():
        return ""
    return place


# --- Outlet ---


def _matches(pattern: SourcePattern, text: str) -> bool:
    if pattern.is_regex:
        try:
            return re.search(pattern.pattern, text, re.MULTILINE) is not None
        except re.error:
            return False
    return pattern.pattern.casefold() in text.casefold()


def _best(patterns: list[SourcePattern], text: str) -> str:
    counts: dict[str, int] = {}
    for p in patterns:
        if _matches(p, text):
            counts[p.source_slug] = counts.get(p.source_slug, 0) + 1
    # The outlet named most often wins; ties go to the first listed.
    return max(counts, key=lambda slug: counts[slug]) if counts else ""


def _read_outlet(raw: str, manifest: dict[str, str], patterns: tuple[SourcePattern, ...]) -> _Outlet:
    known = {p.source_slug for p in patterns}
    if source := manifest.get("source"):
        slug = source if source in known or _SLUG.match(source) else ""
        return _Outlet(slug, source, Origin.MANIFEST)
    named = [p for p in patterns if p.strength == "named"]
    if slug := _best(named, raw):
        return _Outlet(slug, "", Origin.TEXT)
    if url := manifest.get("url"):
        host = (urlsplit(url if "//" in url else "//" + url).hostname or "").lower()
        host = host.removeprefix("www.")
        if host:
            return _Outlet(_best(list(patterns), url), host, Origin.URL)
    style = [p for p in patterns if p.strength != "named"]
    if slug := _best(style, raw):
        return _Outlet(slug, "", Origin.INFERRED, ReviewReason.OUTLET_INFERRED)
    return _Outlet(reason=ReviewReason.OUTLET_UNKNOWN)


# --- Publication date ---


def _read_date(
    cleaned: Cleaned, manifest: dict[str, str], hints: Hints, order: DateOrder | None
) -> tuple[DateValue | None, ReviewReason | None, list[Suggestion]]:
    if hints.published_on is not None:
        return DateValue(hints.published_on, Precision.DAY, Origin.EDITOR, 1.0), None, []
    if manifest.get("published_on") and (found := _manifest_date(manifest["published_on"])):
        return found, None, []

    candidates = _header_dates(cleaned)
    if candidates:
        evidence, readings = candidates[0]
        if len(readings) == 1:
            r = readings[0]
            return DateValue(r.date, r.precision, Origin.TEXT, 0.9, evidence), None, []
        return _settle(readings, evidence, cleaned.body, order)

    if url := manifest.get("url"):
        path = urlsplit(url if "//" in url else "//" + url).path
        if m := _URL_DATE.search(path):
            year, month = int(m[1]), int(m[2])
            try:
                if m[3]:
                    return (
                        DateValue(dt.date(year, month, int(m[3])), Precision.DAY, Origin.URL, 0.8, m[0]),
                        None,
                        [],
                    )
                return DateValue(dt.date(year, month, 1), Precision.MONTH, Origin.URL, 0.7, m[0]), None, []
            except ValueError:
                pass
    return None, ReviewReason.DATE_UNKNOWN, []


def _manifest_date(value: str) -> DateValue | None:
    try:
        return DateValue(dt.date.fromisoformat(value[:10]), Precision.DAY, Origin.MANIFEST, 1.0, value)
    except ValueError:
        readings = read_date(value)
    if len(readings) == 1:
        return DateValue(readings[0].date, readings[0].precision, Origin.MANIFEST, 1.0, value)
    return None


def _header_dates(cleaned: Cleaned) -> list[tuple[str, tuple[DateReading, ...]]]:
    """Dates of the header lines, a publication date before an update's."""
    first: list[tuple[str, tuple[DateReading, ...]]] = []
    updates: list[tuple[str, tuple[DateReading, ...]]] = []
    for line in cleaned.header:
        if line.kind not in (LineKind.DATE, LineKind.BYLINE):
            continue
        for part, readings in date_parts(line.text) or [(line.text, read_date(line.text))]:
            if readings:
                (updates if _UPDATED.search(part) else first).append((part, readings))
    return first + updates


def _weekday_fit(date: dt.date, weekdays: list[int]) -> float:
    """How well the weekdays the body mentions fit a publication on ``date`` (0 to 1)."""
    if not weekdays:
        return 0.0
    return sum(_WEEKDAY_WEIGHT[(date.weekday() - w) % 7] for w in weekdays) / len(weekdays)


def _settle(
    readings: tuple[DateReading, ...], evidence: str, body: str, order: DateOrder | None
) -> tuple[DateValue | None, ReviewReason | None, list[Suggestion]]:
    """Choose between the two readings of an all-numeric date, or say it is ambiguous."""
    weekdays = [_WEEKDAYS.index(m.group(1).lower()) for m in _WEEKDAY.finditer(body)]
    fit = {r.order: _weekday_fit(r.date, weekdays) for r in readings}
    by_order = next((r for r in readings if r.order == order), None)
    best = max(readings, key=lambda r: fit[r.order])
    other = min(readings, key=lambda r: fit[r.order])
    decisive = fit[best.order] >= _FITS and fit[best.order] - fit[other.order] >= 0.25

    def value(r: DateReading, confidence: float, why: str) -> DateValue:
        return DateValue(r.date, r.precision, Origin.TEXT, confidence, f"{evidence} ({why})")

    if by_order is not None:
        if not weekdays:
            return value(by_order, 0.8, f"outlet writes {order}"), None, []
        if decisive and best is by_order:
            return value(by_order, 0.95, f"outlet writes {order}; weekdays agree"), None, []
        if not decisive:
            return value(by_order, 0.75, f"outlet writes {order}"), None, []
    elif decisive:
        return value(best, 0.75, "weekdays in the text"), None, []
    suggestions = [
        Suggestion(
            field="published_on",
            value=r.date.isoformat(),
            evidence=f"{evidence} read {'day' if r.order is DateOrder.DAY_FIRST else 'month'} first",
            confidence=round(0.3 + 0.4 * fit[r.order] + (0.1 if r is by_order else 0.0), 2),
        )
        for r in readings
    ]
    return None, ReviewReason.DATE_AMBIGUOUS, suggestions


# --- Language ---


@functools.lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _language(text: str) -> str:
    """The body's language; short or unsure texts count as English, the archive's language."""
    text = text[:5000]
    if sum(c.isalpha() for c in text) < _MIN_LANGUAGE_TEXT:
        return "en"
    code, probability = _identifier().classify(text)
    return str(code) if probability >= 0.8 else "en"
