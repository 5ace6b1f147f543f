"""Direct quotations and who the text says spoke them.

Two steps, both deterministic:

1. Pairing marks. Each paragraph's quotation marks (curly or straight) are
   classified by glyph and context as opening or closing, then paired. A
   closing mark with no opening before it and another closing mark after it
   opened the quote (scrapers mix glyphs); a paragraph that ends inside a quote
   and a next paragraph that opens one make a multi-paragraph quotation (one
   row per paragraph, one group); a quote never closed runs to the end of its
   paragraph, with low confidence.
2. Attribution. The words around the marks, with quoted text masked, are read
   for a speaker: after the quote (``," X said``, ``," said X``, ``," it said
   in a statement``, ``," the statement reads``, ``," read a statement from his
   office``, ``according to X``) and else before it in the same sentence
   (``X said the ministers "...``, ``X told the delegation that "...``). The
   subject is then resolved to a canonical name: a named person or
   organisation, a pronoun (the last speaker or person named), a description
   ("the Iraqi prime minister": the person holding that role in this
   article), a statement (whose statement it is), an office (``Office of the
   Iraqi Prime Minister``).

Quotes that nobody is said to speak and that are a few words long are scare
quotes and are dropped; a longer unattributed quotation is kept without a
speaker, with low confidence, for an editor to attribute.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .people import INSTITUTION_NOUNS, TITLE_WORDS, surname_key
from .types import EntityKind, EntityMention, Quote

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from .clean import OffsetMap

OPENERS = "\u201c\u201e\u00ab"
CLOSERS = "\u201d\u00bb"
STRAIGHT = '"'
MARKS = OPENERS + CLOSERS + STRAIGHT + "\u201f"
SCARE_QUOTE_MAX_WORDS = 3

SPEECH_VERBS = (
    "said|says|say|told|tells|explained|explains|added|adds|stated|states|wrote|writes|noted|notes|"
    "continued|asked|asks|argued|argues|warned|warns|insisted|insists|stressed|stresses|emphasi[sz]ed|"
    "declared|declares|announced|announces|replied|replies|recalled|claimed|claims|acknowledged|admitted|"
    "vowed|vows|urged|urges|tweeted|posted|concluded|remarked|pointed out|suggested|predicted|"
    "confirmed|confirms|cautioned|complained|responded|reiterated|underlined|highlighted|described|"
    "read|reads|reported|reports|quoted|promised|pledged|demanded|called|observed|agreed|countered"
)
_VERB = rf"(?:{SPEECH_VERBS})"
_NAME = r"[A-Z][\w'\u2019.\-]*(?:\s+(?:[A-Z][\w'\u2019.\-]*|al-\w+|el-\w+|bin|ibn|de|van|von|of|the|and))*"
_DESCRIPTION = r"(?:[Tt]he|[Hh]is|[Hh]er|[Tt]heir|[Ii]ts|[Aa]n?)\s+(?:[\w'\u2019\-]+\s+){0,5}?[\w'\u2019\-]+"
_PRONOUN = r"(?:[Hh]e|[Ss]he|[Tt]hey|[Ii]t|[Ww]e|I)"
_SUBJECT = rf"(?:{_PRONOUN}|{_DESCRIPTION}|{_NAME})"
_LEAD = r"^[\s,.;:!?\u2026\u2014\u2013-]*"

# After the closing mark: "," X said | "," said X | "," according to X | statements.
_AFTER_PATTERNS = (
    (
        "after-office",
        re.compile(rf"{_LEAD}(?:read|reads|according to)\s+a\s+statement\s+(?:from|by)\s+(?P<subj>.+?)(?:[.,;]|$)"),
    ),
    (
        "after-statement",
        re.compile(
            rf"{_LEAD}(?P<subj>(?:[Tt]he|[Aa]|{_NAME})?\s*statements?)\s+(?:read|reads|said|says|added|stated)\b"
        ),
    ),
    ("after-according", re.compile(rf"{_LEAD}according\s+to\s+(?P<subj>{_SUBJECT})")),
    (
        "after-subject-verb",
        re.compile(
            rf"{_LEAD}(?P<subj>{_SUBJECT}?)\s+(?:also\s+|later\s+|then\s+|further\s+|had\s+|has\s+|would\s+)?{_VERB}\b"
        ),
    ),
    ("after-verb-subject", re.compile(rf"{_LEAD}(?:{_VERB})\s+(?P<subj>{_NAME}|{_DESCRIPTION})")),
)
# Before the opening mark, in the same sentence: the last "X said" / "said X" / "according to X".
_BEFORE_PATTERNS = (
    ("before-according", re.compile(rf"[Aa]ccording\s+to\s+(?P<subj>{_SUBJECT})")),
    (
        "before-subject-verb",
        re.compile(rf"(?P<subj>{_SUBJECT})\s+(?:\w+ly\s+|also\s+|has\s+|had\s+|would\s+)?{_VERB}\b"),
    ),
    ("before-verb-subject", re.compile(rf"\b{_VERB}\s+(?P<subj>{_NAME})")),
    # "a call in January by US President Donald Trump on the alliance to "...": words reported by X.
    (
        "before-words-by",
        re.compile(
            r"\b(?:call|calls|appeal|plea|statement|remarks|comments|words|message|pledge|promise|demand|request|"
            rf"warning|speech|interview|tweet|post|letter)\b[^.\u2591]{{0,60}}?\b(?:by|from)\s+(?P<subj>{_NAME})"
        ),
    ),
)
_OFFICE = re.compile(
    rf"^(?:the\s+)?(?P<owner>his|her|their|its|{_NAME}|(?:the\s+)?[\w\s\u2019'-]+?)(?:['\u2019]s?)?\s+office$",
    re.IGNORECASE,
)
_SPEAKER_RULES = frozenset(
    {"after-subject-verb", "after-verb-subject", "after-according", "before-subject-verb", "before-verb-subject"}
)
_OFFICE_PHRASE = r"(?:(?:the|his|her|their|its)\s+)?(?:[\w\u2019'-]+\s+){0,4}?office"
_STATEMENT_SOURCE = (
    re.compile(
        rf"statement\s+(?:published|issued|released|posted|put out|sent)?\s*(?:by|from)\s+(?P<who>{_OFFICE_PHRASE})\b"
    ),
    re.compile(
        rf"statement\s+(?:published|issued|released|posted|put out|sent)?\s*(?:by|from)\s+(?P<who>(?:{_DESCRIPTION}|{_NAME}))"
    ),
    re.compile(
        rf"(?P<who>{_NAME}|{_DESCRIPTION})\s+(?:also\s+)?(?:released|issued|published|put out|sent)\s+a\s+statement"
    ),
)
# Words that qualify a title but never end one ("foreign" in "foreign minister").
_TITLE_MODIFIERS = frozenset({"vice", "prime", "deputy", "foreign", "defence", "defense", "interior", "finance"})
_TITLE_MODIFIERS |= frozenset({"health", "justice", "military", "lieutenant", "attorney"})
_HEAD_TITLES = TITLE_WORDS - _TITLE_MODIFIERS
_TITLE_ALTERNATIVES = "|".join(
    sorted((re.escape(t) for t in _HEAD_TITLES if not t.endswith(".")), key=len, reverse=True)
)
# "the Iraqi prime minister": a description that names a role (it resolves within its article).
_TITLED_DESCRIPTION = re.compile(
    rf"\b[Tt]he\s+(?:[\w\u2019'-]+\s+){{0,3}}?(?i:{_TITLE_ALTERNATIVES})\b(?![\w\u2019'-])(?!\s+[A-Z])"
)
_LOOSE_SUBJECT = re.compile(rf"^\s*(?P<subj>{_SUBJECT})\s+\w+")


@dataclass(slots=True)
class _Span:
    start: int  # of the quoted text (after the opening mark)
    end: int  # of the quoted text (before the closing mark)
    open_at: int
    close_at: int | None  # position of the closing mark, None when never closed
    paragraph: int
    group: int = 0
    continued: bool = False  # a following paragraph goes on with this quotation
    rule: str = ""
    speaker: str = ""
    kind: EntityKind | None = None
    mention: str = ""
    confidence: float = 0.0
    notes: list[str] = field(default_factory=list)


def _role(mark: str, body: str, i: int) -> str:
    """'open', 'close' or '?' for the mark at ``i``."""
    before = body[i - 1] if i > 0 else " "
    after = body[i + 1] if i + 1 < len(body) else " "
    space_before = before.isspace() or before in "([{\u2014\u2013-/" or i == 0
    space_after = after.isspace() or after in ".,;:!?)]}\u2014\u2013\u2026" or i + 1 == len(body)
    if mark in OPENERS or mark == "\u201f":
        return "open" if not space_after or space_before else "close"
    if mark in CLOSERS:
        if space_before and not space_after:
            return "open"
        return "close"
    if space_before and not space_after:
        return "open"
    if space_after and not space_before:
        return "close"
    return "?"


def _paragraph_bounds(body: str) -> list[tuple[int, int]]:
    bounds, pos = [], 0
    for part in body.split("\n\n"):
        bounds.append((pos, pos + len(part)))
        pos += len(part) + 2
    return bounds


def _pair(body: str) -> list[_Span]:
    spans: list[_Span] = []
    for p_index, (p_start, p_end) in enumerate(_paragraph_bounds(body)):
        marks = [(i, body[i]) for i in range(p_start, p_end) if body[i] in MARKS]
        roles = [_role(ch, body, i) for i, ch in marks]
        open_at: int | None = None
        for k, (i, _ch) in enumerate(marks):
            role = roles[k]
            if open_at is None:
                later_close = any(r in ("close", "?") for r in roles[k + 1 :])
                if role == "open" or (role in ("close", "?") and later_close and _opens_text(body, i)):
                    open_at = i
                continue
            if role in ("close", "?") or (role == "open" and not any(r == "close" for r in roles[k + 1 :])):
                spans.append(_Span(open_at + 1, i, open_at, i, p_index))
                open_at = None
            # an "open" while open with a later close: nested or stray, skip it
        if open_at is not None:
            spans.append(_Span(open_at + 1, p_end, open_at, None, p_index))
    # Chain unclosed paragraphs to the quotation that goes on in the next one.
    for a, b in zip(spans, spans[1:], strict=False):
        if a.close_at is None and b.paragraph == a.paragraph + 1 and _first_mark_of_paragraph(body, b):
            a.continued = True
    return spans


def _opens_text(body: str, i: int) -> bool:
    """A mark read as closing but followed by words, as in ``to" become``: it opens."""
    after = body[i + 1 : i + 3]
    return bool(after) and (after[0].isalnum() or (after[0] == " " and after[1:2].isalnum()))


