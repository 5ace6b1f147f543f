"""Dated happenings: every date expression in a body, resolved against the publication date.

Finding is regular expressions over the body (absolute dates, month names,
years, weekdays, relative expressions). Normalising an absolute expression is
dateparser's, with the publication date as ``RELATIVE_BASE``; what dateparser
does not do is ours and small: the weekday on or before the publication date
(or after it when the sentence looks ahead), "earlier this month", spans
("last week", "between April 30 and May 6") with their end, "the day before"
the date just mentioned, and honest precision (a year is a year, a span takes
the finest unit that holds all of it).

Without a publication date a relative expression stays unresolved (date None)
and resolves when an editor sets the date and the article is read again.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .people import people_in
from .types import DatedMention, DateValue, EntityMention, Origin, Precision

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from .clean import OffsetMap

_MONTHS = {
    name: i for i in range(1, 13) for name in (calendar.month_name[i].casefold(), calendar.month_abbr[i].casefold())
}
_MONTHS["sept"] = 9
_MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_WEEKDAYS = {calendar.day_name[i].casefold(): i for i in range(7)}
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}

# Order matters: longer forms first; a later pattern never takes text an earlier one took.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(p, flags))
    for name, p, flags in (
        (
            "between-days",
            rf"\b(?:between|from)\s+(?P<m1>{_MONTH})\.?\s+(?P<d1>{_DAY})(?:,?\s+(?P<y1>{_YEAR}))?\s+(?:and|to|until|through|-|\u2013)\s+(?:(?P<m2>{_MONTH})\.?\s+)?(?P<d2>{_DAY})(?:,?\s+(?P<y2>{_YEAR}))?\b",
            0,
        ),
        (
            "between-days",
            rf"\b(?:between|from)\s+(?P<d1>{_DAY})\s+(?:of\s+)?(?P<m1>{_MONTH})\.?(?:,?\s+(?P<y1>{_YEAR}))?\s+(?:and|to|until|through|-|\u2013)\s+(?P<d2>{_DAY})\s+(?:of\s+)?(?P<m2>{_MONTH})\.?(?:,?\s+(?P<y2>{_YEAR}))?\b",
            0,
        ),
        # "from 3 to 5 March", "3-5 March", "March 3-5": days of one month.
        (
            "day-range",
            rf"\b(?:(?:between|from)\s+)?(?P<d1>{_DAY})\s*(?:and|to|until|through|-|\u2013)\s*(?P<d2>{_DAY})\s+(?:of\s+)?(?P<m>{_MONTH})\.?(?:,?\s+(?P<y>{_YEAR}))?\b",
            0,
        ),
        (
            "day-range",
            rf"\b(?:(?:between|from)\s+)?(?P<m>{_MONTH})\.?\s+(?P<d1>{_DAY})\s*(?:and|to|until|through|-|\u2013)\s*(?P<d2>{_DAY})(?![\d:])(?:,?\s+(?P<y>{_YEAR}))?\b",
            0,
        ),
        # "Wednesday, May 6": the weekday picks the year when none is written.
        (
            "month-day",
            rf"\b(?P<w>{_WEEKDAY}),?\s+(?P<m>{_MONTH})\.?\s+(?P<d>{_DAY})(?![\d:])(?:,?\s+(?P<y>{_YEAR}))?\b",
            0,
        ),
        (
            "day-month",
            rf"\b(?P<w>{_WEEKDAY}),?\s+(?:the\s+)?(?P<d>{_DAY})\s+(?:of\s+)?(?P<m>{_MONTH})\.?(?:,?\s+(?P<y>{_YEAR}))?\b",
            0,
        ),
        ("month-day", rf"\b(?P<m>{_MONTH})\.?\s+(?P<d>{_DAY})(?![\d:])(?:,?\s+(?P<y>{_YEAR}))?\b", 0),
        ("day-month", rf"\b(?P<d>{_DAY})\s+(?:of\s+)?(?P<m>{_MONTH})\.?(?:,?\s+(?P<y>{_YEAR}))?\b", 0),
        ("month-year", rf"\b(?:(?P<part>early|mid|late)[-\s])?(?P<m>{_MONTH})\.?,?\s+(?P<y>{_YEAR})\b", 0),
        (
            "relative-unit",
            r"\b(?P<which>last|this|next|past|earlier\s+this|later\s+this|earlier\s+in\s+the|the\s+previous|the\s+following)\s+(?P<unit>week|month|year|weekend)\b",
            re.IGNORECASE,
        ),
        (
            "ago",
            r"\b(?P<n>\d+|a|an|one|two|three|four|five|six|seven)\s+(?P<unit>days?|weeks?|months?|years?)\s+ago\b",
            re.IGNORECASE,
        ),
        ("day-word", r"\b(?P<word>yesterday|today|tomorrow|tonight)\b", re.IGNORECASE),
        (
            "day-before",
            r"\b(?:the\s+(?P<which>day|night)\s+(?P<dir>before|after)|the\s+(?P<dir2>previous|next|following)\s+day|a\s+day\s+(?P<dir3>earlier|later)|the\s+same\s+day|on\s+the\s+same\s+day)\b",
            re.IGNORECASE,
        ),
        ("weekday", rf"\b(?:(?P<which>(?i:last|this|next|on|since|by|until))\s+)?(?P<w>{_WEEKDAY})\b", 0),
        (
            "month",
            rf"\b(?:(?P<prep>(?i:in|since|by|until|till|during|of|for|from|to|through|after|before|early|late|last|this|next|mid))[-\s]+)(?P<m>{_MONTH})\b(?!\s+\d)",
            0,
        ),
        ("year", rf"(?<![\d.,/-])\b(?P<y>{_YEAR})\b(?![\d.,/]\d|-(?:\d|year))", 0),
    )
)
# Words in the clause before an expression that put it in the future.
_AHEAD = re.compile(
    r"\b(?:will|shall|['\u2019]ll|is\s+to|are\s+to|to\s+be\s+held|scheduled|set\s+(?:to|for)|plans?\s+to|planning\s+to|planned\s+for|due|expected\s+to|upcoming|next|would)\b",
    re.IGNORECASE,
)
_PAST = re.compile(r"\b(?:said|says|told|was|were|had|did|announced|agreed|last|ago)\b", re.IGNORECASE)
# A capitalised word before a weekday makes it a name: "Fox News Sunday".
_NAME_BEFORE = re.compile(r"([A-Z][\w']+)\s+$")
_NAME_AFTER = re.compile(r"^\s+(?:[A-Z][a-z]+)")
_PREPOSITIONS = {"on", "last", "this", "next", "since", "by", "until", "said", "says", "late", "early"}


@dataclass(frozen=True, slots=True)
class _Resolved:
    date: dt.date | None
    end: dt.date | None
    precision: Precision | None
    rule: str
    confidence: float


@functools.cache
def _dateparser() -> Any:
    import dateparser  # imported late: loading its language data costs a second

    return dateparser


def _parse(text: str, base: dt.date, prefer: str) -> dt.date | None:
    """dateparser's reading of an absolute expression, relative to ``base``."""
    parsed = _dateparser().parse(
        text,
        languages=["en"],
        settings={
            "RELATIVE_BASE": dt.datetime.combine(base, dt.time()),
            "PREFER_DATES_FROM": prefer,
            "PREFER_DAY_OF_MONTH": "first",
            "REQUIRE_PARTS": [],
        },
    )
    return parsed.date() if parsed else None


