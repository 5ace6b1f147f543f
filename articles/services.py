"""Writes to the articles app: every path (importer, admin, API, tasks) comes through here."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Left
from django.utils import timezone
from django.utils.text import slugify
from rapidfuzz import fuzz, process
from simple_history.utils import bulk_create_with_history

from articles.extraction import EXTRACTOR_VERSION
from articles.extraction import types as ex
from articles.extraction.clean import OffsetMap, build_body
from articles.extraction.fingerprints import body_fingerprints
from articles.models import (
    NEAR_DUPLICATE_OPENING,
    Alias,
    Article,
    ArticleFingerprint,
    DatedMention,
    ImportRun,
    Job,
    JobItem,
    Mention,
    Person,
    Quote,
    RemovedSpan,
    Source,
    SourcePattern,
    Story,
)

# Article fields the extractor fills; an editor's change locks them.
EXTRACTED_ARTICLE_FIELDS = (
    "title",
    "authors",
    "published_on",
    "dateline",
    "tags",
    "captions",
    "source",
    "url",
    "language",
)
NEAR_DUPLICATE_RATIO = 90.0
_SPACE = re.compile(r"\s+")


class ConflictError(Exception):
    """Somebody saved the row since this version was read."""


# --- people -----------------------------------------------------------------


def normalize_name(name: str) -> str:
    """Compare names without case, accents, punctuation or repeated spaces."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    bare = re.sub(r"[^\w\s-]", " ", bare.casefold()).replace("\u2019", "")
    return _SPACE.sub(" ", bare).strip()


def _slug_base(text: str, max_length: int = 80) -> str:
    return (slugify(text)[:max_length].strip("-")) or "item"