def _first_mark_of_paragraph(body: str, span: _Span) -> bool:
    para_start = body.rfind("\n\n", 0, span.open_at) + 2 if "\n\n" in body[: span.open_at] else 0
    return not body[para_start : span.open_at].strip()


def _trim(body: str, start: int, end: int) -> tuple[int, int]:
    while end > start and (body[end - 1].isspace() or body[end - 1] == ","):
        end -= 1
    while start < end and body[start].isspace():
        start += 1
    return start, end


def _mask(text: str, spans: list[tuple[int, int]], base: int) -> str:
    """``text`` (starting at body offset ``base``) with quoted stretches blanked out."""
    chars = list(text)
    for s, e in spans:
        for i in range(max(s, base), min(e, base + len(text))):
            chars[i - base] = "\u2591"
    return "".join(chars)


class _Resolver:
    """Turns the words of an attribution into a canonical speaker."""

    def __init__(self, body: str, doc: Doc, mentions: tuple[EntityMention, ...]):
        self.body = body
        self.doc = doc
        self.mentions = sorted(mentions, key=lambda m: m.start)
        self.roles: dict[str, set[str]] = {}
        for m in self.mentions:
            if m.kind is EntityKind.PERSON:
                self.roles.setdefault(m.name, set()).update(r for r in m.roles if r)
        self.last_speaker: tuple[str, EntityKind] | None = None
        self.description_hits: list[tuple[str, str]] = []

    def mention_in(self, start: int, end: int) -> EntityMention | None:
        inside = [m for m in self.mentions if start <= m.start and m.end <= end]
        people = [m for m in inside if m.kind is EntityKind.PERSON]
        if people:
            return people[-1]
        return inside[-1] if inside else None

    def person_before(self, pos: int, *, kind: EntityKind | None = EntityKind.PERSON) -> EntityMention | None:
        before = [m for m in self.mentions if m.end <= pos and (kind is None or m.kind is kind)]
        return before[-1] if before else None

    def resolve(self, subject: str, start: int, end: int) -> tuple[str, EntityKind | None, str, float]:
        """(canonical, kind, rule, confidence) for the subject written at body[start:end]."""
        words = subject.strip()
        low = words.casefold()
        named = self.mention_in(start, end)
        if named is not None:
            return named.name, named.kind, "name", 0.95
        if low in ("he", "she"):
            if self.last_speaker and self.last_speaker[1] is EntityKind.PERSON:
                return self.last_speaker[0], EntityKind.PERSON, "pronoun-last-speaker", 0.85
            person = self.person_before(start)
            if person is not None:
                return person.name, EntityKind.PERSON, "pronoun-last-person", 0.75
            return "", None, "pronoun-unresolved", 0.3
        if low == "it":
            org = self.organisation_before(start)
            if org:
                return org, EntityKind.ORGANISATION, "pronoun-organisation", 0.75
            return "", None, "pronoun-unresolved", 0.3
        if low in ("they", "we", "i"):
            if self.last_speaker:
                return self.last_speaker[0], self.last_speaker[1], "pronoun-last-speaker", 0.6
            return "", None, "pronoun-unresolved", 0.3
        office = _OFFICE.match(words)
        if office:
            return self.office(office.group("owner"), start)
        if re.search(r"\bstatements?$", low):
            return self.statement_source(words, start)
        return self.description(words, start)

    def office(self, owner: str, pos: int) -> tuple[str, EntityKind | None, str, float]:
        owner = re.sub(r"['\u2019]s?$", "", owner.strip())
        owner_low = owner.casefold()
        person: str | None = None
        if owner_low in ("his", "her", "their", "its"):
            subject = self.sentence_subject(pos)
            person = subject or (self.person_before(pos).name if self.person_before(pos) else None)
        else:
            name, kind, _rule, _conf = self.description(owner, pos)
            if kind is EntityKind.PERSON:
                person = name
            elif not name:
                person = None
            else:
                return f"Office of {name}", EntityKind.ORGANISATION, "office", 0.7
        if not person:
            return "", None, "office-unresolved", 0.3
        title = self.best_role(person)
        label = f"Office of the {title}" if title else f"Office of {person}"
        return label, EntityKind.ORGANISATION, "office", 0.8

    def best_role(self, person: str) -> str:
        roles = self.roles.get(person, set())
        if not roles:
            return ""
        best = max(roles, key=lambda r: (len(r.split()), len(r)))
        return " ".join(w if w.isupper() else w[:1].upper() + w[1:] for w in best.split())

    def sentence_subject(self, pos: int) -> str | None:
        """The person a sentence is about: the one named first in the sentence holding ``pos``."""
        sent = self.doc.char_span(pos, pos + 1, alignment_mode="expand")
        if sent is None:
            return None
        s = sent.sent
        people = [m for m in self.mentions if s.start_char <= m.start < pos and m.kind is EntityKind.PERSON]
        return people[0].name if people else None

    def statement_source(self, words: str, pos: int) -> tuple[str, EntityKind | None, str, float]:
        # "NATO statement", "the NATO statement": the name before "statement".
        named = self.mention_in(pos, pos + len(words))
        if named is not None:
            return named.name, named.kind, "statement-named", 0.9
        window = self.body[max(0, pos - 1500) : pos]
        best: tuple[int, str] | None = None
        for pattern in _STATEMENT_SOURCE:
            for m in pattern.finditer(window):
                if best is None or m.start() > best[0]:
                    best = (m.start(), m.group("who"))
        if best is None:
            return "", None, "statement-unresolved", 0.3
        who_start = max(0, pos - 1500) + best[0] + window[best[0] :].find(best[1])
        name, kind, _rule, conf = self.resolve(best[1], who_start, who_start + len(best[1]))
        return name, kind, "statement", min(conf, 0.85)

    def organisation_before(self, pos: int) -> str | None:
        """The organisation a following "it" stands for: the last one that began a sentence."""
        for sent in reversed([s for s in self.doc.sents if s.start_char < pos]):
            text = sent.text.lstrip(' \u201c"')
            offset = sent.start_char + (len(sent.text) - len(text))
            m = re.match(r"(?:[Tt]he\s+)?((?:[A-Z][\w\u2019'-]*\s+)*[\w-]+)", text)
            if m and m.group(1).split()[-1].casefold() in INSTITUTION_NOUNS:
                return m.group(1)
            named = [x for x in self.mentions if x.start == offset and x.kind is EntityKind.ORGANISATION]
            if named:
                return named[0].name
        org = self.person_before(pos, kind=EntityKind.ORGANISATION)
        return org.name if org else None

    def description(self, words: str, pos: int, *, guess: bool = True) -> tuple[str, EntityKind | None, str, float]:
        """ "the Iraqi prime minister": whoever in this article holds that role."""
        text = re.sub(r"^(?:the|his|her|their|its|an?)\s+", "", words.strip(), flags=re.I)
        tokens = [t.casefold().strip("\u2019'") for t in re.split(r"[\s]+", text)]
        head = tokens[-1] if tokens else ""
        if head in INSTITUTION_NOUNS:
            return text, EntityKind.ORGANISATION, "description-organisation", 0.6
        title_tokens = [t for t in tokens if t in TITLE_WORDS or t.replace("-", " ") in TITLE_WORDS]
        if not title_tokens and head not in ("official", "leader", "spokesman", "source", "officials"):
            return "", None, "unresolved", 0.3
        wanted = " ".join(title_tokens)
        holders = [
            person
            for person, roles in self.roles.items()
            if wanted and any(wanted in r.casefold().replace("-", " ") for r in roles)
        ]
        if holders:
            nearest = [m for m in self.mentions if m.name in holders and m.start < pos] or [
                m for m in self.mentions if m.name in holders
            ]
            person = nearest[-1].name if nearest[-1].start < pos else nearest[0].name
            self.roles.setdefault(person, set()).add(text)
            return person, EntityKind.PERSON, "description-role", 0.8
        person_m = self.person_before(pos) if guess else None
        if person_m is not None:
            self.roles.setdefault(person_m.name, set()).add(text)
            return person_m.name, EntityKind.PERSON, "description-nearest", 0.6
        return "", None, "unresolved", 0.3