def _month_num(name: str) -> int:
    return _MONTHS[
        name.casefold().rstrip(".")[:4] if name.casefold().startswith("sept") else name.casefold().rstrip(".")[:3]
    ]


def _finest(start: dt.date, end: dt.date) -> Precision:
    """The finest unit that holds the whole span ``start``..``end``."""
    if start == end:
        return Precision.DAY
    if (start.year, start.month) == (end.year, end.month):
        return Precision.MONTH
    return Precision.YEAR


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _nearest_year(month: int, day: int, base: dt.date, ahead: bool) -> dt.date | None:
    """The month and day nearest ``base``: on or before it, unless the text looks ahead."""
    for year in (base.year, base.year + 1) if ahead else (base.year, base.year - 1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if (candidate >= base) if ahead else (candidate <= base):
            return candidate
    return None


def _looks_ahead(sentence_before: str) -> bool:
    """Whether the few words governing an expression put it in the future ("will meet on Friday")."""
    clause = re.split(r"[,;]\s+|\b(?:said|says|told)\b", sentence_before)[-1]
    near = " ".join(clause.split()[-6:])
    return bool(_AHEAD.search(near)) and not re.search(r"\b(?:last|ago|earlier)\b", near, re.I)


# How far past the publication date a date without a year may still be read as
# ahead of it when the verb's tense says so (days), and a bare month (months).
_NEAR_FUTURE_DAYS = 92
_NEAR_FUTURE_MONTHS = 6


def _near_future(kind: str, m: re.Match[str], base: dt.date) -> bool:
    """Whether an expression without a year could name a date shortly after ``base``."""
    g = m.groupdict()
    if kind == "month" and g.get("prep", "").casefold() not in ("last", "this", "next"):
        month = _month_num(g["m"])
        return 0 < month - base.month <= _NEAR_FUTURE_MONTHS
    if kind in ("month-day", "day-month", "day-range") and not g.get("y") and not g.get("w"):
        day = g.get("d") or g.get("d2") or "1"
        try:
            candidate = dt.date(base.year, _month_num(g["m"]), int(re.sub(r"\D", "", day)))
        except ValueError:
            return False
        return 0 < (candidate - base).days <= _NEAR_FUTURE_DAYS
    return False


def _tense_looks_ahead(sentence: str, start: int, end: int, nlp_model: str) -> bool:
    """Whether the verb governing ``sentence[start:end]`` is in a present or future form ("runs", "is holding").

    Asked only of the few sentences where a date without a year could lie just after the
    publication date; the tagger and parser run on that sentence alone.
    """
    from . import nlp

    doc = nlp.parse(sentence, nlp_model)
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return False
    tok = span.root
    while tok.pos_ not in ("VERB", "AUX") and tok.head is not tok:
        tok = tok.head
    if tok.pos_ not in ("VERB", "AUX"):
        return False
    aux = [c for c in tok.children if c.dep_ in ("aux", "auxpass")]
    if any(a.lower_ in ("will", "shall", "'ll", "\u2019ll", "would") for a in aux):
        return True
    # The tense is the first finite word's: "are expected" is present, "was held" and "has met" are past.
    finite = next((a for a in aux if a.tag_ in ("VBD", "VBZ", "VBP", "MD")), tok)
    if finite.tag_ == "VBD" or (finite is not tok and finite.lemma_ == "have"):
        return False
    return finite.tag_ in ("VBZ", "VBP")


def _resolve(kind: str, m: re.Match[str], base: dt.date | None, ahead: bool, anchor: dt.date | None) -> _Resolved:
    g = m.groupdict()
    if kind == "between-days":
        y1 = int(g["y1"]) if g["y1"] else None
        y2 = int(g["y2"]) if g["y2"] else y1
        m1 = _month_num(g["m1"])
        m2 = _month_num(g["m2"]) if g["m2"] else m1
        d1, d2 = int(re.sub(r"\D", "", g["d1"])), int(re.sub(r"\D", "", g["d2"]))
        if y1 is None and base is None:
            return _Resolved(None, None, None, "span-unresolved", 0.5)
        try:
            if y1 is None:
                assert base is not None
                end = _nearest_year(m2, d2, base, ahead)
                if end is None:
                    return _Resolved(None, None, None, "span-invalid", 0.2)
                start = dt.date(end.year - (1 if m1 > m2 else 0), m1, d1)
            else:
                start, end = dt.date(y1, m1, d1), dt.date(y2 or y1, m2, d2)
        except ValueError:
            return _Resolved(None, None, None, "span-invalid", 0.2)
        return _Resolved(start, end, _finest(start, end), "span", 0.9)
    if kind == "day-range":
        month, d1, d2 = _month_num(g["m"]), int(re.sub(r"\D", "", g["d1"])), int(re.sub(r"\D", "", g["d2"]))
        if d1 >= d2:
            return _Resolved(None, None, None, "span-invalid", 0.2)
        try:
            if g.get("y"):
                end = dt.date(int(g["y"]), month, d2)
            elif base is None:
                return _Resolved(None, None, None, "span-unresolved", 0.5)
            else:
                found = _nearest_year(month, d2, base, ahead)
                if found is None:
                    return _Resolved(None, None, None, "span-invalid", 0.2)
                end = found
            start = end.replace(day=d1)
        except ValueError:
            return _Resolved(None, None, None, "span-invalid", 0.2)
        return _Resolved(start, end, _finest(start, end), "span", 0.9)
    if kind in ("month-day", "day-month"):
        month, day = _month_num(g["m"]), int(re.sub(r"\D", "", g["d"]))
        if g.get("w") and not g.get("y") and base is not None:
            # "Wednesday, May 6": the year, near the publication date, in which that day is a Wednesday.
            weekday = _WEEKDAYS[g["w"].casefold()]
            for year in (base.year, base.year - 1, base.year + 1):
                try:
                    candidate = dt.date(year, month, day)
                except ValueError:
                    continue
                if candidate.weekday() == weekday:
                    return _Resolved(candidate, None, Precision.DAY, "day-weekday-year", 0.95)
        if g.get("y"):
            try:
                return _Resolved(dt.date(int(g["y"]), month, day), None, Precision.DAY, "absolute-day", 0.95)
            except ValueError:
                return _Resolved(None, None, None, "invalid-date", 0.2)
        if base is None:
            return _Resolved(None, None, None, "day-no-year", 0.5)
        parsed = _parse(f"{calendar.month_name[month]} {day}", base, "future" if ahead else "past")
        if parsed is None:
            return _Resolved(None, None, None, "invalid-date", 0.2)
        return _Resolved(parsed, None, Precision.DAY, "day-this-year", 0.9)
    if kind == "month-year":
        start = dt.date(int(g["y"]), _month_num(g["m"]), 1)
        return _Resolved(start, None, Precision.MONTH, "absolute-month", 0.95)
    if kind == "year":
        return _Resolved(dt.date(int(g["y"]), 1, 1), None, Precision.YEAR, "absolute-year", 0.85)
    if kind == "month":
        month = _month_num(g["m"])
        if base is None:
            return _Resolved(None, None, None, "month-no-year", 0.5)
        prep = (g.get("prep") or "").casefold()
        forward = ahead or prep == "next"
        if prep == "last":
            year = base.year - 1 if month >= base.month else base.year
        elif forward:
            year = base.year if month >= base.month else base.year + 1
        else:
            year = base.year if month <= base.month else base.year - 1
        return _Resolved(dt.date(year, month, 1), None, Precision.MONTH, "month-nearest", 0.85)
    if base is None:
        return _Resolved(None, None, None, "relative-no-base", 0.5)
    if kind == "relative-unit":
        which = " ".join(g["which"].casefold().split())
        unit = g["unit"].casefold()
        step = -1 if which in ("last", "past", "the previous") else 1 if which in ("next", "the following") else 0
        if unit in ("week", "weekend"):
            monday = base - dt.timedelta(days=base.weekday()) + dt.timedelta(weeks=step)
            start, end = (
                (monday + dt.timedelta(days=5), monday + dt.timedelta(days=6))
                if unit == "weekend"
                else (monday, monday + dt.timedelta(days=6))
            )
            if which == "earlier this":
                end = base
            return _Resolved(start, end, _finest(start, end), f"{unit}-relative", 0.85)
        if unit == "month":
            year, month = base.year, base.month + step
            if month < 1:
                year, month = year - 1, 12
            elif month > 12:
                year, month = year + 1, 1
            end = base if which == "earlier this" else _month_end(year, month)
            return _Resolved(dt.date(year, month, 1), end, Precision.MONTH, "month-relative", 0.85)
        year = base.year + step
        end = base if which == "earlier this" else dt.date(year, 12, 31)
        return _Resolved(dt.date(year, 1, 1), end, Precision.YEAR, "year-relative", 0.85)
    if kind == "ago":
        n = g["n"].casefold()
        count = int(n) if n.isdigit() else _NUMBER_WORDS.get(n, 1)
        unit = g["unit"].casefold().rstrip("s")
        parsed = _parse(f"{count} {unit}s ago", base, "past")
        if parsed is None:
            return _Resolved(None, None, None, "ago-unparsed", 0.3)
        precision = {"day": Precision.DAY, "week": Precision.DAY, "month": Precision.MONTH, "year": Precision.YEAR}[
            unit
        ]
        return _Resolved(parsed, None, precision, "ago", 0.7)
    if kind == "day-word":
        offset = {"yesterday": -1, "today": 0, "tonight": 0, "tomorrow": 1}[g["word"].casefold()]
        return _Resolved(base + dt.timedelta(days=offset), None, Precision.DAY, "day-word", 0.9)
    if kind == "day-before":
        text = m.group().casefold()
        if anchor is None:
            return _Resolved(None, None, None, "day-before-no-anchor", 0.4)
        if "same" in text:
            delta = 0
        elif any(w in text for w in ("before", "previous", "earlier")):
            delta = -1
        else:
            delta = 1
        return _Resolved(anchor + dt.timedelta(days=delta), None, Precision.DAY, "day-before", 0.8)
    if kind == "weekday":
        weekday = _WEEKDAYS[g["w"].casefold()]
        which = (g.get("which") or "").casefold()
        forward = which == "next" or (ahead and which != "last")
        if forward:
            delta = (weekday - base.weekday()) % 7 or (7 if which == "next" else 0)
            return _Resolved(base + dt.timedelta(days=delta), None, Precision.DAY, "weekday-ahead", 0.8)
        delta = (base.weekday() - weekday) % 7
        if which == "last" and delta == 0:
            delta = 7
        return _Resolved(base - dt.timedelta(days=delta), None, Precision.DAY, "weekday-past", 0.85)
    return _Resolved(None, None, None, "unknown", 0.1)


def _is_name(body: str, start: int, end: int, sent_start: int) -> bool:
    """A weekday or month inside a capitalised name ("Fox News Sunday", "Sunday Times")."""
    before = body[max(sent_start, start - 40) : start]
    word = _NAME_BEFORE.search(before)
    if word and word.group(1).casefold() not in _PREPOSITIONS and before.strip() and word.start() > 0:
        return True
    return bool(_NAME_AFTER.match(body[end : end + 30]))


def find_dated_mentions(
    body: str,
    doc: Doc,
    *,
    published_on: DateValue | None,
    offsets: OffsetMap,
    mentions: tuple[EntityMention, ...] = (),
    nlp_model: str | None = None,
) -> tuple[DatedMention, ...]:
    """Every date expression in ``body``, resolved against the publication date where one is known."""
    base = published_on.date if published_on else None
    sentences = [(s.start_char, s.end_char) for s in doc.sents] or [(0, len(body))]
    taken: list[tuple[int, int]] = []
    hits: list[tuple[int, int, str, re.Match[str]]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(body):
            s, e = m.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            taken.append((s, e))
            hits.append((s, e, kind, m))
    hits.sort(key=lambda h: h[0])

    found: list[DatedMention] = []
    anchor: dt.date | None = None
    for s, e, kind, m in hits:
        sent_start, sent_end = next(((a, b) for a, b in sentences if a <= s < b), (s, e))
        lead_word = m.groupdict().get("which") or m.groupdict().get("prep")
        if kind in ("weekday", "month") and not lead_word and _is_name(body, s, e, sent_start):
            continue
        ahead = _looks_ahead(body[sent_start:s])
        if not ahead and nlp_model and base is not None and _near_future(kind, m, base):
            ahead = _tense_looks_ahead(body[sent_start:sent_end], s - sent_start, e - sent_start, nlp_model)
        res = _resolve(kind, m, base, ahead, anchor)
        if res.date is not None and res.precision is Precision.DAY:
            anchor = res.date
        expression = m.group()
        # Leading prepositions that say nothing about the date are not part of it.
        lead = re.match(r"(?i:on|in|since|by|until|till|during|of|for|from|to|through|after|before)\s+", expression)
        e_start = s + (lead.end() if lead and kind in ("weekday", "month") else 0)
        sentence = body[sent_start:sent_end].strip()
        found.append(
            DatedMention(
                expression=body[e_start:e],
                date=res.date,
                end_date=res.end if res.date else None,
                precision=res.precision if res.date else None,
                origin=Origin.TEXT
                if kind in ("between-days", "day-range", "month-day", "day-month", "month-year", "year")
                and res.rule.startswith("absolute")
                else Origin.INFERRED,
                sentence=sentence,
                start=e_start,
                end=e,
                raw_start=offsets.to_raw(e_start),
                raw_end=offsets.to_raw(e),
                sentence_start=sent_start,
                sentence_end=sent_end,
                confidence=res.confidence,
                rule=f"{kind}/{res.rule}",
                people=people_in(mentions, sent_start, sent_end),
            )
        )
    return tuple(found)
