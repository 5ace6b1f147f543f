"""How alike two dated mentions are: date compatibility, words near the date, shared phrases and people.

Pure Python (no Django): the services feed it plain values and store what it says. Every number it
returns comes with the reasons an editor reads in the admin, so a merge can always be explained.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import functools
import itertools
import math
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

from rapidfuzz import fuzz

PRECISION_RANK = {"day": 0, "month": 1, "year": 2}

# Weights of the signals in the score, and the score a mention needs to join an event. Tuned on the seeds
# against tests/gold/timeline.json; the tests hold them to it.
WEIGHT_TEXT = 0.55
WEIGHT_PHRASE = 0.15
WEIGHT_PEOPLE = 0.15
WEIGHT_DATE = 0.15
THRESHOLD = 0.45
WEIGHT_FUZZY = 0.25
DATE_AGREEMENT = {"same": 1.0, "within": 0.6, "adjacent": 0.3}
# Words this many words from the date weigh half as much as the words next to it: what a date is about is
# usually said right beside it ("suspended in January", "the strike on January 3").
PROXIMITY_HALF = 2.0
CLAUSE_PENALTY = 6.0


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOP = _word_set(
    """a an the of in on at to for from by with and or but as is was were be been being has have had its it this
    that these those their there they them he she his her we our us you your i me my will would could should may
    might can did do does not no than then so such also which who whom whose what when where while after before
    over under into about against between during through up down out off again further once more most other some
    any each only own same too very just said says say told according since until around amid among per via
    both all how why if because however"""
)
_DATE_WORDS = _word_set(
    """january february march april may june july august september october november december jan feb mar apr jun
    jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday yesterday today tomorrow
    tonight last next week weeks month months year years earlier later mid day days ago"""
)
_ABBREVIATIONS = _word_set(
    "u.s u.k u.n e.u jan feb mar apr aug sep sept oct nov dec gen mr mrs ms dr st lt col sgt gov sen rep no vs "
    "e.g i.e inc corp co jr sr"
)
_REPORTING_VERBS = _word_set(
    "said says told announced stated added confirmed tweeted wrote declared noted insisted warned"
)
# Spellings that differ by outlet, not by meaning (keys and values are stems).
_SPELLINGS = {"defens": "defenc", "qassem": "qasem"}
_SENTENCE_END = re.compile(r"[.!?]+[\"”’)\]]*(?=\s+[\"“‘(]?[A-Z0-9])|\n+")
_WORD = re.compile(r"[A-Za-z][A-Za-z’'-]*")
_CLAUSE_BREAK = re.compile(
    r"[,;:][\"”’]?\s+|\s+[–—-]\s+|\s*[—–]\s*"
    r"|\s+(?=(?:but|while|whereas|although|after|following|which|when|before|because)\s)"
)
_DISTANCE_BREAK = re.compile(
    r"[,;:()“”\"]|\s[–—-]\s|[—–]|\b(?:after|before|which|who|when|following|because|while|but|whereas|although)\b",
    re.IGNORECASE,
)
_PLACE = re.compile(r"\b(?:in|at|near)\s+((?:[A-Z][a-z’'-]+)(?:\s+[A-Z][a-z’'-]+){0,2})")
_LEADING_DATE = re.compile(r"^(?:in|on|at|by|since)\s+[^,]{1,25},\s*", re.IGNORECASE)
_LEADING_JUNK = re.compile(
    r"^(?:(?:and|but|however|following|after|while|although|then|so|that|which)\b[\s,]*)+", re.IGNORECASE
)


# --- dates ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DateSpan:
    """A date at its precision, as the days it may fall on."""

    start: dt.date
    end: dt.date
    precision: str

    @classmethod
    def of(cls, date: dt.date, end_date: dt.date | None, precision: str) -> DateSpan:
        """The days a mention's date allows: a whole year for "in 2018", a whole month for "in January"."""
        if cls is DateSpan:
            return _span_of(date, end_date, precision)
        return cls._of(date, end_date, precision)

    @classmethod
    def _of(cls, date: dt.date, end_date: dt.date | None, precision: str) -> DateSpan:
        if end_date is not None and end_date >= date:
            return cls(date, end_date, precision)
        if precision == "year":
            return cls(dt.date(date.year, 1, 1), dt.date(date.year, 12, 31), precision)
        if precision == "month":
            last = calendar.monthrange(date.year, date.month)[1]
            return cls(date.replace(day=1), date.replace(day=last), precision)
        return cls(date, date, precision)

    def overlaps(self, other: DateSpan) -> bool:
        return self.start <= other.end and other.start <= self.end

    def gap_days(self, other: DateSpan) -> int:
        if self.overlaps(other):
            return 0
        return (other.start - self.end).days if self.end < other.start else (self.start - other.end).days