def find_quotes(
    body: str,
    doc: Doc,
    mentions: tuple[EntityMention, ...],
    *,
    offsets: OffsetMap,
    nlp_model: str | None = None,
) -> tuple[Quote, ...]:
    """Every direct quotation in ``body`` with its speaker, offsets and confidence."""
    spans = _pair(body)
    if not spans:
        return ()
    masked_ranges = [(s.open_at, (s.close_at + 1) if s.close_at is not None else s.end) for s in spans]
    resolver = _Resolver(body, doc, mentions)
    # Roles first: a description later in the article ("the Iraqi prime minister")
    # names the office of a statement quoted before it.
    for m in _TITLED_DESCRIPTION.finditer(body):
        resolver.description(m.group(), m.start(), guess=False)

    group = 0
    for idx, span in enumerate(spans):
        if idx == 0 or not spans[idx - 1].continued:
            group += 1
        span.group = group
        _attribute(span, body, doc, masked_ranges, resolver)
        # Only a speech verb makes someone the one a later "he said" means.
        if span.speaker and span.rule.split("/")[0] in _SPEAKER_RULES:
            resolver.last_speaker = (span.speaker, span.kind or EntityKind.PERSON)

    # A multi-paragraph quotation has one speaker: the one its last paragraph gives.
    by_group: dict[int, list[_Span]] = {}
    for span in spans:
        by_group.setdefault(span.group, []).append(span)
    for members in by_group.values():
        named = [s for s in members if s.speaker]
        if named and len(members) > 1:
            for s in members:
                if not s.speaker:
                    s.speaker, s.kind, s.mention = named[-1].speaker, named[-1].kind, named[-1].mention
                    s.rule, s.confidence = "multi-paragraph", min(named[-1].confidence, 0.8)

    quotes: list[Quote] = []
    seen_texts: set[str] = set()
    for span in spans:
        start, end = _trim(body, span.start, span.end)
        text = body[start:end]
        if not text or not any(ch.isalpha() for ch in text):
            continue
        key = " ".join(text.split()).casefold()
        if key in seen_texts:
            continue  # a paragraph the scraper duplicated
        if not span.speaker and len(text.split()) <= SCARE_QUOTE_MAX_WORDS:
            continue  # scare quotes
        seen_texts.add(key)
        confidence = span.confidence if span.speaker else 0.35
        if span.close_at is None and not span.continued:
            confidence = min(confidence, 0.3)
        quotes.append(
            Quote(
                text=text,
                start=start,
                end=end,
                raw_start=offsets.to_raw(start),
                raw_end=offsets.to_raw(end),
                speaker=span.speaker,
                speaker_kind=span.kind,
                speaker_mention=span.mention,
                confidence=round(confidence, 3),
                rule=span.rule or "unattributed",
                group=span.group,
            )
        )
    return tuple(quotes)


