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
from dataclasses import dataclass
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

# Lowercase words before a name or description that are still the subject: "rebel commander", "finance minister".
_PRE = r"(?:[a-z][\w'\u2019\-]*\s+){0,3}?"
# A possessive before the subject: "Trump's spokeswoman Kayleigh McEnany".
_OWNER = rf"(?:{_NAME}['\u2019]s\s+{_PRE})?"
# Adverbs and auxiliaries between a subject and its verb: "X angrily told", "X had earlier said".
_ADVERBS = (
    r"(?:(?:\w+ly|also|later|then|further|again|once|previously|earlier|recently|had|has|have|would|will)\s+){0,2}"
)
# An appositive between subject and verb: "Hugh Hill, a doctor at the hospital, said".
_APPOSITIVE = r"(?:,\s+(?P<appos>[^,\"\u201c\u201d\u2591\n]{2,120}?),)?"

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
    ("after-according", re.compile(rf"{_LEAD}according\s+to\s+(?P<subj>{_PRE}{_SUBJECT})")),
    (
        "after-subject-verb",
        re.compile(rf"{_LEAD}(?P<subj>{_OWNER}{_PRE}{_SUBJECT}){_APPOSITIVE}\s+{_ADVERBS}{_VERB}\b"),
    ),
    ("after-verb-subject", re.compile(rf"{_LEAD}(?:{_VERB})\s+(?P<subj>{_PRE}(?:{_NAME}|{_DESCRIPTION}))")),
)
# Before the opening mark, in the same sentence: the last "X said" / "said X" / "according to X".
_BEFORE_PATTERNS = (
    ("before-according", re.compile(rf"[Aa]ccording\s+to\s+(?P<subj>{_SUBJECT})")),
    (
        "before-subject-verb",
        re.compile(rf"(?P<subj>{_OWNER}{_SUBJECT}){_APPOSITIVE}\s+{_ADVERBS}{_VERB}\b"),
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
    re.compile(
        rf"(?P<who>{_NAME}|{_DESCRIPTION})\s+(?:also\s+)?(?:said|says|announced|added|stated|wrote)\s+"
        r"(?:[\w\u2019'-]+\s+){0,3}?in\s+a\s+(?:[\w-]+\s+)?statement"
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
# A lowercase noun and a preposition before a name: the phrase is about someone else ("a spokesman for").
_GOVERNED = re.compile(
    r"\b[a-z]+\s+(?:for|of|to|with|at|from|by|near|behind|about|against|on)\s+(?:the\s+)?(?:[A-Z][\w.\u2019'-]*\s+)*$"
)
# Words that introduce a name or term the writer puts in quotes, not anyone's words.
_NAMING = re.compile(
    r"(?:\bso[- ]called|\bdubbed|\bnicknamed|\bknown\s+as|\bcodenamed|\bbranded\s+as|\bthe\s+(?:word|term|phrase))\s*$",
    re.IGNORECASE,
)
_QUANTIFIERS = frozenset({"no", "a", "an", "some", "any", "each", "every", "this", "that", "another", "other"})
_GENERIC_TITLES = frozenset({"leader", "chief"})
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
    attribution_end: int | None = None  # where an attribution after the quote ends


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

    def __init__(self, body: str, doc: Doc, mentions: tuple[EntityMention, ...], nlp_model: str | None = None):
        self.body = body
        self.nlp_model = nlp_model
        self.doc = doc
        self.mentions = sorted(mentions, key=lambda m: m.start)
        self.roles: dict[str, set[str]] = {}
        for m in self.mentions:
            if m.kind is EntityKind.PERSON:
                self.roles.setdefault(m.name, set()).update(r for r in m.roles if r)
        self.last_speaker: tuple[str, EntityKind] | None = None
        self.offices: dict[str, str] = {}  # "Office of the Iraqi Prime Minister" -> "Haider al-Abadi"
        self.description_hits: list[tuple[str, str]] = []

    def mention_in(self, start: int, end: int) -> EntityMention | None:
        inside = [m for m in self.mentions if start <= m.start and m.end <= end]
        people = [m for m in inside if m.kind is EntityKind.PERSON]
        if people:
            return people[-1]
        return inside[-1] if inside else None

    def head_mention(self, start: int, end: int) -> EntityMention | None:
        """The named person or body a subject phrase is about: the name that ends it.

        "rebel commander Ahmed Idris" is Ahmed Idris; "a spokesman for President
        Trump" and "Trump's spokeswoman" are not Trump.
        """
        inside = [m for m in self.mentions if start <= m.start and m.end <= end]
        if not inside:
            return None
        last = max(inside, key=lambda m: (m.end, m.kind is EntityKind.PERSON))
        if self.body[last.end : end].strip(" ,."):
            return None
        if _GOVERNED.search(self.body[start : last.start]):
            return None
        return last

    def governs(self, subj_start: int, subj_end: int, quote_at: int, sent_end: int) -> bool:
        """Whether the words at ``subj_start:subj_end`` are the subject of the clause holding ``quote_at``.

        Parsed on the one sentence only: the tagger and parser cost as much as the
        rest of the pipeline, and this question is asked of few sentences.
        """
        if not self.nlp_model:
            return False
        from . import nlp

        # The model's sentences can run over a paragraph break: parse from whichever starts later.
        sent_start = max(self.body.rfind("\n", 0, subj_start) + 1, self._sentence_start(subj_start))
        parsed = nlp.parse(self.body[sent_start:sent_end], self.nlp_model)
        head = parsed.char_span(subj_start - sent_start, subj_end - sent_start, alignment_mode="expand")
        quote_tok = parsed.char_span(quote_at - sent_start, quote_at - sent_start + 1, alignment_mode="expand")
        if head is None or quote_tok is None:
            return False
        root = head.root
        if root.dep_ not in ("nsubj", "nsubjpass"):
            return False
        return quote_tok[0].i in {t.i for t in root.head.subtree}

    def _sentence_start(self, pos: int) -> int:
        span = self.doc.char_span(pos, pos + 1, alignment_mode="expand")
        return span.sent.start_char if span is not None else pos

    def person_before(self, pos: int, *, kind: EntityKind | None = EntityKind.PERSON) -> EntityMention | None:
        before = [m for m in self.mentions if m.end <= pos and (kind is None or m.kind is kind)]
        return before[-1] if before else None

    def resolve(self, subject: str, start: int, end: int) -> tuple[str, EntityKind | None, str, float]:
        """(canonical, kind, rule, confidence) for the subject written at body[start:end]."""
        words = subject.strip()
        low = words.casefold()
        named = self.head_mention(start, end)
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
        if low == "they":
            # "they" stands for a body (or a group), never for the one person quoted last.
            if self.last_speaker and self.last_speaker[1] is EntityKind.ORGANISATION:
                return self.last_speaker[0], self.last_speaker[1], "pronoun-last-speaker", 0.6
            return "", None, "pronoun-unresolved", 0.3
        if low in ("we", "i"):
            return "", None, "pronoun-unresolved", 0.3  # the writer, or a speaker the text does not name
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
            before = self.person_before(pos)
            person = subject or (before.name if before else None)
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
        self.offices[label] = person
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
            words = m.group(1).split() if m else []
            # "The Iraqi parliament ...", not "No group ..." or "Some agencies ...".
            if words and words[-1].casefold() in INSTITUTION_NOUNS and words[0].casefold() not in _QUANTIFIERS:
                return m.group(1) if m else None
            lead = re.match(r"(?:[Tt]he\s+)?", text)
            at = offset + (lead.end() if lead else 0)
            named = [x for x in self.mentions if x.start == at and x.kind is EntityKind.ORGANISATION]
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
        # "Ministry of Defence", "Department of Health": a proper name headed by an institution noun.
        if text[:1].isupper() and tokens[0] in INSTITUTION_NOUNS | {"department"} and " of " in text:
            return text, EntityKind.ORGANISATION, "description-organisation", 0.7
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
        # "the leader", "the chief": a title that fits whoever holds office, so the
        # titled person named last. A specific title ("the president") nobody in
        # the article holds stays unresolved rather than guessed.
        definite = re.match(r"the\s", words.strip(), flags=re.I) is not None
        if guess and definite and head in _GENERIC_TITLES:
            titled = [m for m in self.mentions if m.start < pos and self.roles.get(m.name)]
            if titled:
                self.roles.setdefault(titled[-1].name, set()).add(text)
                return titled[-1].name, EntityKind.PERSON, "description-nearest", 0.55
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
    resolver = _Resolver(body, doc, mentions, nlp_model)
    # Roles first: a description later in the article ("the Iraqi prime minister")
    # names the office of a statement quoted before it.
    for m in _TITLED_DESCRIPTION.finditer(body):
        resolver.description(m.group(), m.start(), guess=False)

    group = 0
    for idx, span in enumerate(spans):
        if idx == 0 or not spans[idx - 1].continued:
            group += 1
        span.group = group
        _attribute(span, body, doc, masked_ranges, resolver, spans[idx - 1] if idx else None)
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
    renumber: dict[int, int] = {}
    for span in spans:
        start, end = _trim(body, span.start, span.end)
        text = body[start:end]
        if not text or not any(ch.isalpha() for ch in text):
            continue
        key = " ".join(text.split()).casefold()
        if key in seen_texts:
            continue  # a paragraph the scraper duplicated
        if len(text.split()) <= SCARE_QUOTE_MAX_WORDS and (
            not span.speaker or _NAMING.search(body[max(0, span.open_at - 40) : span.open_at])
        ):
            continue  # scare quotes, or a name the writer puts in quotes ("the so-called "lockdown"")
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
                group=renumber.setdefault(span.group, len(renumber) + 1),
                speaker_office_of=resolver.offices.get(span.speaker, ""),
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


def _attribute(
    span: _Span,
    body: str,
    doc: Doc,
    masked_ranges: list[tuple[int, int]],
    resolver: _Resolver,
    previous: _Span | None,
) -> None:
    p_start, p_end = _paragraph_of(body, span.open_at)
    after_start = (span.close_at + 1) if span.close_at is not None else p_end
    # A quote that ends its sentence ('..."open for business." Critics said') is
    # followed by a new sentence, not by its attribution: look before it first.
    quoted = body[span.start : span.close_at] if span.close_at is not None else ""
    sentence_final = (
        quoted.rstrip().endswith((".", "!", "?", "\u2026")) and body[after_start:p_end].lstrip()[:1].isupper()
    )
    if not sentence_final and _attribute_after(span, body, masked_ranges, resolver, p_end):
        return
    # The second part of a split quotation ('"...," he said, "..."') or the next
    # sentence of the same speaker ('"...," said X. "..."'): nothing but the
    # attribution of the part before lies between them.
    if previous is not None and previous.speaker and previous.attribution_end is not None:
        gap = body[previous.attribution_end : span.open_at]
        if previous.paragraph == span.paragraph and _only_attribution_tail(gap):
            span.speaker, span.kind, span.mention = previous.speaker, previous.kind, previous.mention
            span.rule, span.confidence = "split", min(previous.confidence, 0.9)
            span.group = previous.group
            return
    # Before the quote, in the same sentence (or paragraph start), quotes masked.
    sent_start, sent_end = _sentence_bounds(doc, span.open_at, body)
    sent_end = min(sent_end, p_end)
    lo = max(sent_start, p_start)
    prev_close = max((e for _s, e in masked_ranges if e <= span.open_at), default=lo)
    lo = max(lo, prev_close)
    before = _mask(body[lo : span.open_at], masked_ranges, lo)
    candidates = [(m.start(), rule, m) for rule, pattern in _BEFORE_PATTERNS for m in pattern.finditer(before)]
    # The attribution nearest the quote wins; one that names nobody gives way to the next.
    for _pos, rule, m in sorted(candidates, key=lambda c: -c[0]):
        if _set(span, resolver, m, lo, rule):
            return
    if sentence_final and _attribute_after(span, body, masked_ranges, resolver, p_end):
        return
    # No speech verb: the person the sentence is about, weakly, and only when the
    # parse makes them the subject of the clause that holds the quote
    # ("X has invited Y to visit "as soon as possible"", not "X's plan was called "...").
    if lo != sent_start:
        return
    loose = _LOOSE_SUBJECT.match(body[lo : span.open_at])
    if loose is not None:
        subject = loose.group("subj")
        described = subject.split()[0].casefold() in ("the", "he", "she", "his", "her", "its", "it")
        subject_end = lo + loose.end("subj")
        if (
            described
            and resolver.governs(lo, subject_end, span.open_at, sent_end)
            and _set(span, resolver, loose, lo, "sentence-subject", cap=0.55)
        ):
            return
    first = [x for x in resolver.mentions if lo <= x.start < span.open_at and x.kind is EntityKind.PERSON]
    if first and resolver.governs(first[0].start, first[0].end, span.open_at, sent_end):
        span.speaker, span.kind, span.mention = first[0].name, EntityKind.PERSON, first[0].text
        span.rule, span.confidence = "sentence-person", 0.5


def _attribute_after(
    span: _Span, body: str, masked_ranges: list[tuple[int, int]], resolver: _Resolver, p_end: int
) -> bool:
    """An attribution right after the closing mark: '," X said', '," said X', '," the statement reads'."""
    if span.close_at is None:
        return False
    after_start = span.close_at + 1
    next_open = min((s for s, _e in masked_ranges if s > span.close_at), default=p_end)
    after = body[after_start : min(next_open, p_end)]
    # Only the clause that follows: stop at the sentence's end.
    stop = re.search(r"[.!?](?:\s|$)", after)
    after = after[: stop.start() + 1] if stop else after
    for rule, pattern in _AFTER_PATTERNS:
        m = pattern.match(after)
        if m and m.group("subj").strip() and _set(span, resolver, m, after_start, rule):
            span.attribution_end = after_start + m.end()
            return True
    return False


def _only_attribution_tail(gap: str) -> bool:
    """Whether the words left between an attribution and the next quote add no clause of their own."""
    rest = gap.strip(" ,.;:\u2014\u2013-\n")
    if not rest:
        return True
    if len(rest) > 120 or re.search(r"[.!?]\s+\S", rest):
        return False
    # "on Monday", "reporters in Brussels": trailing detail of the same attribution, not a clause of its own.
    return not re.search(
        rf"\b(?:but|while|whereas|although|though|adding|and|as|when|because|if|{SPEECH_VERBS})\b",
        rest,
    )


def _set(span: _Span, resolver: _Resolver, m: re.Match[str], base: int, rule: str, cap: float = 1.0) -> bool:
    """Resolve the subject matched by ``m`` (in text starting at body offset ``base``) and record it on ``span``."""
    groups = m.groupdict()
    # "The mayor of Leeds, Judith Blake, said": a named appositive is the speaker.
    if groups.get("appos"):
        appos = groups["appos"].strip()
        a_start = base + m.start("appos") + (len(groups["appos"]) - len(groups["appos"].lstrip()))
        named = resolver.head_mention(a_start, a_start + len(appos))
        if named is not None and named.kind is EntityKind.PERSON and _record(span, resolver, appos, a_start, rule, cap):
            return True
    subject = groups["subj"]
    s_start = base + m.start("subj") + (len(subject) - len(subject.lstrip()))
    return _record(span, resolver, subject, s_start, rule, cap)


def _record(span: _Span, resolver: _Resolver, subject: str, start: int, rule: str, cap: float) -> bool:
    subject = subject.strip().rstrip(",")
    # "said Rishi Sunak." : the sentence's full stop is not part of the name ("Jr." keeps its own).
    subject = re.sub(r"(?<=[a-z]{3})\.$", "", subject)
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