@functools.lru_cache(maxsize=4096)
def _span_of(date: dt.date, end_date: dt.date | None, precision: str) -> DateSpan:
    """DateSpan.of, kept for the dates seen last (immutable): merging reads every candidate event's dates for
    each article."""
    return DateSpan._of(date, end_date, precision)


def date_agreement(a: DateSpan, b: DateSpan) -> str | None:
    """How two dates agree: "same", "within" (one inside the other), "adjacent" (next day), or None."""
    if a == b:
        return "same"
    if a.overlaps(b):
        return "within"
    # A two-day meeting is "Wednesday" in one report and "Feb. 13" in another; a day apart, no further.
    if a.precision == b.precision == "day" and a.gap_days(b) <= 1:
        return "adjacent"
    return None


def combine_dates(spans: Iterable[DateSpan]) -> DateSpan | None:
    """The most precise date all spans allow, or None if they allow none.

    Overlapping spans give their intersection at the finest precision among them ("2017" and "December 2017"
    give December 2017). Day dates a day apart (a two-day meeting) give the two days as a range.
    """
    spans = list(spans)
    if not spans:
        return None
    finest = min(spans, key=lambda s: PRECISION_RANK.get(s.precision, 3)).precision
    start, end = max(s.start for s in spans), min(s.end for s in spans)
    if start <= end:
        if finest == "month" and (start.year, start.month) == (end.year, end.month):
            start = start.replace(day=1)
        elif finest == "year" and start.year == end.year:
            start = start.replace(month=1, day=1)
        return DateSpan(start, end, finest)
    days = [s for s in spans if s.precision == "day"]
    if not days:
        return None
    low, high = min(s.start for s in days), max(s.end for s in days)
    wider = DateSpan(low, high, "day")
    if (high - low).days > 1 + max(((s.end - s.start).days for s in days), default=0) or not all(
        s.overlaps(wider) for s in spans
    ):
        return None
    return wider


def format_date(date: dt.date | None, precision: str, end_date: dt.date | None = None) -> str:
    """A date at its real precision: "2018", "January 2020", "3 January 2020", "12–13 February 2020"."""
    if date is None:
        return "undated"
    if precision == "year":
        return str(date.year)
    if precision == "month":
        return f"{calendar.month_name[date.month]} {date.year}"
    if end_date and end_date != date:
        if (end_date.year, end_date.month) == (date.year, date.month):
            return f"{date.day}–{end_date.day} {calendar.month_name[date.month]} {date.year}"
        return f"{format_date(date, 'day')} – {format_date(end_date, 'day')}"
    return f"{date.day} {calendar.month_name[date.month]} {date.year}"


