"""Splits a raw file into paragraphs and builds the clean body from the ones kept."""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .types import DateOrder, Hints, Precision, RemovalReason, RemovedSpan, Segment

PARAGRAPH_SEPARATOR = "\n\n"
# White space that pads a scraped paragraph: ordinary space, no-break space,
# zero-width characters and the BOM.
_PAD = " \t\r\n\f\v\u00a0\u200b\u200c\u200d\ufeff\u2028\u2029"
_LINE = re.compile(r"[^\n]+")


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One non-blank line of the raw text, trimmed of padding."""

    raw_start: int
    raw_end: int
    text: str


def paragraphs(raw: str) -> list[Paragraph]:
    """Every non-blank line of ``raw`` with its raw offsets, padding trimmed."""
    found = []
    for m in _LINE.finditer(raw):
        line = m.group()
        left = len(line) - len(line.lstrip(_PAD))
        right = len(line.rstrip(_PAD))
        if right <= left:
            continue
        found.append(Paragraph(m.start() + left, m.start() + right, line[left:right]))
    return found


def build_body(raw: str, removed: Iterable[tuple[int, int]]) -> tuple[str, tuple[Segment, ...]]:
    """The clean body: every paragraph outside the removed raw ranges, verbatim.

    A paragraph is dropped when a removed range covers it entirely; ranges are
    whole paragraphs in practice, so partial overlap keeps the paragraph.
    """
    cuts = sorted(removed)
    parts: list[str] = []
    segments: list[Segment] = []
    pos = 0
    for para in paragraphs(raw):
        if any(s <= para.raw_start and para.raw_end <= e for s, e in cuts):
            continue
        if parts:
            parts.append(PARAGRAPH_SEPARATOR)
            pos += len(PARAGRAPH_SEPARATOR)
        parts.append(para.text)
        segments.append(Segment(start=pos, raw_start=para.raw_start, length=len(para.text)))
        pos += len(para.text)
    return "".join(parts), tuple(segments)


class OffsetMap:
    """Translates offsets between the clean body and the raw text."""

    def __init__(self, segments: Iterable[Segment]):
        self.segments = tuple(segments)
        self._starts = [s.start for s in self.segments]
        self._raw_starts = [s.raw_start for s in self.segments]

    def to_raw(self, pos: int) -> int:
        """The raw offset of body offset ``pos`` (an end offset maps to its segment's end)."""
        if not self.segments:
            return pos
        i = max(bisect.bisect_right(self._starts, pos) - 1, 0)
        seg = self.segments[i]
        if pos > seg.start + seg.length and i + 1 < len(self.segments):
            # Inside a separator: snap to the next paragraph's start.
            return self.segments[i + 1].raw_start
        return seg.raw_start + min(pos - seg.start, seg.length)

    def to_body(self, raw_pos: int) -> int | None:
        """The body offset of raw offset ``raw_pos``, or None when it lies outside the body."""
        if not self.segments:
            return None
        i = bisect.bisect_right(self._raw_starts, raw_pos) - 1
        if i < 0:
            return None
        seg = self.segments[i]
        if raw_pos > seg.raw_start + seg.length:
            return None
        return seg.start + (raw_pos - seg.raw_start)


# --- Cleaning: which paragraphs are the story and why the others are not ---


class LineKind(StrEnum):
    """What a header line says about the article."""

    TITLE = "title"
    DATE = "date"
    BYLINE = "byline"
    TAGS = "tags"
    NAME = "name"  # a person's name alone on a line (a byline without "By")
    LABEL = "label"  # a short line such as an outlet's or a section's name


@dataclass(frozen=True, slots=True)
class HeaderLine:
    """A metadata line removed from the body, with what kind of value it holds."""

    raw_start: int
    raw_end: int
    text: str
    kind: LineKind


@dataclass(frozen=True, slots=True)
class DateReading:
    """One way to read a date string; an all-numeric date may have two."""

    date: dt.date
    precision: Precision
    order: DateOrder | None = None  # set only for an all-numeric day and month


@dataclass(frozen=True, slots=True)
class Cleaned:
    """The clean body, what was removed from the raw text, and the header lines for metadata."""

    body: str
    segments: tuple[Segment, ...]
    removed_spans: tuple[RemovedSpan, ...]
    header: tuple[HeaderLine, ...] = ()
    captions: tuple[str, ...] = ()


def _full(*alternatives: str) -> re.Pattern[str]:
    """A case-insensitive regex that must match a whole line (trailing punctuation aside)."""
    return re.compile(r"^(?:" + "|".join(alternatives) + r")[\s.:!|»>›…]*$", re.IGNORECASE)


# Site chrome: navigation, font and share buttons, ads. Each a whole line.
_SOCIAL = r"(?:facebook|twitter|x|whatsapp|telegram|linkedin|e-?mail|print|pinterest|reddit|messenger|copy link)"
_CHROME = _full(
    r"you are here",
    r"a\s*\+\s*a\s*-|a\s*-\s*a\s*\+|a\s+a\s+a",
    r"up|top|back to top|scroll to top|[↑▲^]",
    r"share(?: this| on| via)?(?: (?:article|story|page|post))?(?: on \w+)?",
    r"tweet|pdf|print(?: this)?(?: page| article)?|download pdf|save|bookmark",
    rf"{_SOCIAL}(?:[\s,|·•/]+{_SOCIAL})*",
    r"advertisement|advertising|sponsored(?: content)?|ad|promoted",
    r"skip to (?:main )?content|skip navigation|menu|search|home|close|log ?in|sign ?in|register",
    r"listen(?: to this (?:article|story))?|font size|text size|zoom",
    r"\d+\s*(?:min|mins|minutes?)(?: read)?",
    r"home\s*[>/»›|].*",
    r"follow us(?: on .{0,40})?",
    r"(?:copyright\s*)?©.{0,80}|copyright \d{4}.{0,80}|all rights reserved",
    r"\d[\d,]*\s+(?:users?|people|readers?|votes?)\s+(?:have|has)\s+voted.{0,40}",
    r"(?:click|tap) here.{0,60}",
    r"loading\W*|please wait",
)
# The comment section: a heading, the form's fields and the outlet's policy.
_COMMENTS_START = _full(
    r"(?:\d+\s+)?comments?(?:\s*\(\d+\))?",
    r"post a comment|leave a (?:comment|reply)|add (?:a |your )?comment|write a comment",
    r"join the (?:conversation|discussion)|(?:show|view|load|hide) (?:\d+ )?comments",
    r"comment policy|comments? (?:are|is) closed",
)
# An outlet's comment policy speaks to the reader ("we", "our", "your"); a
# story that mentions moderation or guidelines does not.
_COMMENT_POLICY = re.compile(
    r"\bmoderates? all comments\b|\bwe (?:moderate|review|welcome)\b.{0,40}\bcomments?\b"
    r"|\bcomments? (?:submitted|posted) (?:on|to) (?:our|this)\b|\byour comments? must\b"
    r"|\bcomments? (?:that|which) do not (?:meet|comply with) our\b|\bour (?:community|comment) guidelines\b",
    re.IGNORECASE,
)
# Headings after which only other articles follow.
_TEASER_START = _full(
    r"(?:the )?latest(?: news| stories| articles)?",
    r"related(?: articles?| stories| news| posts| content| coverage| topics)?",
    r"more (?:from|on|in) .{1,40}|more (?:stories|news|articles)",
    r"most (?:read|popular|viewed|shared|commented)",
    r"recommended(?: for you| stories| articles)?|you (?:may|might) also (?:like|be interested in)",
    r"trending(?: now| stories)?|editor'?s? picks?|top stories|what to read next|read next",
)
# One line pointing to another article, inside the story.
_INLINE_TEASER = re.compile(
    r"^(?:also read|read also|read more|see also|related|more|recommended|watch)\s*[:|–—-]\s*\S",
    re.IGNORECASE,
)
_NEWSLETTER = re.compile(
    r"^newsletters?\W*$|\bsign(?:ing)? up\b.{0,60}\b(?:newsletter|email|updates|alerts)\b"
    r"|\bsubscribe\b.{0,60}\b(?:newsletter|email|updates|alerts|today|now)\b|\bemailed to you\b"
    r"|\b(?:to|in) your inbox\b|\benter your e-?mail\b|\bnewsletter\b.{0,40}\b(?:sign|subscribe|free)\b",
    re.IGNORECASE,
)
_CAPTION = re.compile(
    r"\((?:photo|photograph|picture|image|file photo|credit)\b[^()]*\)\s*$"
    r"|\((?:AFP|AP|Reuters|EPA|Getty Images|Anadolu|Xinhua|file)(?:\s*(?:photo|/|via)[^()]*)?\)\s*$"
    # "Photo: X/Rudaw" opening the line or after the caption's sentence, not "the photo by".
    r"|(?:^|[.!?|]\s*)(?:photo|photograph|picture|image|credit|file photo)s?\s*(?:by|:|courtesy(?: of)?)\s*\S"
    r"|/\s*(?:getty images|afp|ap|reuters|epa|shutterstock)\s*$",
    re.IGNORECASE,
)
_TAGS = re.compile(r"^(?:tags?|topics?|keywords?|filed under|categories|category)\s*[:：]\s*(?P<value>.+)$", re.I)
_BYLINE = re.compile(r"^(?:by|written by|reporting by|words by|story by)\s+(?P<value>\S.*)$", re.IGNORECASE)
# Separators that split a byline's name from its date and outlet; a plain
# hyphen only with spaces around it, as names have hyphens.
BYLINE_SEPARATORS = re.compile(r"\s+[-–—|·•/]\s+|\s*[|·•]\s*|\s+[–—]\s*|\s*[–—]\s+")
_DATE_LABEL = re.compile(
    r"^(?:(?:first |originally )?published|(?:last )?updated|last modified|modified|posted|date[d]?|released"
    r"|created)(?:\s+(?:on|at))?\s*[:：\-–—]?\s*",
    re.IGNORECASE,
)
_NUMERIC_DATE = re.compile(r"^(?P<a>\d{1,2})\s*(?P<sep>[-/.])\s*(?P<b>\d{1,2})\s*(?P=sep)\s*(?P<y>\d{4}|\d{2})\b")
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
_TIME = re.compile(
    r"^(?:at\s+)?\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?\s*(?:[A-Z]{2,5}(?:\s*[+-]\d{1,2}(?::?\d{2})?)?)?$",
    re.IGNORECASE,
)
_TERMINAL = tuple(".;:,)")
_WORD = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*\.?")
_NAME_PARTICLES = frozenset(
    ("al", "al-", "el", "el-", "bin", "ibn", "bint", "abu", "abd", "de", "da", "di", "du", "del", "della")
    + ("der", "den", "van", "von", "la", "le", "y", "ben", "st.", "mc")
)
# Words that make a capitalised line an outlet, a desk or a job, not a person.
_NOT_A_PERSON = re.compile(
    r"\b(?:the|press|news|agency|agencies|staff|times|post|network|media|tv|radio|daily|online|desk|team"
    r"|service|wire|reporters?|correspondents?|editors?|writers?|contributors?|columnist|bureau|chief"
    r"|senior|journalist|analyst|producer|photographer|newsroom|report|region|ministry|office|government"
    r"|council|university|department|international|group|foundation|institute|tribune|herald|journal"
    r"|gazette|magazine|observer|monitor|review|weekly|channel|broadcasting|corporation|inc|ltd|llc)\b",
    re.IGNORECASE,
)
_DATE_PARSER_SETTINGS = {
    "PREFER_DAY_OF_MONTH": "first",
    "RETURN_AS_TIMEZONE_AWARE": False,
    "REQUIRE_PARTS": ["month", "year"],
    "PREFER_DATES_FROM": "past",
}


@functools.lru_cache(maxsize=1)
def _date_parser() -> Any:
    from dateparser.date import DateDataParser  # imported late: loading its data takes a moment

    return DateDataParser(languages=["en"], settings=_DATE_PARSER_SETTINGS)


def words(text: str) -> list[str]:
    """The words of ``text`` (letters and digits, with inner apostrophes, dots and hyphens)."""
    return _WORD.findall(text)


def read_date(text: str) -> tuple[DateReading, ...]:
    """Every reading of ``text`` as a whole date with a year; empty when it is not one.

    An all-numeric day and month gives one reading per valid order (DMY, MDY).
    """
    text = _DATE_LABEL.sub("", text.strip()).strip(" ,.;")
    if not text or len(text) > 60 or not any(c.isdigit() for c in text):
        return ()
    if m := _NUMERIC_DATE.match(text):
        rest = text[m.end() :].strip(" ,")
        if rest and not _TIME.match(rest):
            return ()
        a, b, y = int(m["a"]), int(m["b"]), int(m["y"])
        if y < 100:
            y += 2000
        found = []
        for order, (day, month) in ((DateOrder.DAY_FIRST, (a, b)), (DateOrder.MONTH_FIRST, (b, a))):
            with contextlib.suppress(ValueError):
                found.append(DateReading(dt.date(y, month, day), Precision.DAY, order))
        if len(found) == 2 and found[0].date == found[1].date:
            return (DateReading(found[0].date, Precision.DAY),)
        if len(found) == 1:
            return (DateReading(found[0].date, Precision.DAY),)
        return tuple(found)
    # dateparser reads a bare "Feb. 13" as February 2013; demand a real year.
    if not _YEAR.search(text):
        return ()
    # "Feb 12,2020": dateparser needs the space after the comma.
    text = re.sub(r"(\d),(\d{4})", r"\1, \2", text)
    data = _date_parser().get_date_data(text)
    if data is None or data.date_obj is None:
        return ()
    precision = {"day": Precision.DAY, "month": Precision.MONTH, "year": Precision.YEAR}.get(
        data.period or "day", Precision.DAY
    )
    return (DateReading(data.date_obj.date(), precision),)


def date_parts(text: str) -> list[tuple[str, tuple[DateReading, ...]]]:
    """The dates in a header line split at its separators, each with the part that gave it."""
    found = []
    for part in BYLINE_SEPARATORS.split(text):
        if readings := read_date(part):
            found.append((part.strip(), readings))
    return found


def _is_date_line(text: str) -> bool:
    if read_date(text):
        return True
    parts = [p for p in BYLINE_SEPARATORS.split(text) if p.strip()]
    dated = [p for p in parts if read_date(p)]
    return bool(dated) and all(p in dated or _TIME.match(p.strip()) for p in parts)


def is_person_name(text: str) -> bool:
    """Whether ``text`` has the shape of a person's name: two to five capitalised words."""
    text = text.strip(" ,;.")
    if not text or any(c.isdigit() for c in text) or _NOT_A_PERSON.search(text):
        return False
    tokens = text.split()
    if not 2 <= len(tokens) <= 5:
        return False
    for token in tokens:
        if token.lower() in _NAME_PARTICLES or token.lower().startswith(("al-", "el-")):
            continue
        if not re.fullmatch(r"[^\W\d_][\w'’.-]*", token) or not token[0].isupper():
            return False
    return True


def _is_headline(text: str) -> bool:
    """Short, capitalised, without the punctuation that ends a sentence or a label."""
    n = len(words(text))
    if not 2 <= n <= 25 or len(text) > 200 or text.endswith(_TERMINAL):
        return False
    first = text.lstrip("\"'“‘«(")[:1]
    return first.isupper() or first.isdigit()


def _boilerplate(text: str) -> RemovalReason | None:
    """The reason a line is boilerplate wherever it stands, or None."""
    if not any(c.isalnum() for c in text):
        return RemovalReason.BLANK
    n = len(words(text))
    if n <= 12 and _CHROME.match(text):
        return RemovalReason.CHROME
    if n <= 30 and _NEWSLETTER.search(text):
        return RemovalReason.NEWSLETTER
    if n <= 40 and _CAPTION.search(text):
        return RemovalReason.CAPTION
    if n <= 20 and _INLINE_TEASER.match(text):
        return RemovalReason.TEASER
    return None


def _header_kind(text: str) -> LineKind | None:
    """The kind of metadata line ``text`` is, when it is one."""
    if _TAGS.match(text):
        return LineKind.TAGS
    if _BYLINE.match(text) and len(words(text)) <= 30:
        return LineKind.BYLINE
    if len(text) <= 80 and _is_date_line(text):
        return LineKind.DATE
    return None


def _is_tail_start(text: str) -> RemovalReason | None:
    if _COMMENTS_START.match(text) or (len(words(text)) <= 80 and _COMMENT_POLICY.search(text)):
        return RemovalReason.COMMENTS
    if _TEASER_START.match(text):
        return RemovalReason.TEASER
    return None


def _dedup_key(text: str) -> str:
    return " ".join(words(text.casefold()))


def clean(raw: str, *, hints: Hints) -> Cleaned:
    """Split ``raw`` into the story's body and the removed header, chrome, tail and duplicates."""
    del hints  # the rules are general; outlet patterns serve only metadata
    paras = paragraphs(raw)
    reasons: list[RemovalReason | None] = [None] * len(paras)
    kinds: list[LineKind | None] = [None] * len(paras)

    # The header: lines before the first real paragraph.
    title_seen = False
    body_start = len(paras)
    for i, para in enumerate(paras):
        text = para.text
        reason = _boilerplate(text)
        if reason is not None:
            reasons[i] = reason
            continue
        kind = _header_kind(text)
        short = len(words(text)) <= 4 and not text.endswith(_TERMINAL)
        if kind is None and not title_seen and _is_headline(text) and len(words(text)) >= 3:
            kind = LineKind.TITLE if not is_person_name(text) else LineKind.LABEL
        elif kind is None and short:
            # A name alone under the headline is a byline; above it, or any other
            # word or two, it is a kicker, a section's or the outlet's name.
            kind = LineKind.NAME if title_seen and is_person_name(text) else LineKind.LABEL
        if kind is None:
            body_start = i
            break
        title_seen = title_seen or kind is LineKind.TITLE
        kinds[i] = kind
        reasons[i] = RemovalReason.METADATA
    if not title_seen:
        # A headline of two words ("Kadhimi resigns") was taken for a kicker.
        for i in range(body_start):
            if kinds[i] is LineKind.LABEL and _is_headline(paras[i].text) and not is_person_name(paras[i].text):
                kinds[i] = LineKind.TITLE
                for j in range(i + 1, body_start):
                    if kinds[j] is LineKind.LABEL and is_person_name(paras[j].text):
                        kinds[j] = LineKind.NAME
                break

    # The tail: from the comment section or a list of other articles to the end.
    tail_start = len(paras)
    tail_reason = RemovalReason.COMMENTS
    for i in range(body_start + 1, len(paras)):
        if (reason := _is_tail_start(paras[i].text)) is not None:
            tail_start, tail_reason = i, reason
            break
    for i in range(tail_start, len(paras)):
        text = paras[i].text
        if tail_reason is RemovalReason.COMMENTS and _TEASER_START.match(text):
            tail_reason = RemovalReason.TEASER
        found = _boilerplate(text)
        keep_own = found in (RemovalReason.CHROME, RemovalReason.NEWSLETTER, RemovalReason.BLANK)
        reasons[i] = found if keep_own else tail_reason
    if tail_start < len(paras):
        # Headlines just above the tail are links to other articles.
        i = tail_start - 1
        while i > body_start and reasons[i] is None and _is_headline(paras[i].text):
            reasons[i] = RemovalReason.TEASER
            i -= 1

    # The story: boilerplate lines inside it, and paragraphs printed twice.
    seen = {_dedup_key(paras[i].text) for i, k in enumerate(kinds) if k is LineKind.TITLE}
    captions = []
    for i in range(body_start, tail_start):
        if reasons[i] is not None:
            continue
        text = paras[i].text
        if (reason := _boilerplate(text)) is not None:
            reasons[i] = reason
            if reason is RemovalReason.CAPTION:
                captions.append(text)
            continue
        key = _dedup_key(text)
        if len(key.split()) >= 4:
            if key in seen:
                reasons[i] = RemovalReason.DUPLICATE
            seen.add(key)
    captions[:0] = [p.text for p, r in zip(paras[:body_start], reasons, strict=False) if r is RemovalReason.CAPTION]

    spans: list[RemovedSpan] = []
    for i, (para, reason) in enumerate(zip(paras, reasons, strict=True)):
        if reason is None:
            continue
        if i and reasons[i - 1] is reason and reason in (RemovalReason.COMMENTS, RemovalReason.TEASER):
            # A comment section or a list of teasers is one span: an editor restores it whole.
            start = spans[-1].raw_start
            spans[-1] = RemovedSpan(start, para.raw_end, reason, raw[start : para.raw_end])
        else:
            spans.append(RemovedSpan(para.raw_start, para.raw_end, reason, para.text))
    body, segments = build_body(raw, [(s.raw_start, s.raw_end) for s in spans])
    header = tuple(
        HeaderLine(p.raw_start, p.raw_end, p.text, k) for p, k in zip(paras, kinds, strict=True) if k is not None
    )
    return Cleaned(body, segments, tuple(spans), header, tuple(captions))