def _sentence_bounds(doc: Doc, pos: int, body: str) -> tuple[int, int]:
    for sent in doc.sents:
        if sent.start_char <= pos < sent.end_char:
            return sent.start_char, sent.end_char
    para_start = body.rfind("\n\n", 0, pos)
    para_end = body.find("\n\n", pos)
    return (para_start + 2 if para_start >= 0 else 0), (para_end if para_end >= 0 else len(body))


def _paragraph_of(body: str, pos: int) -> tuple[int, int]:
    start = body.rfind("\n\n", 0, pos)
    end = body.find("\n\n", pos)
    return (start + 2 if start >= 0 else 0), (end if end >= 0 else len(body))


def _attribute(span: _Span, body: str, doc: Doc, masked_ranges: list[tuple[int, int]], resolver: _Resolver) -> None:
    p_start, p_end = _paragraph_of(body, span.open_at)
    # After the quote: up to the next opening mark or the end of the paragraph.
    if span.close_at is not None:
        after_start = span.close_at + 1
        next_open = min((s for s, _e in masked_ranges if s > span.close_at), default=p_end)
        after_end = min(next_open, p_end)
        after = body[after_start:after_end]
        # Only the clause that follows: stop at the sentence's end.
        stop = re.search(r"[.!?](?:\s|$)", after)
        after = after[: stop.start() + 1] if stop else after
        for rule, pattern in _AFTER_PATTERNS:
            m = pattern.match(after)
            if m and m.group("subj").strip():
                s_start = after_start + m.start("subj")
                if _set(span, resolver, m.group("subj"), s_start, rule):
                    return
    # Before the quote, in the same sentence (or paragraph start), quotes masked.
    sent_start, _sent_end = _sentence_bounds(doc, span.open_at, body)
    lo = max(sent_start, p_start)
    prev_close = max((e for _s, e in masked_ranges if e <= span.open_at), default=lo)
    lo = max(lo, prev_close)
    before = _mask(body[lo : span.open_at], masked_ranges, lo)
    best: tuple[int, str, str, int] | None = None
    for rule, pattern in _BEFORE_PATTERNS:
        for m in pattern.finditer(before):
            if best is None or m.start() > best[0]:
                best = (m.start(), rule, m.group("subj"), lo + m.start("subj"))
    if best is not None and _set(span, resolver, best[2], best[3], best[1]):
        return
    # A split quotation: the attribution between two parts of one sentence.
    if span.close_at is not None or span.continued:
        gap_lo = max((e for _s, e in masked_ranges if e <= span.open_at), default=None)
        if gap_lo is not None and gap_lo >= p_start and resolver.last_speaker:
            gap = body[gap_lo : span.open_at]
            if len(gap) < 200 and re.search(rf"\b{_VERB}\b", gap):
                span.speaker, span.kind = resolver.last_speaker
                span.rule, span.confidence = "split", 0.8
                return
    # No speech verb: the person the sentence is about, weakly: a description or
    # pronoun that opens it, else the first person it names before the quote.
    if lo != sent_start:
        return
    m = _LOOSE_SUBJECT.match(body[lo : span.open_at])
    if m is not None:
        subject = m.group("subj")
        described = subject.split()[0].casefold() in ("the", "he", "she", "his", "her", "its", "it")
        if described and _set(span, resolver, subject, lo + m.start("subj"), "sentence-subject", cap=0.55):
            return
    first = [x for x in resolver.mentions if lo <= x.start < span.open_at and x.kind is EntityKind.PERSON]
    if first:
        span.speaker, span.kind, span.mention = first[0].name, EntityKind.PERSON, first[0].text
        span.rule, span.confidence = "sentence-person", 0.5


def _set(span: _Span, resolver: _Resolver, subject: str, start: int, rule: str, cap: float = 1.0) -> bool:
    subject = subject.strip().rstrip(",")
    name, kind, how, confidence = resolver.resolve(subject, start, start + len(subject))
    if not name:
        return False
    # A surname-only mention names the full name already found.
    if kind is EntityKind.PERSON and " " not in name:
        full = [m.name for m in resolver.mentions if surname_key(m.name) == surname_key(name) and " " in m.name]
        name = full[0] if full else name
    span.speaker, span.kind, span.mention = name, kind, subject
    span.rule, span.confidence = f"{rule}/{how}", min(confidence, cap)
    return True