# --- text ----------------------------------------------------------------------------------------------


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence of ``text`` that holds ``text[start:end]``, as offsets (abbreviations such as "Jan." do not end one)."""
    starts, ends, at_newline = _sentence_ends(text)
    # The sentence opens after the last end at or before ``start``; it stops at the first end that lies past
    # ``start`` and at or after ``end`` (at a line break, before it).
    before = bisect.bisect_right(ends, start)
    begin = ends[before - 1] if before else 0
    after = max(before, bisect.bisect_left(starts, end))
    stop = len(text) if after == len(starts) else starts[after] if at_newline[after] else ends[after]
    while begin < stop and text[begin].isspace():
        begin += 1
    return begin, stop


@functools.lru_cache(maxsize=2048)
def _sentence_ends(text: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[bool, ...]]:
    """Where each sentence end of ``text`` starts and ends, and whether it is a line break, in order.

    Read once per text: merging asks for the sentence of every dated mention of an article, and the
    same articles' mentions again for each article imported after them (the bodies of most earlier
    articles, for each article of an import: hence room for many).
    """
    starts: list[int] = []
    ends: list[int] = []
    at_newline: list[bool] = []
    for match in _SENTENCE_END.finditer(text):
        if match.group().startswith(".") and _after_abbreviation(text, match.start()):
            continue
        starts.append(match.start())
        ends.append(match.end())
        at_newline.append(match.group().startswith("\n"))
    return tuple(starts), tuple(ends), tuple(at_newline)


def _after_abbreviation(text: str, dot: int) -> bool:
    word = re.search(r"([A-Za-z.]+)$", text[max(0, dot - 10) : dot])
    return bool(word) and (word.group(1).lower().strip(".") in _ABBREVIATIONS or len(word.group(1)) == 1)


def clause_title(sentence: str, start: int, end: int, limit: int = 80) -> str:
    """A title from the clause that holds the date at ``sentence[start:end]``, at most ``limit`` characters."""
    cuts = [0, *(m.end() for m in _CLAUSE_BREAK.finditer(sentence)), len(sentence)]
    segments = list(zip(cuts, cuts[1:], strict=False))
    index = next((i for i, (a, b) in enumerate(segments) if a <= start < b), 0)
    begin, stop = segments[index]
    # A clause that is little more than its date ("In 2018,") takes the next one, which says what happened.
    while len(_content_words(sentence[begin:stop], skip=(start, end), base=begin)) < 4 and index + 1 < len(segments):
        index += 1
        stop = segments[index][1]
    clause = sentence[begin:stop].strip(' ,;:–—-"“”‘’')
    clause = _LEADING_JUNK.sub("", clause).strip()
    # The date is shown beside the title: a title that opens with it ("In 2018, ...") drops it.
    clause = _LEADING_DATE.sub("", clause)
    clause = clause.rstrip(" ,;:.") or sentence.strip()
    clause = clause[:1].upper() + clause[1:]
    if len(clause) <= limit:
        return clause
    cut = clause[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
    return cut + "…"


def place_in(sentence: str, start: int, end: int) -> str:
    """Where the clause holding the date says it happened ("at Baghdad airport" gives "Baghdad"), or ""."""
    best = ""
    best_distance = len(sentence)
    for match in _PLACE.finditer(sentence):
        name = match.group(1)
        if name.split()[0].lower() in _DATE_WORDS or name.split()[0] in ("The", "A"):
            continue
        distance = abs(match.start() - start) if match.start() < start else abs(match.start() - end)
        if distance < best_distance:
            best, best_distance = name, distance
    return best[:200]


def _content_words(text: str, *, skip: tuple[int, int] = (0, 0), base: int = 0) -> list[str]:
    if skip[0] >= skip[1]:  # nothing to skip: the word counts read every dated sentence of the archive this way
        return [word for word in map(_stem, _WORD.findall(text)) if word]
    words = []
    for match in _WORD.finditer(text):
        if skip[0] <= base + match.start() < skip[1]:
            continue
        word = _stem(match.group())
        if word:
            words.append(word)
    return words


# A news archive repeats its words: most are stemmed once.
@functools.lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """A crude, deterministic stem: lower case, no possessive, the first six letters ("ministers", "ministerial")."""
    word = re.sub(r"[’']s$", "", word.lower()).strip("’'-")
    if len(word) < 2 or word in _STOP or word in _DATE_WORDS:
        return ""
    return _SPELLINGS.get(word[:6], word[:6])


@dataclass(frozen=True, slots=True)
class Profile:
    """What the comparison looks at in one dated mention."""

    words: dict[str, float]  # stem -> weight by nearness to the date
    phrases: frozenset[tuple[str, str]]  # pairs of consecutive content words
    people: frozenset[int]
    reporting: bool  # the date says when a source spoke ("said Thursday"), not when something else happened
    article: object = None
    span: DateSpan | None = None
    doc_words: frozenset[str] = field(default_factory=frozenset)


def profile(
    sentence: str,
    start: int,
    end: int,
    *,
    people: Iterable[int] = (),
    article: object = None,
    span: DateSpan | None = None,
) -> Profile:
    """The profile of the mention whose date sits at ``sentence[start:end]``."""
    weights, phrases, reporting, doc_words = _sentence_profile(sentence, start, end)
    return Profile(
        words=dict(weights),
        phrases=phrases,
        people=frozenset(people),
        reporting=reporting,
        article=article,
        span=span,
        doc_words=doc_words,
    )


@functools.lru_cache(maxsize=4096)
def _sentence_profile(
    sentence: str, start: int, end: int
) -> tuple[dict[str, float], frozenset[tuple[str, str]], bool, frozenset[str]]:
    """What the words of ``sentence`` say about the date at ``start:end``: weights, phrases, reporting, words.

    Kept for the sentences read last: an import compares each new mention with the same earlier reports again
    and again. The weights are copied into each Profile.
    """
    weights: dict[str, float] = {}
    sequence: list[str] = []
    positions = [(m.start(), m.group()) for m in _WORD.finditer(sentence)]
    date_index = next((i for i, (pos, _) in enumerate(positions) if pos >= start), len(positions))
    date_last = next((i for i, (pos, _) in enumerate(positions) if pos >= end), len(positions))
    breaks = [m.start() for m in _DISTANCE_BREAK.finditer(sentence)]
    for i, (pos, raw) in enumerate(positions):
        if start <= pos < end:
            continue
        distance = date_index - i if i < date_index else i - date_last + 1
        # A word in another clause is further from the date than its word count says.
        low, high = (pos, start) if pos < start else (end, pos)
        distance += CLAUSE_PENALTY * (bisect.bisect_left(breaks, high) - bisect.bisect_left(breaks, low))
        stem = _stem(raw)
        if not stem:
            continue
        sequence.append(stem)
        weights[stem] = max(weights.get(stem, 0.0), 1.0 / (1.0 + distance / PROXIMITY_HALF))
    before = [w.lower() for _, w in positions[max(0, date_index - 2) : date_index]]
    reporting = bool(before) and (
        before[-1] in _REPORTING_VERBS or before[0] in _REPORTING_VERBS and before[-1] == "on"
    )
    return weights, frozenset(zip(sequence, sequence[1:], strict=False)), reporting, frozenset(sequence)


class Vocabulary:
    """How common each word and phrase is among the archive's dated sentences: common ones prove little."""

    def __init__(self, documents: Iterable[tuple[str, Iterable[int]]] = ()) -> None:
        self.words: Counter[str] = Counter()
        self.phrases: Counter[tuple[str, str]] = Counter()
        self.people: Counter[int] = Counter()
        self.size = 0
        # The documents given to sync() or update(), by key: a later one stems only the text that changed.
        self._synced: dict[Hashable, tuple[str, frozenset[int]]] = {}
        self._add(documents)

    def sync(self, documents: Mapping[Hashable, tuple[str, frozenset[int]]]) -> None:
        """Count exactly ``documents`` (keyed, e.g. by row id) besides those given at creation.

        Counts as a new Vocabulary of the same documents would; only documents added, changed or gone since
        the last sync are read.
        """
        self.update(dict.fromkeys(self._synced.keys() - documents.keys()))
        self.update(documents)

    def update(self, documents: Mapping[Hashable, tuple[str, frozenset[int]] | None]) -> None:
        """Count ``documents`` as they now are (None: gone), keeping the other synced documents as they were."""
        added = []
        for key, document in documents.items():
            known = self._synced.get(key)
            if known == document:
                continue
            if known is not None:
                self._remove(*known)
                del self._synced[key]
            if document is not None:
                self._synced[key] = document
                added.append(document)
        self._add(added)

    def _add(self, documents: Iterable[tuple[str, Iterable[int]]]) -> None:
        # A whole archive's sentences at once: each counter is updated once a chunk, from one stream of keys.
        documents = iter(documents)
        while read := [(_content_words(text), people) for text, people in itertools.islice(documents, 10_000)]:
            self.words.update(itertools.chain.from_iterable(set(stems) for stems, _ in read))
            self.phrases.update(
                itertools.chain.from_iterable(set(zip(stems, stems[1:], strict=False)) for stems, _ in read)
            )
            self.people.update(itertools.chain.from_iterable(set(people) for _, people in read))
            self.size += len(read)

    def _remove(self, text: str, people: Iterable[int]) -> None:
        stems = _content_words(text)
        for counter, keys in (
            (self.words, set(stems)),
            (self.phrases, set(zip(stems, stems[1:], strict=False))),
            (self.people, set(people)),
        ):
            for key in keys:
                counter[key] -= 1
                if not counter[key]:
                    del counter[key]
        self.size -= 1

    def _rarity(self, count: int) -> float:
        """0 for what every sentence has, 1 for what no other sentence has."""
        return math.log((1 + self.size) / (1 + count)) / math.log(1 + self.size) if self.size else 1.0

    def idf(self, word: str) -> float:
        return math.log((1 + self.size) / (1 + self.words[word])) + 1.0

    def phrase_rarity(self, phrase: tuple[str, str]) -> float:
        return self._rarity(self.phrases[phrase])

    def person_rarity(self, person: int) -> float:
        return self._rarity(self.people[person])


