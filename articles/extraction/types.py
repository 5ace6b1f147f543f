"""Frozen value types that the extraction pipeline returns; no Django here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Origin(StrEnum):
    """Where an extracted value came from."""

    TEXT = "text"
    DATELINE = "dateline"
    MANIFEST = "manifest"
    URL = "url"
    INFERRED = "inferred"
    EDITOR = "editor"


class Precision(StrEnum):
    """How fine a date is: a day, a month or a whole year."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"


class DateOrder(StrEnum):
    """How an outlet writes all-numeric dates."""

    DAY_FIRST = "DMY"
    MONTH_FIRST = "MDY"


class RemovalReason(StrEnum):
    """Why a stretch of the raw text is not part of the clean body."""

    CHROME = "chrome"
    METADATA = "metadata"
    COMMENTS = "comments"
    TEASER = "teaser"
    CAPTION = "caption"
    DUPLICATE = "duplicate"
    NEWSLETTER = "newsletter"
    BLANK = "blank"


class ReviewReason(StrEnum):
    """Why an article needs an editor's eye."""

    DATE_UNKNOWN = "date_unknown"
    DATE_AMBIGUOUS = "date_ambiguous"
    OUTLET_UNKNOWN = "outlet_unknown"
    OUTLET_INFERRED = "outlet_inferred"
    TITLE_MISSING = "title_missing"
    POSSIBLE_DUPLICATE = "possible_duplicate"
    LANGUAGE_UNSUPPORTED = "language_unsupported"


class EntityKind(StrEnum):
    """A mention names a person or an organisation."""

    PERSON = "person"
    ORGANISATION = "organisation"


@dataclass(frozen=True, slots=True)
class SourcePattern:
    """Text that identifies an outlet in a raw file (an editor edits these as rows)."""

    source_slug: str
    pattern: str
    # "named": the text names the outlet (e.g. its comment policy); "style": a
    # house style (e.g. a dateline form) that only suggests it.
    strength: str = "named"
    is_regex: bool = False


@dataclass(frozen=True, slots=True)
class Hints:
    """What the caller knows besides the raw text."""

    manifest: dict[str, str] = field(default_factory=dict)
    # Date order per source slug, and the default for unknown outlets.
    date_orders: dict[str, DateOrder] = field(default_factory=dict)
    default_date_order: DateOrder | None = None
    source_patterns: tuple[SourcePattern, ...] = ()
    # Alternate names of organisations that no string similarity finds,
    # e.g. {"Daesh": "ISIS", "Islamic State": "ISIS"}: alias -> canonical.
    known_aliases: dict[str, str] = field(default_factory=dict)
    # An editor-set publication date overrides whatever the text says.
    published_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of the clean body copied verbatim from the raw text."""

    start: int
    raw_start: int
    length: int


@dataclass(frozen=True, slots=True)
class RemovedSpan:
    """A stretch of the raw text left out of the body, with the reason."""

    raw_start: int
    raw_end: int
    reason: RemovalReason
    text: str


@dataclass(frozen=True, slots=True)
class DateValue:
    """A date at a precision, with where it came from."""

    date: dt.date
    precision: Precision
    origin: Origin
    confidence: float
    evidence: str = ""


@dataclass(frozen=True, slots=True)
class Suggestion:
    """An inferred value an editor may accept, with the evidence for it."""

    field: str
    value: str
    evidence: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Metadata:
    """Everything about an article that is not its body's content."""

    title: str = ""
    title_origin: Origin | None = None
    authors: tuple[str, ...] = ()
    authors_origin: Origin | None = None
    published_on: DateValue | None = None
    dateline: str = ""
    tags: tuple[str, ...] = ()
    captions: tuple[str, ...] = ()
    source_slug: str = ""
    source_name: str = ""  # for a source that is not in the database yet (url)
    source_origin: Origin | None = None
    url: str = ""
    language: str = "en"
    review_reasons: tuple[ReviewReason, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()


@dataclass(frozen=True, slots=True)
class Quote:
    """One pair of quotation marks and who the text says spoke the words."""

    text: str
    start: int
    end: int
    raw_start: int
    raw_end: int
    speaker: str  # canonical name within the article, "" when unknown
    speaker_kind: EntityKind | None
    speaker_mention: str  # the words the text used at that spot
    confidence: float
    rule: str
    group: int  # quotes of one split or multi-paragraph quotation share it
    # For a statement from someone's office: the person whose office it is.
    speaker_office_of: str = ""


@dataclass(frozen=True, slots=True)
class EntityMention:
    """A person or organisation named in the body."""

    name: str  # canonical within the article
    kind: EntityKind
    text: str  # as written at that spot
    start: int
    end: int
    raw_start: int
    raw_end: int
    confidence: float
    rule: str
    roles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DatedMention:
    """A sentence reporting a happening, with the date it gives."""

    expression: str  # as written, e.g. "last week"
    date: dt.date | None  # None while it cannot be resolved
    end_date: dt.date | None
    precision: Precision | None
    origin: Origin
    sentence: str
    start: int  # of the expression in the body
    end: int
    raw_start: int
    raw_end: int
    sentence_start: int
    sentence_end: int
    confidence: float
    rule: str
    people: tuple[str, ...] = ()  # canonical names mentioned in the sentence


@dataclass(frozen=True, slots=True)
class Extraction:
    """All that the pipeline read from one raw text."""

    extractor_version: str
    metadata: Metadata
    body: str
    segments: tuple[Segment, ...]
    removed_spans: tuple[RemovedSpan, ...]
    quotes: tuple[Quote, ...] = ()
    mentions: tuple[EntityMention, ...] = ()
    dated_mentions: tuple[DatedMention, ...] = ()


def date_text(value: dt.date | None, precision: str | None = "day") -> str | None:
    """A date written at its precision: "2018", "2018-03" or "2018-03-05" (None stays None)."""
    if value is None:
        return None
    if precision == Precision.YEAR:
        return f"{value.year:04d}"
    if precision == Precision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()
