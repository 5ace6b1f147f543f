"""People and organisations named in a body, each with one canonical name per article.

The small English model finds most names but labels a bare surname almost at
random (PERSON, ORG, GPE). So names are read in two passes: full names
(two or more words) from the model's PERSON entities first, then every later
or earlier bare surname that matches one of them, whatever its label. Titles
written before a name ("NATO Secretary General", "US President") become roles.
Organisations come from ORG entities and from the editors' alias table
(``Hints.known_aliases``), which also catches names the model misses (Daesh).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .types import EntityKind, EntityMention, Hints

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

    from .clean import OffsetMap

# Words that make a capitalised phrase a title, not part of a name.
TITLE_WORDS = frozenset(
    [
        "president",
        "vice",
        "prime",
        "minister",
        "secretary",
        "secretary-general",
        "general",
        "gen.",
        "chancellor",
        "ambassador",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "commander",
        "senator",
        "sen.",
        "representative",
        "rep.",
        "governor",
        "mayor",
        "king",
        "queen",
        "prince",
        "princess",
        "pope",
        "chief",
        "director",
        "chairman",
        "chairwoman",
        "chair",
        "speaker",
        "lieutenant",
        "colonel",
        "col.",
        "major",
        "admiral",
        "sheikh",
        "ayatollah",
        "envoy",
        "deputy",
        "foreign",
        "defence",
        "defense",
        "interior",
        "finance",
        "health",
        "justice",
        "military",
        "leader",
        "premier",
        "emir",
        "sultan",
        "counsel",
        "attorney",
        "judge",
        "officer",
        "lt.",
        "mr.",
        "mrs.",
        "ms.",
        "dr.",
        "sir",
        "lord",
        "lady",
        "dame",
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "prof.",
        "professor",
        "rev.",
        "reverend",
        "imam",
        "rabbi",
        "bishop",
        "archbishop",
        "cardinal",
        "captain",
        "capt.",
        "sergeant",
        "sgt.",
        "brigadier",
        "marshal",
        "gov.",
        "mp",
        "mep",
        "ceo",
        "coach",
        "councillor",
        "councilman",
        "councilwoman",
        "lawmaker",
        "legislator",
        "congressman",
        "congresswoman",
        "assemblyman",
        "assemblywoman",
    ]
)
# Nouns that head an institution: a "person" ending in one is an organisation.
INSTITUTION_NOUNS = frozenset(
    [
        "parliament",
        "government",
        "ministry",
        "council",
        "cabinet",
        "army",
        "forces",
        "force",
        "coalition",
        "alliance",
        "organization",
        "organisation",
        "committee",
        "court",
        "office",
        "embassy",
        "agency",
        "police",
        "party",
        "union",
        "assembly",
        "senate",
        "congress",
        "commission",
        "command",
        "militia",
        "movement",
        "front",
        "brigade",
        "brigades",
        "company",
        "corporation",
        "bank",
        "university",
        "institute",
        "group",
    ]
)
_POSSESSIVE = re.compile(r"(?:['\u2019]s?|s['\u2019])$")
_NAME_PARTICLES = frozenset({"al", "el", "bin", "ibn", "abu", "de", "van", "von", "der", "da", "di", "la", "le"})
# Labels under which the model has been seen to tag a surname it knows from earlier.
_SURNAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP"})


@dataclass(frozen=True, slots=True)
class _Found:
    start: int
    end: int
    text: str
    kind: EntityKind
    rule: str
    confidence: float
    roles: tuple[str, ...] = ()


def surname_key(name: str) -> str:
    """The part of a name that a later short mention repeats: "Haider al-Abadi" -> "abadi"."""
    last = name.split()[-1] if name.split() else ""
    last = re.sub(r"^(?:al|el|ad|as|ash|an|ar|at|az|ben|bin|ibn|abu)[-\u2010]", "", last, flags=re.I)
    return last.casefold()


def strip_title(text: str) -> tuple[str, str]:
    """Split a leading title off a name: "President Donald Trump" -> ("Donald Trump", "President")."""
    words = text.split()
    cut = 0
    for i, w in enumerate(words[:-1]):
        if w.casefold().rstrip(",") in TITLE_WORDS:
            cut = i + 1
    return " ".join(words[cut:]), " ".join(words[:cut])


def _clean_name(text: str) -> str:
    text = text.strip(' ,.;:()[]"\u201c\u201d')
    text = _POSSESSIVE.sub("", text) if _POSSESSIVE.search(text) and len(text) > 3 else text
    if text.casefold().startswith("the "):
        text = text[4:]
    return text.strip()


def _looks_like_name(text: str) -> bool:
    words = text.split()
    if not words or any(ch.isdigit() for ch in text):
        return False
    for w in words:
        bare = w.strip(".-'\u2019")
        if not bare:
            return False
        parts = re.split(r"[-\u2010]", bare)
        if not any(p[:1].isupper() for p in parts) and bare.casefold() not in _NAME_PARTICLES:
            return False
    return True


def _role_before(doc: Doc, ent: Span) -> tuple[str, int]:
    """The title written just before ``ent`` ("NATO Secretary General"), and where it starts."""
    i = ent.start - 1
    first = ent.start
    saw_title = False
    while i >= ent.sent.start:
        tok = doc[i]
        low = tok.text.casefold()
        if low in TITLE_WORDS or (low.replace("\u2010", "-") in TITLE_WORDS):
            saw_title = True
        elif tok.ent_type_ in ("ORG", "NORP", "GPE") and tok.text[:1].isupper() or low in ("of", "-") and saw_title:
            pass
        elif saw_title and _capitalised_word(tok) and i > ent.sent.start:
            pass  # a capitalised modifier of the title: "Senate Majority Leader", "Deputy Chief Medical Officer"
        else:
            break
        first = i
        i -= 1
    if not saw_title:
        return "", ent.start_char
    # Trim leading filler ("of") and trailing connectors.
    while first < ent.start and doc[first].text.casefold() in ("of", "-"):
        first += 1
    span = doc[first : ent.start]
    role = span.text.strip()
    # "Iraq's new Prime Minister": the country's adjective makes the role "Iraqi Prime Minister".
    j = first - 1
    while j >= ent.sent.start and doc[j].text.casefold() in _ROLE_ADJECTIVES:
        j -= 1
    if j - 1 >= ent.sent.start and doc[j].text in ("'s", "\u2019s") and doc[j - 1].ent_type_ == "GPE":
        demonym = _demonym(doc, doc[j - 1].text)
        if demonym and not role.startswith(demonym):
            role = f"{demonym} {role}"
    return role, span.start_char


_NOT_NAME_WORDS = frozenset(
    {"yesterday", "today", "tonight", "tomorrow", "meanwhile", "later", "earlier", "instead", "separately"}
    | {m.casefold() for m in calendar.month_name if m}
    | {d.casefold() for d in calendar.day_name}
)
_ROLE_ADJECTIVES = frozenset(
    {"new", "newly-appointed", "former", "acting", "interim", "outgoing", "incoming", "caretaker"}
)


def _capitalised_word(tok: Token) -> bool:
    """A capitalised ordinary word that may be part of a name or a title, not a sentence opener or date."""
    text = tok.text
    return (
        text[:1].isupper()
        and text.replace("-", "").replace("'", "").isalpha()
        and not tok.is_stop
        and text.casefold() not in _NOT_NAME_WORDS
        and not tok.ent_type_
    )


def _with_given_names(doc: Doc, ent: Span) -> Span:
    """``ent`` widened over the given names the model left out ("Mayor Sadiq Khan" tagged as "Khan")."""
    start = ent.start
    while start > ent.sent.start and ent.start - start < 2:
        tok = doc[start - 1]
        if not _capitalised_word(tok) or tok.text.casefold() in TITLE_WORDS:
            break
        start -= 1
    return doc[start : ent.end] if start != ent.start else ent


def _demonym(doc: Doc, country: str) -> str:
    """The adjective the text itself uses for ``country`` ("Iraqi" for "Iraq"), if any."""
    stem = country[:4].casefold()
    for ent in doc.ents:
        if ent.label_ == "NORP" and ent.text.casefold().startswith(stem) and ent.text != country:
            return ent.text
    return ""


def _alias_patterns(aliases: dict[str, str]) -> list[re.Pattern[str]]:
    names = {**{c: c for c in aliases.values()}, **aliases}
    found = []
    for alias in sorted(names, key=len, reverse=True):
        if not alias.strip():
            continue
        flags = 0 if alias.isupper() else re.IGNORECASE
        found.append(re.compile(rf"(?<![\w-]){re.escape(alias)}(?![\w-])", flags))
    return found


def find_mentions(body: str, doc: Doc, *, offsets: OffsetMap, hints: Hints) -> tuple[EntityMention, ...]:
    """Every person and organisation named in ``body``, with canonical names and roles."""
    found: list[_Found] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    def add(item: _Found) -> None:
        if item.start < item.end and free(item.start, item.end):
            found.append(item)
            taken.append((item.start, item.end))

    # 1. Organisations the editors know by several names (the model misses some).
    for pattern in _alias_patterns(hints.known_aliases):
        for m in pattern.finditer(body):
            add(_Found(m.start(), m.end(), m.group(), EntityKind.ORGANISATION, "alias-table", 0.95))

    # 2. Full personal names, with the title before them as a role.
    surnames: dict[str, str] = {}
    for model_ent in doc.ents:
        if model_ent.label_ != "PERSON":
            continue
        ent = _with_given_names(doc, model_ent)
        name = _clean_name(ent.text)
        name, title = strip_title(name)
        if not _looks_like_name(name):
            continue
        start = ent.start_char + ent.text.find(name) if name in ent.text else ent.start_char
        end = start + len(name)
        words = name.split()
        if words[-1].casefold() in INSTITUTION_NOUNS:
            add(_Found(start, end, name, EntityKind.ORGANISATION, "ner-org", 0.7))
            continue
        role, _ = _role_before(doc, ent)
        roles = tuple(r for r in (title, role) if r)
        if len(words) >= 2:
            add(_Found(start, end, name, EntityKind.PERSON, "ner-person", 0.9, roles))
            surnames.setdefault(surname_key(name), name)

    # 3. Bare surnames of those people, however the model labelled them.
    for ent in doc.ents:
        if ent.label_ not in _SURNAME_LABELS:
            continue
        name = _clean_name(ent.text)
        if len(name.split()) == 1 and surname_key(name) in surnames:
            start = ent.start_char + max(ent.text.find(name), 0)
            add(_Found(start, start + len(name), name, EntityKind.PERSON, "surname", 0.85))
    for key, _full in surnames.items():
        if len(key) < 3:
            continue
        for m in re.finditer(rf"(?<![\w-])(?:(?:al|el)[-\u2010])?{re.escape(key)}(?![\w-])", body, re.IGNORECASE):
            if m.group()[:1].isupper() or m.group()[:3].casefold() in ("al-", "el-"):
                add(_Found(m.start(), m.end(), m.group(), EntityKind.PERSON, "surname", 0.8))

    # 4. Single-word people the model is sure of, and organisations.
    for ent in doc.ents:
        name = _clean_name(ent.text)
        if not name:
            continue
        start = ent.start_char + max(ent.text.find(name), 0)
        end = start + len(name)
        if ent.label_ == "PERSON" and _looks_like_name(name):
            words = name.split()
            kind = EntityKind.ORGANISATION if words[-1].casefold() in INSTITUTION_NOUNS else EntityKind.PERSON
            add(_Found(start, end, name, kind, "ner-person", 0.6))
        elif ent.label_ == "ORG" and _looks_like_name(name) and len(name) > 1:
            add(_Found(start, end, name, EntityKind.ORGANISATION, "ner-org", 0.75))

    found.sort(key=lambda f: f.start)
    canonical = _canonical_names(found, hints.known_aliases)
    return tuple(
        EntityMention(
            name=canonical[i],
            kind=f.kind,
            text=f.text,
            start=f.start,
            end=f.end,
            raw_start=offsets.to_raw(f.start),
            raw_end=offsets.to_raw(f.end),
            confidence=f.confidence,
            rule=f.rule,
            roles=f.roles,
        )
        for i, f in enumerate(found)
    )


def _canonical_names(found: list[_Found], aliases: dict[str, str]) -> list[str]:
    """One name per person or organisation within the article: the fullest form used."""
    folded_aliases = {k.casefold(): v for k, v in aliases.items()}
    full_by_key: dict[str, list[tuple[int, str]]] = {}
    for f in found:
        if f.kind is EntityKind.PERSON and len(f.text.split()) >= 2:
            full_by_key.setdefault(surname_key(f.text), []).append((f.start, f.text))
    names = []
    for f in found:
        if f.kind is EntityKind.ORGANISATION:
            names.append(folded_aliases.get(f.text.casefold(), f.text))
            continue
        candidates = full_by_key.get(surname_key(f.text), [])
        if not candidates or len(f.text.split()) >= 2:
            # A full name is its own canonical form: two people may share a surname.
            names.append(f.text)
            continue
        # The longest full name; among equals, the one nearest before this mention.
        longest = max(len(t) for _, t in candidates)
        best = [c for c in candidates if len(c[1]) == longest]
        before = [c for c in best if c[0] <= f.start]
        names.append((before[-1] if before else best[0])[1])
    return names


def people_in(mentions: Iterable[EntityMention], start: int, end: int) -> tuple[str, ...]:
    """Canonical names of the people and organisations named between ``start`` and ``end``."""
    seen: dict[str, None] = {}
    for m in mentions:
        if start <= m.start and m.end <= end:
            seen.setdefault(m.name, None)
    return tuple(seen)