@dataclass(frozen=True, slots=True)
class Match:
    """The verdict on two mentions: a score from 0 to 1 and the reasons, in words."""

    score: float
    reasons: tuple[str, ...]
    agreement: str | None


def compare(a: Profile, b: Profile, vocabulary: Vocabulary, *, names: dict[int, str] | None = None) -> Match:
    """Score how likely two dated mentions report the same happening, with the reasons."""
    return Comparer(vocabulary, names=names).compare(a, b)


class Comparer:
    """compare() for many pairs under one vocabulary (which must not change meanwhile) and one set of names.

    What a profile brings to any comparison (its words weighted by rarity, their norm, its words as one string)
    is worked out once, not for every pair: an import into a large archive compares each new mention with
    hundreds of reports, and each report with every new mention of the article.
    """

    def __init__(self, vocabulary: Vocabulary, *, names: dict[int, str] | None = None) -> None:
        self.vocabulary = vocabulary
        self.names = names
        # By id(profile); the profile is kept with its entry, so that its id is not another's meanwhile.
        self._prepared: dict[int, tuple[Profile, dict[str, float], float, str]] = {}

    def _of(self, profile: Profile) -> tuple[Profile, dict[str, float], float, str]:
        """The profile's words weighed by rarity, the sum of their squares, and its words in order, as one string."""
        entry = self._prepared.get(id(profile))
        if entry is None:
            weighted = {w: x * self.vocabulary.idf(w) for w, x in profile.words.items()}
            entry = (profile, weighted, sum(x * x for x in weighted.values()), " ".join(sorted(profile.doc_words)))
            self._prepared[id(profile)] = entry
        return entry

    def score(self, a: Profile, b: Profile) -> Match:
        """compare()'s score and date agreement; reasons only where it answers before scoring (dates apart)."""
        return self._match(a, b, reasons=False)

    def compare(self, a: Profile, b: Profile) -> Match:
        """As compare()."""
        return self._match(a, b, reasons=True)

    def _match(self, a: Profile, b: Profile, *, reasons: bool) -> Match:
        """The verdict on ``a`` and ``b``; its reasons written out only if ``reasons``."""
        if a.span is None or b.span is None:
            return Match(0.0, ("undated",), None)
        agreement = date_agreement(a.span, b.span)
        if agreement is None:
            return Match(0.0, ("dates incompatible",), None)
        if a.reporting != b.reporting:
            return Match(0.0, ("one date says when a source spoke, the other when something happened",), agreement)
        if a.reporting and agreement != "same":
            return Match(0.0, ("statements on different days",), agreement)

        vocabulary = self.vocabulary
        _, wa, squares_a, words_a = self._of(a)
        _, wb, squares_b, words_b = self._of(b)
        shared = wa.keys() & wb.keys()
        norm = math.sqrt(squares_a * squares_b)
        text = sum(wa[w] * wb[w] for w in shared) / norm if norm else 0.0
        # rapidfuzz's token-set ratio over the whole sentences: re-ordered or trimmed wording of one report.
        fuzzy = fuzz.token_set_ratio(words_a, words_b) / 100.0
        text = (1 - WEIGHT_FUZZY) * text + WEIGHT_FUZZY * fuzzy

        # Ties fall to the words themselves: a set's order changes with the process, the stored reasons must not.
        shared_phrases = sorted(a.phrases & b.phrases, key=lambda p: (-vocabulary.phrase_rarity(p), p))
        phrase = vocabulary.phrase_rarity(shared_phrases[0]) if shared_phrases else 0.0

        # People and organisations count by rarity: two reports naming NATO prove little, naming Soleimani more.
        shared_people = a.people & b.people
        people = max((vocabulary.person_rarity(p) for p in shared_people), default=0.0)

        date = DATE_AGREEMENT[agreement]
        score = WEIGHT_TEXT * text + WEIGHT_PHRASE * phrase + WEIGHT_PEOPLE * people + WEIGHT_DATE * date
        if not reasons:
            return Match(round(score, 4), (), agreement)
        top_words = sorted(shared, key=lambda w: (-(wa[w] * wb[w]), w))[:5]
        said = [f"dates {agreement}: {_span_label(a.span)} / {_span_label(b.span)}"]
        said.append(f"words near the date {text:.2f}" + (f" ({', '.join(top_words)})" if top_words else ""))
        if shared_phrases:
            said.append(f"shared phrase “{' '.join(shared_phrases[0])}”")
        if shared_people:
            label = ", ".join(sorted((self.names or {}).get(p, str(p)) for p in shared_people))
            said.append(f"both name {label}")
        return Match(round(score, 4), tuple(said), agreement)