def _unique_slug(model, base: str, *, max_length: int = 80, exclude_pk: int | None = None) -> str:
    base = _slug_base(base, max_length)
    qs = model.objects.all()
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    # The slug and its numbered forms in one query, instead of one per number tried.
    taken = set(qs.filter(Q(slug=base) | Q(slug__startswith=f"{base}-")).values_list("slug", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def person_alias_add(*, person: Person, name: str) -> None:
    """Record ``name`` as another name of ``person`` (no-op when known)."""
    person_aliases_add(person=person, names=[name])


def person_aliases_add(*, person: Person, names: Iterable[str]) -> None:
    """Record ``names`` as other names of ``person`` in one query; known ones (by normalized form) stay as they are."""
    own = normalize_name(person.name)
    new: dict[str, str] = {}
    for name in names:
        norm = normalize_name(name)
        if norm and norm != own:
            new.setdefault(norm, name)  # the first spelling of a form is the one kept, as when added one by one
    if new:
        # ON CONFLICT DO NOTHING on (person, normalized): a known form keeps its first spelling.
        Alias.objects.bulk_create(
            [Alias(person=person, normalized=norm, name=name) for norm, name in new.items()], ignore_conflicts=True
        )


def person_resolve(*, name: str, kind: str, threshold: float, roles: Iterable[str] = ()) -> Person:
    """The archive's one Person for ``name``: by name or alias, then a strong fuzzy match, else a new row.

    A weak match creates a new Person rather than merging two people: editors merge.
    """
    norm = normalize_name(name)
    found = _person_named(name=name, norm=norm, kind=kind)
    return _person_settle(found, name=name, norm=norm, kind=kind, threshold=threshold, roles=roles)[0]


def _person_named(*, name: str, norm: str, kind: str) -> Person | None:
    """The first person (by id) of ``kind`` called ``name`` (any case) or with an alias normalized to ``norm``."""
    # The alias join is a LEFT JOIN: a person with no alias at all is found by name here too.
    active = Person.objects.active().filter(kind=kind)
    return active.filter(Q(aliases__normalized=norm) | Q(name__iexact=name)).order_by("id").first()


def _person_settle(
    person: Person | None,
    *,
    name: str,
    norm: str,
    kind: str,
    threshold: float,
    roles: Iterable[str],
    known_aliases: set[str] | None = None,
    people: _People | None = None,
) -> tuple[Person, bool]:
    """person_resolve after the exact lookup found ``person`` (or nobody); and whether it created the row.

    ``known_aliases``: forms already recorded for ``person`` (the alias of ``name`` is then not written again).
    ``people``: the article's resolver, which answers the fuzzy lookup and the slug from what it read.
    """
    if person is None and norm:
        if people is not None:
            person = people.fuzzy(norm=norm, kind=kind)
        else:
            person = _person_fuzzy(norm=norm, kind=kind, threshold=threshold)
    if person is None:
        slug = people.slug(name) if people is not None else _unique_slug(Person, name)
        return Person.objects.create(kind=kind, name=name, slug=slug, roles=sorted(set(roles))), True
    if known_aliases is None or norm not in known_aliases:
        person_alias_add(person=person, name=name)
    new_roles = [r for r in roles if r not in person.roles]
    if new_roles and "roles" not in person.locked_fields:
        person.roles = [*person.roles, *new_roles]
        person.save(update_fields=["roles", "updated_at"])
    return person, False


def _person_fuzzy(*, norm: str, kind: str, threshold: float) -> Person | None:
    """The person whose name or alias is closest to ``norm`` (at least ``threshold``), among those sharing a token."""
    # Fuzzy matching only among names that share a token, which keeps it
    # cheap on a large archive and stops "Ali" matching "Alina".
    tokens = [t for t in norm.split() if len(t) > 2]
    if not tokens:
        return None
    token_q = Q()
    for t in tokens:
        token_q |= Q(name__icontains=t) | Q(aliases__normalized__icontains=t)
    # Ids and names only, and the aliases apart: building a model instance for each candidate cost more
    # than the query. The same people, in the same order (by name, then id), as the rows would be.
    active = Person.objects.active().filter(kind=kind)
    people = list(active.filter(token_q).distinct().order_by("name", "id").values_list("pk", "name")[:500])
    aliases: dict[int, list[str]] = defaultdict(list)
    for person_id, alias in Alias.objects.filter(person__in=[pk for pk, _ in people]).values_list(
        "person_id", "normalized"
    ):
        aliases[person_id].append(alias)
    candidates: dict[str, int] = {}
    for pk, name in people:
        candidates[normalize_name(name)] = pk
        for alias in aliases[pk]:
            candidates.setdefault(alias, pk)
    match = process.extractOne(norm, list(candidates), scorer=name_likeness, score_cutoff=threshold)
    return Person.objects.get(pk=candidates[match[0]]) if match is not None else None


# Given names must be this alike (fuzz.ratio) for two full names to be one person: "mohammed" and "mohamed"
# are (93), "amira" and "samir" (80) or "amir" and "samir" (89) are not.
GIVEN_NAME_RATIO = 90.0


def name_likeness(a: str, b: str, *, score_cutoff: float | None = None, **_: Any) -> float:
    """How alike two normalized names are (fuzz.ratio, 0 to 100); 0 when both give a first name and those differ.

    Letter by letter "amira alvarez" and "samir alvarez" are 92% alike, yet they are two people, and a fuzzy
    match would file one's quotes under the other. A misspelt surname ("stoltenburg"), a transliterated
    given name ("mohamed") or an initial ("j stoltenberg") still match. A rapidfuzz scorer.
    """
    score = fuzz.ratio(a, b, score_cutoff=score_cutoff)
    if not score:
        return 0.0
    first_a, _, rest_a = a.partition(" ")
    first_b, _, rest_b = b.partition(" ")
    if rest_a and rest_b and first_a != first_b:
        if len(first_a) == 1 or len(first_b) == 1:
            return score if first_a[0] == first_b[0] else 0.0
        if fuzz.ratio(first_a, first_b) < GIVEN_NAME_RATIO:
            return 0.0
    return score


def _tokens(norm: str) -> list[str]:
    # The words a fuzzy lookup searches by: longer than two letters ("Ali" must not find "Alina").
    return [t for t in norm.split() if len(t) > 2]


def _may_contain(text: str, tokens: Iterable[str]) -> bool:
    """False only when the database cannot find any of ``tokens`` in ``text`` ignoring case (``icontains``)."""
    folded, upper, normal = text.casefold(), text.upper(), normalize_name(text)
    return any(t in folded or t in normal or t.upper() in upper for t in tokens)


def _maybe_same_in_any_case(a: str, b: str) -> bool:
    """False only when the database cannot find ``a`` equal to ``b`` ignoring case (``name__iexact``).

    The database upper-cases letter by letter (libc) or as Unicode does (ICU): either way each letter
    of one is a case variant of the letter of the other, or both upper-case alike as a whole.
    """
    if a.upper() == b.upper():
        return True
    return len(a) == len(b) and all(
        x == y or x.upper() == y.upper() or x.casefold() == y.casefold() for x, y in zip(a, b, strict=True)
    )


class _People:
    """person_resolve for the names one article uses, with the exact lookups of all of them read in one query.

    Names resolve one by one as before, in the same order; each sees the people and aliases the earlier
    ones created. Every answer is the one person_resolve would give at that moment: where what was read
    cannot tell (a name that may equal another in some other case), it asks the database again.
    """

    def __init__(self, *, names: Iterable[tuple[str, str]], forms: Iterable[str], threshold: float) -> None:
        self.threshold = threshold
        wanted = list(dict.fromkeys(names))
        self.norms = {name: normalize_name(name) for name, _kind in wanted}
        self.kinds = {kind for _name, kind in wanted}
        self.state: dict[int, Person] = {}  # each person read or written, as the database has it now
        self.aliases: dict[int, set[str]] = defaultdict(set)  # forms known to be recorded, by person
        self.added: dict[int, set[str]] = defaultdict(set)  # forms recorded since, by person
        self.created: list[Person] = []
        self._candidates: _Candidates | None = None
        self._taken_slugs: set[str] | None = None
        if not wanted:
            return
        # Everyone an exact lookup of these names could find (by any case of the name, or by a form),
        # with those forms: the people found by name come with all their forms.
        condition = Q(aliases__normalized__in={*self.norms.values(), *(normalize_name(f) for f in forms)})
        for spelling in dict.fromkeys(name for name, _kind in wanted):
            condition |= Q(name__iexact=spelling)
        rows = (
            Person.objects.active()
            .filter(kind__in=self.kinds)
            .filter(condition)
            .annotate(alias_normalized=F("aliases__normalized"))
        )
        for row in rows:
            self.state.setdefault(row.pk, row)
            if row.alias_normalized is not None:
                self.aliases[row.pk].add(row.alias_normalized)

    def resolve(self, *, name: str, kind: str, roles: Iterable[str] = ()) -> Person:
        """What person_resolve(name=name, kind=kind, roles=roles) returns now."""
        norm = self.norms.get(name)
        person: Person | None
        if norm is None or kind not in self.kinds:  # a name not read up front
            norm = normalize_name(name)
            person = _person_named(name=name, norm=norm, kind=kind)
        else:
            # _person_named's answer: the first by id of the people of this kind so named or with this form.
            same = [p for p in self.state.values() if p.kind == kind]
            best = min((p.pk for p in same if p.name == name or norm in self.aliases[p.pk]), default=None)
            if any(
                p.name != name and (best is None or p.pk < best) and _maybe_same_in_any_case(p.name, name) for p in same
            ):
                # Only the database knows whether it finds these two names equal in another case.
                person = _person_named(name=name, norm=norm, kind=kind)
            else:
                # A copy: the caller may change and save it, as it may the row person_resolve reads.
                person = copy.copy(self.state[best]) if best is not None else None
        known = self.aliases[person.pk] if person is not None else None
        person, created = _person_settle(
            person,
            name=name,
            norm=norm,
            kind=kind,
            threshold=self.threshold,
            roles=roles,
            known_aliases=known,
            people=self,
        )
        if created:
            self.created.append(person)
        elif norm and norm != normalize_name(person.name):
            self._recorded(person.pk, norm)
        self.saved(person)
        return person

    def add_aliases(self, *, person: Person, names: Iterable[str]) -> None:
        """person_aliases_add, skipping the forms known to be recorded already."""
        own = normalize_name(person.name)
        known = self.aliases[person.pk]
        new = [n for n in names if (norm := normalize_name(n)) and norm != own and norm not in known]
        if new:
            person_aliases_add(person=person, names=new)
            for n in new:
                self._recorded(person.pk, normalize_name(n))

    def saved(self, person: Person, fields: Iterable[str] | None = None) -> None:
        """``person`` was read, or its ``fields`` written, as it is now: later answers start from it."""
        known = self.state.get(person.pk)
        if fields is None or known is None:
            self.state[person.pk] = copy.copy(person)
            return
        for f in fields:
            attname = Person._meta.get_field(f).attname
            setattr(known, attname, getattr(person, attname))

    def fuzzy(self, *, norm: str, kind: str) -> Person | None:
        """What _person_fuzzy returns now, from the candidates of all the article's names read in one query."""
        tokens = _tokens(norm)
        if not tokens:
            return None
        found = self._fuzzy_candidates(tokens, kind)
        if found is None:
            return _person_fuzzy(norm=norm, kind=kind, threshold=self.threshold)
        match = process.extractOne(norm, list(found), scorer=name_likeness, score_cutoff=self.threshold)
        if match is None:
            return None
        pk = found[match[0]]
        return copy.copy(self.state[pk]) if pk in self.state else Person.objects.get(pk=pk)

    def slug(self, name: str) -> str:
        """What _unique_slug(Person, name) returns now: the slugs of all the article's names are read at once."""
        if self._taken_slugs is None:
            bases = {_slug_base(n) for n in self.norms}
            self._taken_slugs = set(Person.objects.filter(slug__in=bases).values_list("slug", flat=True))
        base = _slug_base(name)
        if name in self.norms and base not in self._taken_slugs and all(p.slug != base for p in self.created):
            return base
        return _unique_slug(Person, name)

    def _recorded(self, pk: int, norm: str) -> None:
        self.aliases[pk].add(norm)
        self.added[pk].add(norm)

    def _fuzzy_candidates(self, tokens: list[str], kind: str) -> dict[str, int] | None:
        """_person_fuzzy's candidates (normalized name or form -> person id), or None when only it can tell."""
        if self._candidates is None:
            # The words of the names no exact lookup can find: only those may need a fuzzy one.
            unknown = [
                norm
                for name, norm in self.norms.items()
                if not any(p.name == name or norm in self.aliases[p.pk] for p in self.state.values())
            ]
            self._candidates = _Candidates.read(kinds=self.kinds, tokens={t for n in unknown for t in _tokens(n)})
        read = self._candidates
        if kind not in self.kinds or not read.complete or not set(tokens) <= read.tokens:
            return None
        people = [(pk, name) for pk, k, name, found in read.people if k == kind and found & set(tokens)][:500]
        listed = {pk for pk, _ in people}
        # What this article recorded since the read: a person it created, or a form that puts someone else
        # among the candidates, needs the database's order; forms of people listed only join their list.
        if any(p.pk not in listed and p.kind == kind and _may_contain(p.name, tokens) for p in self.created):
            return None
        for pk, forms in self.added.items():
            if pk not in listed and self.state[pk].kind == kind and _may_contain(" ".join(forms), tokens):
                return None
        candidates: dict[str, int] = {}
        for pk, name in people:
            candidates[normalize_name(name)] = pk
            for alias in [*read.aliases.get(pk, ()), *sorted(self.added.get(pk, ()))]:
                candidates.setdefault(alias, pk)
        return candidates


@dataclass(slots=True)
class _Candidates:
    """The people a fuzzy lookup of any of ``tokens`` could consider, in the order it considers them."""

    tokens: set[str]
    people: list[tuple[int, str, str, set[str]]]  # (id, kind, name, the tokens it contains), by name then id
    aliases: dict[int, list[str]]
    complete: bool  # False when there were too many to read at once

    LIMIT = 2000

    @classmethod
    def read(cls, *, kinds: set[str], tokens: set[str]) -> _Candidates:
        ordered = sorted(tokens)
        if not ordered:
            return cls(set(), [], {}, True)
        condition = Q()
        flags = {}
        for i, t in enumerate(ordered):
            found = Q(name__icontains=t) | Q(aliases__normalized__icontains=t)
            condition |= found
            flags[f"token_{i}"] = ExpressionWrapper(found, output_field=BooleanField())
        # The database says which token each row contains (its own idea of case) and gives the order.
        rows = list(
            Person.objects.active()
            .filter(kind__in=kinds)
            .filter(condition)
            .annotate(**flags)
            .order_by("name", "id")
            .values_list("pk", "kind", "name", *flags)[: cls.LIMIT + 1]
        )
        if len(rows) > cls.LIMIT:
            return cls(set(tokens), [], {}, False)
        people: dict[int, tuple[int, str, str, set[str]]] = {}
        for pk, kind, name, *hits in rows:
            entry = people.setdefault(pk, (pk, kind, name, set()))
            entry[3].update(t for t, hit in zip(ordered, hits, strict=True) if hit)
        aliases: dict[int, list[str]] = defaultdict(list)
        for person_id, alias in Alias.objects.filter(person__in=list(people)).values_list("person_id", "normalized"):
            aliases[person_id].append(alias)
        return cls(set(tokens), list(people.values()), aliases, True)


def known_organisation_aliases() -> dict[str, str]:
    """Alternate names of organisations that editors recorded: alias -> canonical name."""
    rows = Alias.objects.filter(person__kind=Person.Kind.ORGANISATION, person__merged_into__isnull=True)
    return dict(rows.values_list("name", "person__name"))


# --- sources ----------------------------------------------------------------


def extraction_hints(*, manifest: Mapping[str, str] | None = None, published_on=None) -> ex.Hints:
    """What the database knows that the extractor should use: outlets' patterns and date orders, aliases."""
    patterns = tuple(
        ex.SourcePattern(source_slug=slug, pattern=pattern, strength=strength, is_regex=is_regex)
        for slug, pattern, strength, is_regex in SourcePattern.objects.values_list(
            "source__slug", "pattern", "strength", "is_regex"
        )
    )
    orders = {
        slug: ex.DateOrder(order)
        for slug, order in Source.objects.exclude(date_order="").values_list("slug", "date_order")
    }
    return ex.Hints(
        manifest=dict(manifest or {}),
        date_orders=orders,
        source_patterns=patterns,
        known_aliases=known_organisation_aliases(),
        published_on=published_on,
    )


def source_resolve(*, slug: str = "", name: str = "") -> Source | None:
    """The Source named by slug, name or web domain; a new one for a domain or name never seen."""
    if slug:
        found = Source.objects.filter(slug=slug).first()
        if found:
            return found
    if not name:
        return None
    found = Source.objects.filter(Q(name__iexact=name) | Q(domain__iexact=name) | Q(slug=slugify(name))).first()
    if found:
        return found
    is_domain = "." in name and " " not in name
    return Source.objects.create(
        name=name,
        slug=_unique_slug(Source, name),
        domain=name.lower() if is_domain else "",
        homepage=f"https://{name.lower()}/" if is_domain else "",
    )


# --- articles ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArticleInput:
    """A file to import: its bytes, decoded text and name."""

    raw_bytes: bytes
    text: str
    encoding: str
    filename: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw_bytes).hexdigest()


@functools.lru_cache(maxsize=1024)
def _char_counts(text: str) -> np.ndarray:
    """How many times each character below U+00FF occurs in ``text``, and in the last place all others together.

    Kept for the bodies compared last (read-only): the bodies an import compares with recur from file to file.
    """
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    counts = np.bincount(np.minimum(codes, 255), minlength=256)
    counts.flags.writeable = False
    return counts


def _ratio_bounds(text: str, others: list[str]) -> list[float]:
    """For each of ``others``, a score fuzz.ratio of it and ``text`` cannot exceed, from their character counts.

    fuzz.ratio is 200 * LCS / (the two lengths together), LCS being the longest common subsequence; a common
    subsequence holds each character (or each of a group of characters) at most as often as the text
    that has fewer of it.
    """
    if not others:
        return []
    common = np.minimum(np.stack([_char_counts(other) for other in others]), _char_counts(text)).sum(axis=1)
    return [200.0 * int(n) / (len(text) + len(other)) for n, other in zip(common, others, strict=True)]


# How many of the articles sharing most of its fingerprint a new body is compared with.
NEAR_DUPLICATE_CANDIDATES = 20


def article_fingerprints_sync(*, article: Article, fresh: bool = False) -> list[int]:
    """Keep the article's fingerprint that of its body (call whenever the body is written); returns it."""
    if not fresh:
        ArticleFingerprint.objects.filter(article_id=article.pk).delete()
    hashes = body_fingerprints(article.body)
    ArticleFingerprint.objects.bulk_create([ArticleFingerprint(article_id=article.pk, hash=h) for h in hashes])
    return hashes


def _same_headline_or_opening(article: Article) -> QuerySet[Article]:
    """The other articles of the same headline (any case) or the same opening characters of the body."""
    return (
        Article.objects.exclude(pk=article.pk)
        # The body's first characters compared, not the body matched against a pattern (LIKE): both this
        # expression and the headline's are indexed (Article.Meta), so no article is read that does not match.
        .alias(opening=Left("body", NEAR_DUPLICATE_OPENING))
        .filter(Q(title__iexact=article.title) & ~Q(title="") | Q(opening=article.body[:NEAR_DUPLICATE_OPENING]))
    )


def _near_duplicate(article: Article, *, fingerprints: list[int] | None = None) -> Article | None:
    """An existing article whose body is nearly the same (a re-scrape, the same wire copy elsewhere).

    Compared: the articles of the same title or opening, and those sharing most of the body's fingerprint,
    from the whole archive. Near-duplicate bodies share most of their runs of text, so most of their
    fingerprint; the others are not read. The most alike at NEAR_DUPLICATE_RATIO or more is the duplicate,
    of equally alike ones the latest.
    """
    if len(article.body) < 200:
        return None
    by_title = _same_headline_or_opening(article).values_list("id", flat=True)[:NEAR_DUPLICATE_CANDIDATES]
    by_fingerprint = (
        ArticleFingerprint.objects.filter(
            hash__in=body_fingerprints(article.body) if fingerprints is None else fingerprints
        )
        .exclude(article_id=article.pk)
        .values("article_id")
        .annotate(shared=Count("*"))
        .order_by("-shared", "-article_id")
        .values_list("article_id", flat=True)[:NEAR_DUPLICATE_CANDIDATES]
    )
    candidates = Article.objects.filter(Q(pk__in=by_title) | Q(pk__in=by_fingerprint)).order_by("pk")
    bodies = dict(candidates.values_list("id", "body"))
    best, best_score = None, NEAR_DUPLICATE_RATIO
    bounds = _ratio_bounds(article.body, list(bodies.values()))
    for (pk, body), bound in zip(bodies.items(), bounds, strict=True):
        # A body that cannot reach the best score so far is not compared: fuzz.ratio would score it below
        # that. In id order, so that of equally alike bodies the latest is kept.
        # (A hair below the best: fuzz.ratio answers 0 for a score equal to its cutoff as computed.)
        if bound < best_score - 1e-6:
            continue
        score = fuzz.ratio(article.body, body, score_cutoff=best_score - 1e-6)
        if score >= best_score - 1e-6:
            best, best_score = pk, max(score, best_score)
    return None if best is None else Article.objects.only("id", "body").get(pk=best)


def article_create(
    *,
    source_input: ArticleInput,
    extraction: ex.Extraction,
    publish: bool,
    match_threshold: float,
    import_run: ImportRun | None = None,
) -> Article:
    """Create the Article and everything read from it (call inside a transaction)."""
    meta = extraction.metadata
    article = Article(
        raw_text=source_input.text,
        encoding=source_input.encoding,
        sha256=source_input.sha256,
        original_filename=source_input.filename,
        status=Article.Status.PUBLISHED if publish else Article.Status.DRAFT,
        import_run=import_run,
        slug="",
    )
    article.slug = _unique_slug(Article, meta.title or source_input.filename.rsplit(".", 1)[0])
    _apply_metadata(article, meta, extraction)
    article.save()
    # Every name the article gives a person is looked up together (see _People).
    resolver = _people_of(extraction, match_threshold)
    _sync_authors(article, meta, resolver=resolver, fresh=True)
    duplicate = _near_duplicate(article, fingerprints=article_fingerprints_sync(article=article, fresh=True))
    if duplicate is not None:
        article.duplicate_of = duplicate
        article.review_reasons = [*article.review_reasons, ex.ReviewReason.POSSIBLE_DUPLICATE.value]
        article.save(update_fields=["duplicate_of", "review_reasons"])
    _sync_spans_and_items(article, extraction, resolver=resolver, fresh=True)
    return article


def _sync_spans_and_items(
    article: Article, extraction: ex.Extraction, *, resolver: _People, fresh: bool = False
) -> None:
    """``fresh``: the article was created in this transaction, so it has no rows of its own to match yet."""
    restored = _sync_removed_spans(article, extraction, fresh=fresh)
    _sync_extracted_items(article, extraction, resolver=resolver, fresh=fresh)
    if restored:
        _remap_all(article, _rebuild_body(article))


def _remap_all(article: Article, offsets: OffsetMap) -> None:
    for model, rows in (
        (Quote, article.quotes.all()),
        (Mention, article.mentions.all()),
        (DatedMention, article.dated_mentions.all()),
    ):
        _remap(rows, offsets, model)


def _apply_metadata(article: Article, meta: ex.Metadata, extraction: ex.Extraction) -> None:
    locked = set(article.locked_fields)

    def put(field: str, value: Any) -> None:
        if field not in locked:
            setattr(article, field, value)

    put("title", meta.title)
    put("title_origin", (meta.title_origin or "") if meta.title else "")
    if "published_on" not in locked:
        pub = meta.published_on
        article.published_on = pub.date if pub else None
        article.published_origin = pub.origin.value if pub else ""
        article.published_precision = pub.precision.value if pub else ""
    put("dateline", meta.dateline)
    put("tags", list(meta.tags))
    put("captions", list(meta.captions))
    put("url", meta.url)
    put("language", meta.language)
    if "source" not in locked:
        article.source = source_resolve(slug=meta.source_slug, name=meta.source_name)
        article.source_origin = meta.source_origin.value if article.source and meta.source_origin else ""
    reasons = [r.value for r in meta.review_reasons]
    # Reasons an editor resolved by locking the field stay resolved.
    if "published_on" in locked:
        reasons = [r for r in reasons if r not in ("date_unknown", "date_ambiguous")]
    if "source" in locked:
        reasons = [r for r in reasons if r not in ("outlet_unknown", "outlet_inferred")]
    if "title" in locked:
        reasons = [r for r in reasons if r != "title_missing"]
    if ex.ReviewReason.POSSIBLE_DUPLICATE.value in article.review_reasons:
        reasons.append(ex.ReviewReason.POSSIBLE_DUPLICATE.value)
    article.review_reasons = reasons
    article.suggestions = [
        {"field": s.field, "value": s.value, "evidence": s.evidence, "confidence": s.confidence}
        for s in meta.suggestions
    ]
    article.body = extraction.body
    article.extractor_version = extraction.extractor_version


def _sync_authors(article: Article, meta: ex.Metadata, *, resolver: _People, fresh: bool = False) -> None:
    if "authors" in article.locked_fields:
        return
    people = [resolver.resolve(name=n, kind=Person.Kind.PERSON) for n in meta.authors]
    if not fresh:
        article.authors.set(people)
    elif people:
        # A new article has no authors to compare with: the links go in with one insert.
        through = Article.authors.through
        through.objects.bulk_create(
            [through(article_id=article.pk, person_id=pk) for pk in dict.fromkeys(p.pk for p in people)]
        )
    origin = (meta.authors_origin or "") if meta.authors else ""
    if origin != article.authors_origin:
        article.authors_origin = origin
        Article.objects.filter(pk=article.pk).update(authors_origin=origin)


def _sync_removed_spans(article: Article, extraction: ex.Extraction, *, fresh: bool = False) -> bool:
    """Keep editors' restorations; add and drop the machine's cuts. True when an editor restored any."""
    existing = {} if fresh else {(s.raw_start, s.raw_end): s for s in article.removed_spans.all()}
    wanted = {(s.raw_start, s.raw_end): s for s in extraction.removed_spans}
    dropped = [s.pk for k, s in existing.items() if k not in wanted and not s.restored]
    if dropped:
        RemovedSpan.objects.filter(pk__in=dropped).delete()
    RemovedSpan.objects.bulk_create(
        [
            RemovedSpan(article=article, raw_start=a, raw_end=b, reason=s.reason.value)
            for (a, b), s in wanted.items()
            if (a, b) not in existing
        ]
    )
    return any(s.restored for s in existing.values())


def _rebuild_body(article: Article) -> OffsetMap:
    """Body from the raw text minus the cuts still in force; body offsets of every span follow."""
    cuts = article.removed_spans.filter(restored=False).values_list("raw_start", "raw_end")
    body, segments = build_body(article.raw_text, list(cuts))
    offsets = OffsetMap(segments)
    article.body = body
    Article.objects.filter(pk=article.pk).update(body=body)
    article_fingerprints_sync(article=article)
    return offsets


def _remap(rows: Iterable, offsets: OffsetMap, model) -> None:
    changed = []
    for row in rows:
        start, end = offsets.to_body(row.raw_start), offsets.to_body(row.raw_end)
        if start is None or end is None or start >= end:
            continue
        row.start, row.end = start, end
        changed.append(row)
    model.objects.bulk_update(changed, ["start", "end"])


def _roles_and_forms(
    extraction: ex.Extraction,
) -> tuple[dict[tuple[str, str], set[str]], dict[tuple[str, str], set[str]]]:
    """Each (name, kind) the article's mentions name, with its roles, and with the forms of its name used."""
    roles: dict[tuple[str, str], set[str]] = {}
    forms: dict[tuple[str, str], set[str]] = {}
    for m in extraction.mentions:
        key = (m.name, m.kind.value)
        roles.setdefault(key, set()).update(r for r in m.roles if r)
        forms.setdefault(key, set()).add(m.text)
        forms[key].update(f"{role} {m.name}" for role in m.roles if role[:1].isupper())
    return roles, forms


def _people_of(extraction: ex.Extraction, threshold: float) -> _People:
    """A resolver for every name the article gives a person: authors, people named, speakers, offices."""
    roles, forms = _roles_and_forms(extraction)
    person = ex.EntityKind.PERSON.value
    names = [
        *((name, person) for name in extraction.metadata.authors),
        *roles,
        *((q.speaker, (q.speaker_kind or ex.EntityKind.PERSON).value) for q in extraction.quotes if q.speaker),
        *((q.speaker_office_of, person) for q in extraction.quotes if q.speaker_office_of),
    ]
    return _People(names=names, forms=[f for fs in forms.values() for f in fs], threshold=threshold)


def _sync_extracted_items(
    article: Article, extraction: ex.Extraction, *, resolver: _People, fresh: bool = False
) -> None:
    """Match extracted items to rows on (article, raw offsets); editors' rows win."""
    version = extraction.extractor_version
    people: dict[tuple[str, str], Person] = {}

    # Each person once per article, with every role and every form of the name the article uses. The forms
    # are aliases ("Stoltenberg", "NATO Secretary General Jens Stoltenberg"); a role alone ("the prime
    # minister") is not: it names whoever holds it at the time.
    roles, forms = _roles_and_forms(extraction)

    def person_for(name: str, kind: str, roles: Iterable[str] = ()) -> Person:
        key = (name, kind)
        if key not in people:
            people[key] = resolver.resolve(name=name, kind=kind, roles=roles)
        return people[key]

    for (name, kind), person_roles in roles.items():
        person = person_for(name, kind, sorted(person_roles))
        resolver.add_aliases(person=person, names=sorted(forms[(name, kind)]))

    # Mentions carry no editor state: replace them.
    if not fresh:
        article.mentions.all().delete()
    seen: set[tuple[int, int]] = set()
    mentions = []
    for m in extraction.mentions:
        if (m.raw_start, m.raw_end) in seen or m.start >= m.end:
            continue
        seen.add((m.raw_start, m.raw_end))
        mentions.append(
            Mention(
                article=article,
                person=person_for(m.name, m.kind.value),
                text=m.text,
                start=m.start,
                end=m.end,
                raw_start=m.raw_start,
                raw_end=m.raw_end,
                confidence=m.confidence,
                rule=m.rule,
                extractor_version=version,
            )
        )
    Mention.objects.bulk_create(mentions)

    existing = {} if fresh else {(q.raw_start, q.raw_end): q for q in article.quotes.all()}
    keep: set[int] = set()
    new_quotes: list[Quote] = []
    for q in extraction.quotes:
        if q.start >= q.end:
            continue
        speaker = person_for(q.speaker, (q.speaker_kind or ex.EntityKind.PERSON).value) if q.speaker else None
        # The text says whose office this is; an editor's link (locked) is never replaced.
        if (
            speaker is not None
            and q.speaker_office_of
            and speaker.office_of_id is None
            and "office_of" not in speaker.locked_fields
        ):
            speaker.office_of = person_for(q.speaker_office_of, ex.EntityKind.PERSON.value)
            speaker.save(update_fields=["office_of", "updated_at"])
            resolver.saved(speaker, ["office_of", "updated_at"])
        values = {
            "text": q.text,
            "speaker": speaker,
            "speaker_mention": q.speaker_mention,
            "start": q.start,
            "end": q.end,
            "confidence": q.confidence,
            "rule": q.rule,
            "group": q.group,
            "extractor_version": version,
        }
        row = existing.get((q.raw_start, q.raw_end))
        if row is None:
            new_quotes.append(Quote(article=article, raw_start=q.raw_start, raw_end=q.raw_end, **values))
            continue
        if row.status == Quote.Status.AUTO:
            for field, value in values.items():
                if field not in row.locked_fields:
                    setattr(row, field, value)
            row.save()
        keep.add(row.pk)
    # New quotes in one insert, each with the history row a save would have written.
    keep.update(q.pk for q in bulk_create_with_history(new_quotes, Quote))
    if not fresh:
        # A machine quote the extractor no longer finds goes; an editor's stays.
        article.quotes.filter(status=Quote.Status.AUTO, locked_fields=[]).exclude(pk__in=keep).delete()

    existing_dm = {} if fresh else {(d.raw_start, d.raw_end): d for d in article.dated_mentions.all()}
    by_name = {name: person for (name, _kind), person in people.items()}
    keep_dm: set[int] = set()
    new_dms: list[tuple[DatedMention, list[Person]]] = []
    for d in extraction.dated_mentions:
        if d.start >= d.end:
            continue
        values = {
            "expression": d.expression,
            "date": d.date,
            "end_date": d.end_date if d.date else None,
            "precision": d.precision.value if d.precision and d.date else "",
            "origin": d.origin.value,
            "sentence": d.sentence,
            "sentence_start": d.sentence_start,
            "sentence_end": d.sentence_end,
            "start": d.start,
            "end": d.end,
            "confidence": d.confidence,
            "rule": d.rule,
            "extractor_version": version,
        }
        named = [by_name[n] for n in d.people if n in by_name]
        row = existing_dm.get((d.raw_start, d.raw_end))
        if row is None:
            new_dms.append((DatedMention(article=article, raw_start=d.raw_start, raw_end=d.raw_end, **values), named))
            continue
        if row.status == DatedMention.Status.AUTO:
            for field, value in values.items():
                if field not in row.locked_fields:
                    setattr(row, field, value)
            row.save()
            row.people.set(named)
        keep_dm.add(row.pk)
    if new_dms:
        created = DatedMention.objects.bulk_create([row for row, _ in new_dms])
        keep_dm.update(row.pk for row in created)
        through = DatedMention.people.through
        through.objects.bulk_create(
            [
                through(datedmention_id=row.pk, person_id=person_id)
                for row, named in new_dms
                for person_id in dict.fromkeys(p.pk for p in named)
            ]
        )
    if not fresh:
        article.dated_mentions.filter(status=DatedMention.Status.AUTO, locked_fields=[]).exclude(
            pk__in=keep_dm
        ).delete()


@transaction.atomic
def article_apply_extraction(*, article: Article, extraction: ex.Extraction, match_threshold: float) -> Article:
    """Re-extraction: fill only unlocked fields, keep rejected, verified and locked rows as editors left them."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    body = article.body
    _apply_metadata(article, extraction.metadata, extraction)
    article.save()
    if article.body != body:
        article_fingerprints_sync(article=article)
    resolver = _people_of(extraction, match_threshold)
    _sync_authors(article, extraction.metadata, resolver=resolver)
    _sync_spans_and_items(article, extraction, resolver=resolver)
    return article


def import_run_start(*, command: str, user=None, dry_run: bool = False) -> ImportRun:
    """Open the record of one import."""
    return ImportRun.objects.create(command=command, user=user, dry_run=dry_run)


def import_run_finish(*, run: ImportRun, files: list[dict[str, str]]) -> ImportRun:
    """Close the record of one import with the outcome of each file."""
    run.files = files
    for outcome in ("created", "updated", "unchanged", "failed"):
        setattr(run, outcome, sum(1 for f in files if f["outcome"] == outcome))
    run.finished_at = timezone.now()
    run.save()
    return run


# --- editors' corrections -----------------------------------------------------


def _check_version(row, expected_version: int | None) -> None:
    if expected_version is not None and row.version != expected_version:
        raise ConflictError(
            f"{row._meta.verbose_name.capitalize()} was changed by someone else since you opened it "
            f"(version {expected_version}, now {row.version}); reload and apply your change again."
        )


@transaction.atomic
def article_update(*, article: Article, data: Mapping[str, Any], expected_version: int | None = None) -> Article:
    """An editor's change to an article: saved, locked against re-extraction, versioned."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    _check_version(article, expected_version)
    locked = set(article.locked_fields)
    for field, value in data.items():
        if field == "authors":
            article.authors.set(value)
        else:
            setattr(article, field, value)
        if field in EXTRACTED_ARTICLE_FIELDS:
            locked.add(field)
        if field == "published_on":
            article.published_origin = ex.Origin.EDITOR.value
            article.published_precision = ex.Precision.DAY.value if value else ""
            article.review_reasons = [r for r in article.review_reasons if r not in ("date_unknown", "date_ambiguous")]
        if field == "source":
            article.source_origin = ex.Origin.EDITOR.value if value else ""
            article.review_reasons = [
                r for r in article.review_reasons if r not in ("outlet_unknown", "outlet_inferred")
            ]
        if field == "title":
            article.title_origin = ex.Origin.EDITOR.value
            article.review_reasons = [r for r in article.review_reasons if r != "title_missing"]
    article.locked_fields = sorted(locked)
    article.version += 1
    article.save()
    return article


@transaction.atomic
def quote_update(*, quote: Quote, data: Mapping[str, Any], expected_version: int | None = None) -> Quote:
    """An editor's change to a quote (speaker, text): locked against re-extraction."""
    quote = Quote.objects.select_for_update().get(pk=quote.pk)
    _check_version(quote, expected_version)
    for field, value in data.items():
        setattr(quote, field, value)
    quote.locked_fields = sorted({*quote.locked_fields, *data})
    quote.version += 1
    quote.save()
    return quote


@transaction.atomic
def quote_set_status(*, quote: Quote, status: str, expected_version: int | None = None) -> Quote:
    """Verify or reject a quote; re-extraction leaves it as the editor set it."""
    if status not in Quote.Status.values:
        raise ValueError(f"Unknown quote status {status!r}.")
    quote = Quote.objects.select_for_update().get(pk=quote.pk)
    _check_version(quote, expected_version)
    quote.status = status
    quote.version += 1
    quote.save()
    return quote


@transaction.atomic
def removed_span_restore(*, span: RemovedSpan) -> Article:
    """Put a cut stretch back into the body; every span's body offsets follow, and re-extraction keeps it."""
    article = Article.objects.select_for_update().get(pk=span.article_id)
    span = RemovedSpan.objects.select_for_update().get(pk=span.pk)
    if span.restored:
        return article
    span.restored = True
    span.save(update_fields=["restored"])
    _remap_all(article, _rebuild_body(article))
    # The body changed under any form an editor has open: a stale save must be refused.
    article.version += 1
    article.save(update_fields=["version", "updated_at"])
    return article


@transaction.atomic
def dated_mention_update(*, dated_mention: DatedMention, data: Mapping[str, Any]) -> DatedMention:
    """An editor's correction of a dated mention (its date, precision, status): locked against re-extraction."""
    row = DatedMention.objects.select_for_update().get(pk=dated_mention.pk)
    for field, value in data.items():
        setattr(row, field, value)
    if {"date", "end_date", "precision"} & set(data):
        row.origin = ex.Origin.EDITOR.value
    row.locked_fields = sorted({*row.locked_fields, *(f for f in data if f != "status")})
    row.save()
    return row


@transaction.atomic
def article_publish(*, article: Article, expected_version: int | None = None) -> Article:
    """Make an article public."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    _check_version(article, expected_version)
    article.status = Article.Status.PUBLISHED
    article.withdrawn_reason = ""
    article.version += 1
    article.save()
    return article


@transaction.atomic
def article_withdraw(*, article: Article, reason: str, expected_version: int | None = None) -> Article:
    """Take an article down; the public sees the reason (410) instead of the article."""
    if not reason.strip():
        raise ValueError("A withdrawn article needs a reason the public can read.")
    article = Article.objects.select_for_update().get(pk=article.pk)
    _check_version(article, expected_version)
    article.status = Article.Status.WITHDRAWN
    article.withdrawn_reason = reason.strip()
    article.version += 1
    article.save()
    return article


class NotReviewable(ValueError):
    """The article still has something an editor must settle."""


@transaction.atomic
def article_mark_reviewed(*, article: Article) -> Article:
    """Record that an editor checked the article: allowed once nothing needs review."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.review_reasons:
        raise NotReviewable(f"{article}: still needs review ({', '.join(article.review_reason_labels())}).")
    pending = article.quotes.filter(status=Quote.Status.AUTO).count()
    if pending:
        raise NotReviewable(f"{article}: {pending} quotes are neither verified nor rejected.")
    article.reviewed_at = timezone.now()
    article.version += 1
    article.save()
    return article


@transaction.atomic
def article_accept_suggestion(*, article: Article, index: int) -> Article:
    """Accept one of the machine's suggestions (e.g. a likely date) as if an editor typed it."""
    suggestion = article.suggestions[index]
    value: Any = suggestion["value"]
    if suggestion["field"] == "published_on":
        value = dt.date.fromisoformat(value)
    return article_update(article=article, data={suggestion["field"]: value})


@transaction.atomic
def article_dismiss_duplicate(*, article: Article) -> Article:
    """An editor says the article is not a duplicate: the reason goes and re-extraction does not bring it back."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    reason = ex.ReviewReason.POSSIBLE_DUPLICATE.value
    article.review_reasons = [r for r in article.review_reasons if r != reason]
    article.duplicate_of = None
    article.version += 1
    article.save()
    return article


@transaction.atomic
def story_create(*, title: str, description: str = "") -> Story:
    """Start a story editors will follow, with a unique slug made from its title."""
    return Story.objects.create(title=title, slug=_unique_slug(Story, title), description=description)


@transaction.atomic
def story_add_articles(*, story: Story, articles: Iterable[Article]) -> Story:
    """Put articles into a story (those already in it stay once)."""
    story.articles.add(*articles)
    story.save(update_fields=["updated_at"])  # a history row says who grouped them, and when
    return story


@transaction.atomic
def person_update(*, person: Person, data: Mapping[str, Any], expected_version: int | None = None) -> Person:
    """An editor's change to a person (name, kind, roles, description): locked against re-extraction, versioned."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    _check_version(person, expected_version)
    old_name = person.name
    for field, value in data.items():
        setattr(person, field, value)
    person.locked_fields = sorted({*person.locked_fields, *data})
    person.version += 1
    person.save()
    if person.name != old_name:
        # The importer matches names through aliases: the old name must keep finding this person.
        Alias.objects.filter(person=person, normalized=normalize_name(person.name)).delete()
        person_alias_add(person=person, name=old_name)
    return person


@transaction.atomic
def person_merge(*, survivor: Person, others: Iterable[Person]) -> Person:
    """Merge people into ``survivor``: quotes, mentions, authorship, events and aliases move; old names become aliases.

    The merged rows stay, pointing at the survivor, so their old URLs redirect; re-extraction finds the
    survivor through the aliases, so it never undoes the merge.
    """
    survivor = Person.objects.select_for_update().get(pk=survivor.pk)
    if survivor.merged_into_id:
        raise ValueError(f"{survivor} was itself merged into another person; merge into that one.")
    for other in others:
        if other.pk == survivor.pk:
            continue
        # Every link to a person moves (quotes, mentions, authorship, dated mentions),
        # including those other apps declare (an event's participants, a statement's
        # speaker), which this app must not import. Aliases are merged by name below.
        for relation in Person._meta.related_objects:
            if relation.related_model is Alias:
                continue
            if relation.many_to_many:
                for linked in getattr(other, relation.get_accessor_name()).all():
                    links = getattr(linked, relation.field.name)
                    links.remove(other)
                    links.add(survivor)
            else:
                relation.related_model._base_manager.filter(**{relation.field.name: other}).update(
                    **{relation.field.name: survivor}
                )
        for alias in other.aliases.all():
            person_alias_add(person=survivor, name=alias.name)
        other.aliases.all().delete()
        person_alias_add(person=survivor, name=other.name)
        survivor.roles = [*survivor.roles, *(r for r in other.roles if r not in survivor.roles)]
        other.merged_into = survivor
        other.version += 1
        other.save()
        # Anything that pointed at the loser as a merge target now points at the survivor.
        Person.objects.filter(merged_into=other).update(merged_into=survivor)
    survivor.locked_fields = sorted({*survivor.locked_fields, "merged"})
    survivor.version += 1
    survivor.save()
    return survivor


# --- re-extraction jobs ---------------------------------------------------------
# A job is created here and run by newsarchive's Celery tasks. It is handed to them by
# task name: this app sits below newsarchive in the layers and never imports it.

REEXTRACT_JOB_TASK = "newsarchive.reextract_job"
REEXTRACT_QUEUE = "reextract"
INTERACTIVE_QUEUE = "interactive"
# A job this small is an editor's click: it runs on the interactive queue, ahead of any big batch.
INTERACTIVE_JOB_MAX = 10
SELECTION_KEYS = ("all", "stale", "source", "story", "articles", "published_from", "published_to")
FAILURE_REASON_MAX = 500


class SelectionError(ValueError):
    """A job's selection is malformed, names something unknown, or matches no article."""


class NothingSelected(SelectionError):
    """A well-formed selection that matches no article: there is nothing to do."""


def _as_date(value: Any, key: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise SelectionError(f"{key}: not a date (YYYY-MM-DD): {value!r}") from exc


def job_selection_resolve(*, selection: Mapping[str, Any]) -> tuple[dict[str, Any], list[int]]:
    """A selection, checked and normalised, and the ids of the articles it names, in id order.

    Exactly one kind: ``all``, ``stale`` (extracted by an older extractor than the current one),
    ``source`` (slug), ``story`` (slug), ``articles`` (ids), or ``published_from``/``published_to`` (dates).
    """
    unknown = set(selection) - set(SELECTION_KEYS)
    if unknown:
        raise SelectionError(f"unknown selection: {', '.join(sorted(unknown))}")
    given = {k: v for k, v in selection.items() if v not in (None, False, "", [], ())}
    kinds = {"published" if k.startswith("published_") else k for k in given}
    if len(kinds) != 1:
        raise SelectionError(
            "give exactly one selection: all, stale, source, story, articles, or a published date range"
        )
    articles = Article.objects.all()
    normalized: dict[str, Any]
    if "all" in given:
        normalized = {"all": True}
    elif "stale" in given:
        normalized = {"stale": True}
        articles = articles.stale(EXTRACTOR_VERSION)
    elif "source" in given:
        source = Source.objects.filter(slug=given["source"]).first()
        if source is None:
            raise SelectionError(f"no source with slug {given['source']!r}")
        normalized = {"source": source.slug}
        articles = articles.filter(source=source)
    elif "story" in given:
        story = Story.objects.filter(slug=given["story"]).first()
        if story is None:
            raise SelectionError(f"no story with slug {given['story']!r}")
        normalized = {"story": story.slug}
        articles = articles.filter(stories=story)
    elif "articles" in given:
        try:
            wanted = sorted({int(i) for i in given["articles"]})
        except (TypeError, ValueError) as exc:
            raise SelectionError("articles: a list of article ids") from exc
        missing = set(wanted) - set(Article.objects.filter(pk__in=wanted).values_list("pk", flat=True))
        if missing:
            raise SelectionError(f"no article with id {', '.join(map(str, sorted(missing)))}")
        normalized = {"articles": wanted}
        articles = articles.filter(pk__in=wanted)
    else:
        normalized = {}
        if "published_from" in given:
            start = _as_date(given["published_from"], "published_from")
            normalized["published_from"] = start.isoformat()
            articles = articles.filter(published_on__gte=start)
        if "published_to" in given:
            end = _as_date(given["published_to"], "published_to")
            normalized["published_to"] = end.isoformat()
            articles = articles.filter(published_on__lte=end)
        if normalized.get("published_from", "") > normalized.get("published_to", "9999"):
            raise SelectionError("published_from is after published_to")
    return normalized, list(articles.order_by("pk").values_list("pk", flat=True))


@transaction.atomic
def job_create(*, selection: Mapping[str, Any], user=None, enqueue: bool = True) -> Job:
    """A re-extraction job for the articles ``selection`` names; its task starts once this transaction commits."""
    normalized, ids = job_selection_resolve(selection=selection)
    if not ids:
        raise NothingSelected("no article matches the selection")
    job = Job.objects.create(
        selection=normalized,
        article_ids=ids,
        total=len(ids),
        extractor_version=EXTRACTOR_VERSION,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    # One item per article: its unique key is what makes a task that runs twice count once.
    JobItem.objects.bulk_create([JobItem(job=job, article_id=pk) for pk in ids], batch_size=2000)
    if enqueue:
        transaction.on_commit(lambda: job_enqueue(job=job))
    return job


def job_queue(*, job: Job) -> str:
    """The Celery queue a job's tasks go to: small jobs jump the big batches."""
    return INTERACTIVE_QUEUE if job.total <= INTERACTIVE_JOB_MAX else REEXTRACT_QUEUE


def job_enqueue(*, job: Job) -> None:
    """Hand the job to its task: to the broker, or run in-process when no broker is configured."""
    from celery import current_app  # only enqueuing needs Celery

    current_app.tasks[REEXTRACT_JOB_TASK].apply_async(kwargs={"job_id": job.pk}, queue=job_queue(job=job))


def job_start(*, job: Job) -> list[int]:
    """Mark the job running; the ids of its articles not finished yet (a job sent again resumes)."""
    Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(status=Job.Status.RUNNING)
    pending = job.items.filter(finished_at__isnull=True).order_by("article_id")
    return list(pending.values_list("article_id", flat=True))


def job_item_claim(*, job_id: int, article_id: int) -> JobItem | None:
    """The job's item for the article, locked until the transaction ends; None when finished or gone.

    Call inside a transaction. A second worker on the same item waits here, then finds it finished.
    """
    item = JobItem.objects.select_for_update().filter(job_id=job_id, article_id=article_id).first()
    return item if item is not None and item.finished_at is None else None


@transaction.atomic
def job_item_finish(*, item: JobItem, error: str = "") -> bool:
    """Count one article of a job as done, or failed with ``error``, exactly once; True if it was the last."""
    # Locks are always taken item first, then job, so two workers never wait on each other in a circle.
    item = JobItem.objects.select_for_update().get(pk=item.pk)
    if item.finished_at is not None:
        return False
    job = Job.objects.select_for_update().get(pk=item.job_id)
    now = timezone.now()
    item.finished_at = now
    item.error = error[:FAILURE_REASON_MAX]
    item.save(update_fields=["finished_at", "error"])
    if error:
        job.failed += 1
        job.failures = [*job.failures, {"article": item.article_id, "reason": item.error}]
    else:
        job.done += 1
    finished = job.done + job.failed >= job.total
    if finished:
        job.status = Job.Status.FAILED if job.failed else Job.Status.DONE
        job.finished_at = now
    elif job.status == Job.Status.QUEUED:
        job.status = Job.Status.RUNNING
    job.save(update_fields=["done", "failed", "failures", "status", "finished_at"])
    return finished


def job_items_fail(*, job_id: int, article_ids: Iterable[int], reason: str) -> bool:
    """Count the job's unfinished articles among ``article_ids`` as failed; True if that finished the job."""
    finished = False
    for article_id in article_ids:
        with transaction.atomic():
            item = job_item_claim(job_id=job_id, article_id=article_id)
            if item is not None:
                finished = job_item_finish(item=item, error=reason) or finished
    return finished