def _span_label(span: DateSpan) -> str:
    return format_date(span.start, span.precision, span.end if span.precision == "day" else None)


# --- quotes: the same statement reported by several articles ---------------------------------------------

# A quote shorter than this many words must match another as a whole: a short fragment ("as soon as
# possible") sits inside many longer quotes without being the same statement.
STATEMENT_MIN_ALIGNED_WORDS = 6
# The similarity (0-1) two quotes of one speaker need to be one statement. Tuned on the seeds against
# tests/gold/statements.json and on the near misses of tests/test_statements.py.
STATEMENT_THRESHOLD = 0.85
# A report whose date nobody knows proves nothing against a match, but a little less for one.
STATEMENT_UNDATED_PENALTY = 0.03
# An article reports what was said in the days before it; a month covers weeklies and late write-ups.
STATEMENT_LOOKBACK_DAYS = 31
_QUOTE_PUNCTUATION = re.compile(r"[^\w\s]+")


def normalize_quote(text: str) -> str:
    """A quote's words for comparison: case, punctuation, ellipses and editors' brackets do not count."""
    text = text.casefold().replace("…", " ").replace("’", "'").replace("'", "")
    return " ".join(_QUOTE_PUNCTUATION.sub(" ", text).split())


def said_within(published_on: dt.date | None, precision: str) -> DateSpan | None:
    """The days a quote reported in an article of ``published_on`` was probably said on, or None if unknown."""
    if published_on is None:
        return None
    published = DateSpan.of(published_on, None, precision or "day")
    return DateSpan(published.start - dt.timedelta(days=STATEMENT_LOOKBACK_DAYS), published.end, "day")


@dataclass(frozen=True, slots=True)
class QuoteProfile:
    """What the comparison looks at in one quote."""

    words: str  # normalize_quote(text)
    speaker: int | None
    article: object = None
    said: DateSpan | None = None
    label: str = ""  # the report's article, for the reasons
    published: str = ""  # its publication date at its precision, for the reasons

    @property
    def word_count(self) -> int:
        return len(self.words.split())


def compare_quotes(a: QuoteProfile, b: QuoteProfile, *, speaker_name: str = "") -> Match:
    """Score how likely two quotes are the same statement (same speaker, same words, compatible dates)."""
    if a.speaker is None or b.speaker is None:
        return Match(0.0, ("speaker unknown",), None)
    if a.speaker != b.speaker:
        return Match(0.0, ("different speakers",), None)
    if a.said is not None and b.said is not None:
        if not a.said.overlaps(b.said):
            return Match(0.0, (f"reported too far apart: {_said_label(a)} / {_said_label(b)}",), None)
        agreement = "compatible"
    else:
        agreement = "unknown"
    whole = fuzz.ratio(a.words, b.words)
    similarity = whole
    detail = f"whole {whole:.0f}"
    if min(a.word_count, b.word_count) >= STATEMENT_MIN_ALIGNED_WORDS:
        # One outlet trims or extends the quotation: the shorter one is then part of the longer one.
        part = fuzz.partial_ratio(a.words, b.words)
        shared = fuzz.token_set_ratio(a.words, b.words)
        similarity = max(whole, (part + shared) / 2)
        detail += f", best-aligned part {part:.0f}, shared words {shared:.0f}"
    score = similarity / 100
    reasons = [f"same speaker{': ' + speaker_name if speaker_name else ''}", f"words alike {score:.2f} ({detail})"]
    if agreement == "compatible":
        reasons.append(f"reported close in time: {_said_label(a)} / {_said_label(b)}")
    else:
        score -= STATEMENT_UNDATED_PENALTY
        unknown = " and ".join(p.label or "a report" for p in (a, b) if p.said is None)
        reasons.append(f"publication date unknown for {unknown}")
    return Match(round(max(score, 0.0), 4), tuple(reasons), agreement)


def _said_label(profile: QuoteProfile) -> str:
    if profile.said is None:
        return "date unknown"
    return f"published {profile.published or format_date(profile.said.end, 'day')}"
