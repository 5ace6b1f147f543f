"""Writes to the timeline: dated mentions merged into events, quotes linked into statements, and editors' work.

The machine places each dated mention on the event of the same happening (timeline.matching says how alike two
mentions are) or on a new event. It never moves what an editor placed (links with origin "editor"), never touches
a verified event's fields, and never changes a field an editor locked.
"""

from __future__ import annotations

import calendar
import contextlib
import copy
import dataclasses
import datetime as dt
import functools
import threading
import time
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q

from articles.models import Article, DatedMention, Mention, Person, Quote
from timeline import matching
from timeline.matching import DateSpan, Profile
from timeline.models import Event, EventMention, Statement, StatementQuote

TITLE_MAX = 80
# Event fields an editor may change; each change locks the field against the machine.
EDITABLE_FIELDS = ("date", "end_date", "precision", "title", "summary", "place", "participants")


class ConflictError(Exception):
    """The event changed since the editor opened it."""


@dataclass(slots=True)
class _Placed:
    """A dated mention as the merging sees it."""

    mention: DatedMention
    sentence: str
    start: int  # of the date expression in ``sentence``
    end: int
    profile: Profile


# --- reading what the merging needs --------------------------------------------------------------------


def _active_person(person_id: int, merged: Mapping[int, int]) -> int:
    return merged.get(person_id, person_id)


# What _placed reads of a dated mention.
_PLACED_FIELDS = ("article", "date", "end_date", "precision", "start", "end", "expression", "sentence")


def _placed(mentions: Iterable[DatedMention], *, person_names: dict[int, str] | None = None) -> dict[int, _Placed]:
    """Profiles of ``mentions``: their sentence cut from the article body and who it names.

    ``person_names`` is filled with the names of the people the articles name, read on the way.
    """
    mentions = [m for m in mentions if m.date is not None]
    article_ids = {m.article_id for m in mentions}
    bodies = dict(Article.objects.filter(pk__in=article_ids).values_list("pk", "body"))
    names: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for article_id, start, end, person_id, merged_into, name, merged_name in Mention.objects.filter(
        article_id__in=article_ids
    ).values_list(
        "article_id", "start", "end", "person_id", "person__merged_into_id", "person__name", "person__merged_into__name"
    ):
        names[article_id].append((start, end, merged_into or person_id))
        if person_names is not None:
            person_names[merged_into or person_id] = merged_name if merged_into else name
    # Body offsets out of step (should not happen): those fall back on the stored sentence and the people stored
    # with it, read together.
    stored_people = _stored_people(
        [m.pk for m in mentions if bodies.get(m.article_id, "")[m.start : m.end] != m.expression]
    )
    placed = {}
    for m in mentions:
        body = bodies.get(m.article_id, "")
        if body[m.start : m.end] == m.expression:
            s, e = matching.sentence_bounds(body, m.start, m.end)
            sentence, start, end = body[s:e], m.start - s, m.end - s
            people = {p for (a, b, p) in names[m.article_id] if a >= s and b <= e}
        else:
            sentence = m.sentence
            start = max(0, sentence.find(m.expression))
            end = start + len(m.expression)
            people = stored_people.get(m.pk, set())
        span = DateSpan.of(m.date, m.end_date, m.precision)
        profile = matching.profile(sentence, start, end, people=people, article=m.article_id, span=span)
        placed[m.pk] = _Placed(m, sentence, start, end, profile)
    return placed


def _stored_people(mention_ids: Collection[int]) -> dict[int, set[int]]:
    """The people stored with each of these dated mentions, as merged, by mention id."""
    if not mention_ids:
        return {}
    people: dict[int, set[int]] = defaultdict(set)
    for mention_id, person_id, merged_into in DatedMention.people.through.objects.filter(
        datedmention_id__in=mention_ids
    ).values_list("datedmention_id", "person_id", "person__merged_into_id"):
        people[mention_id].add(merged_into or person_id)
    return people


def _sentences(ids: Collection[int] | None = None) -> dict[int, tuple[str, frozenset[int]]]:
    """The dated sentences the word counts count (all of them, or those of ``ids`` that still count), by mention id,
    each with the people it names, as merged."""
    rows = DatedMention.objects.exclude(status=DatedMention.Status.REJECTED).order_by()
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    # One row per sentence and person it names (or none): who is named, as merged, and the sentence.
    sentences: dict[int, tuple[str, set[int]]] = {}
    for pk, sentence, person_id, merged_into in rows.values_list("pk", "sentence", "people", "people__merged_into"):
        people = sentences.setdefault(pk, (sentence, set()))[1]
        if person_id is not None:
            people.add(merged_into or person_id)
    return {pk: (sentence, frozenset(people)) for pk, (sentence, people) in sentences.items()}


# Kept counts are read whole again after this long. The change log keeps what is older than a day only for
# transactions still open, so a batch's counts never wait for a row the log let go.
FULL_READ_EVERY = 12 * 3600  # seconds
CHANGES_KEPT = "1 day"


@dataclass(slots=True)
class _Counts:
    """The word counts a batch keeps between articles, and how far they have read the archive's changes."""

    vocabulary: matching.Vocabulary
    # PostgreSQL: the oldest transaction still open at the last read. Only transactions from it on can have
    # changed a sentence since (its log rows have their transaction's id).
    seen_from: str | None = None
    # Mentions logged by our own transaction, counted before it commits: read again, as it may yet roll back
    # (an import's file that fails, with its savepoint).
    uncommitted: set[int] = dataclasses.field(default_factory=set)
    read_at: float = 0.0  # time.monotonic() of the last whole read


def _vocabulary() -> matching.Vocabulary:
    """Word, phrase and people frequencies over every dated sentence of the archive."""
    counts: _Counts | None = getattr(_batch, "counts", None)
    if counts is None:
        return matching.Vocabulary(_sentences().values())
    if connection.vendor != "postgresql":
        # Kept counts are checked against every sentence: only the sentences new or changed are counted again.
        counts.vocabulary.sync(_sentences())
        return counts.vocabulary
    # On PostgreSQL, triggers log the mentions whose sentence may count differently (migration
    # timeline/0004_sentence_changes): only those are read again. The snapshot's oldest open transaction is taken
    # before anything is read, so a change committed after these reads comes from it or a later one.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text, pg_current_xact_id_if_assigned()::text")
        oldest_open, own = cursor.fetchone()
        logged: list[tuple[int | None, str]] = []
        whole = counts.seen_from is None or time.monotonic() - counts.read_at > FULL_READ_EVERY
        if not whole:
            cursor.execute(
                "SELECT dated_mention_id, xid::text FROM timeline_sentence_change WHERE xid >= %s::xid8",
                [counts.seen_from],
            )
            logged = cursor.fetchall()
            whole = any(pk is None for pk, _ in logged)  # a TRUNCATE
        if whole:
            # The log's old rows of finished transactions go; rows another batch is deleting are left to it.
            cursor.execute(
                "DELETE FROM timeline_sentence_change WHERE ctid = ANY(ARRAY("
                "SELECT ctid FROM timeline_sentence_change WHERE xid < pg_snapshot_xmin(pg_current_snapshot())"
                f" AND logged_at < now() - interval '{CHANGES_KEPT}' FOR UPDATE SKIP LOCKED))"
            )
            if own is not None:
                cursor.execute(
                    "SELECT dated_mention_id, xid::text FROM timeline_sentence_change WHERE xid = %s::xid8", [own]
                )
                logged = cursor.fetchall()
            counts.vocabulary.sync(_sentences())
            counts.read_at = time.monotonic()
        else:
            ids = {pk for pk, _ in logged} | counts.uncommitted
            if ids:
                current = _sentences(ids)
                counts.vocabulary.update({pk: current.get(pk) for pk in ids})
    counts.seen_from = oldest_open
    counts.uncommitted = {pk for pk, xid in logged if pk is not None and xid == own}
    return counts.vocabulary


_batch = threading.local()
_kept = threading.local()


@contextlib.contextmanager
def merging_batch(*, keep: bool = False) -> Iterator[None]:
    """Merge many articles in a row (an import): word counts are kept between them, not recounted for each.

    The counts follow every change to the archive's dated sentences, so they are never stale; they live in
    this thread until the block ends. ``keep``: they outlive the block, and this thread's next kept block starts
    from them (a worker process between its tasks), reading only what changed since; the price is their memory,
    every dated sentence of the archive.
    """
    previous = getattr(_batch, "counts", None)
    counts = previous
    if counts is None and keep:
        counts = getattr(_kept, "counts", None)
        if counts is None:
            counts = _kept.counts = _Counts(matching.Vocabulary())
    _batch.counts = counts or _Counts(matching.Vocabulary())
    try:
        yield
    finally:
        _batch.counts = previous


def _person_names(ids: Iterable[int]) -> dict[int, str]:
    return dict(Person.objects.filter(pk__in=set(ids)).values_list("pk", "name"))


def _candidate_events(spans: Iterable[DateSpan]) -> Q | None:
    """The reports of events whose date may be compatible with one of ``spans`` (a day of slack for adjacent days),
    as a condition on event mentions; None when there are no spans.

    A condition, not ids: on a large timeline these are hundreds of events for every article, and few of them
    take a mention; their reports are read in the same query.
    """
    condition = Q()
    for span in spans:
        # An event's stored date is its start; its end is at most a year later (a year-precision date).
        condition |= Q(
            event__date__gte=span.start - dt.timedelta(days=366), event__date__lte=span.end + dt.timedelta(days=1)
        )
    if not condition:
        return None
    return condition & Q(event__date__isnull=False)


def _agreeing_dates(spans: Iterable[DateSpan]) -> Q:
    """Dated mentions whose date may agree with one of ``spans`` (matching.date_agreement: overlapping, or a day
    apart), as a condition on the columns a DateSpan is made of. It holds for every mention that agrees, and for a
    few that do not; each of its branches is a short range of an index (migration articles/0010)."""
    day = dt.timedelta(days=1)
    condition = Q()
    for span in spans:
        low, high = span.start - day, span.end + day
        last = calendar.monthrange(high.year, high.month)[1]
        condition |= (
            # An explicit range: its end is never before its start (a constraint), and DateSpan.of uses it.
            Q(end_date__isnull=False, end_date__gte=low, date__lte=high)
            # Else the whole year or month of the date, or the day.
            | Q(precision="year", date__gte=dt.date(low.year, 1, 1), date__lte=dt.date(high.year, 12, 31))
            | Q(precision="month", date__gte=low.replace(day=1), date__lte=high.replace(day=last))
            | Q(precision="day", date__gte=low, date__lte=high)
        )
    return condition


def _may_take(reports: list[tuple[int, DateSpan | None]], spans: list[DateSpan]) -> bool:
    """Whether an event with these reports (mention id, date) could take a mention dated one of ``spans``.

    A mention joins an event only if every dated report's date agrees with its own (see _event_verdict):
    the events no mention could join need no profiles.
    """
    dated = [span for _, span in reports if span is not None]
    return bool(dated) and any(all(matching.date_agreement(s, d) is not None for d in dated) for s in spans)


# --- the machine's merging -----------------------------------------------------------------------------


@transaction.atomic(savepoint=False)
def article_attach(*, article: Article, fresh: bool = False) -> None:
    """events_attach, then statements_attach: the article's dated mentions and quotes placed on the timeline.

    Joins the caller's transaction (no savepoint of its own): the import runs it inside one per file.
    ``fresh``: the article was created in this transaction, so none of its items was on an event or a statement
    and nothing can be left without reports: the whole-timeline prunes, which grow with the archive, are skipped.
    """
    _events_attach(article, prune=not fresh)
    _statements_attach(article, prune=not fresh)


@transaction.atomic
def events_attach(*, article: Article) -> list[Event]:
    """Place the article's dated mentions on the events they report, creating events for new happenings.

    Idempotent: run again, it changes nothing. Undated mentions stay off the timeline (listed apart) until
    their date is known; a mention whose date changed leaves an event it no longer fits.
    """
    return _events_attach(article)


def _events_attach(article: Article, *, prune: bool = True) -> list[Event]:
    mentions = list(article.dated_mentions.select_related("event_link__event").order_by("start", "pk"))
    detached = _detach_what_no_longer_fits(mentions)
    # The article's links that stay, read off the rows above.
    kept = {
        m.pk: link.event_id
        for m in mentions
        if (link := getattr(m, "event_link", None)) is not None and m.pk not in detached
    }
    todo = [m for m in mentions if m.date is not None and m.status != DatedMention.Status.REJECTED and m.pk not in kept]
    touched: set[int] = set(kept.values())
    created: list[Event] = []
    refreshed: list[Event] = []
    placed: dict[int, _Placed] = {}
    if todo:
        spans = [DateSpan.of(m.date, m.end_date, m.precision) for m in todo]
        candidates = _candidate_events(spans)
        # The candidate events' reports, first as dates only: the mentions of events none of these could join
        # are not read. (An event without reports takes no mention: see _event_verdict.) Only events with a report
        # whose date may agree with a new one are read: an event takes a mention only if all its dated reports agree
        # (_may_take), and on a large timeline the year of events around a date has thousands of reports.
        agreeing = (
            DatedMention.objects.filter(_agreeing_dates(spans))
            .exclude(status=DatedMention.Status.REJECTED)
            .values("pk")
        )
        events = EventMention.objects.filter(candidates or Q(pk__in=[]), dated_mention__in=agreeing).values("event_id")
        reports: dict[int, list[tuple[int, DateSpan | None]]] = defaultdict(list)
        for event_id, mention_id, date, end_date, precision in (
            EventMention.objects.filter(event_id__in=events)
            .exclude(dated_mention__status=DatedMention.Status.REJECTED)
            .order_by("event_id", "id")
            .values_list(
                "event_id",
                "dated_mention_id",
                "dated_mention__date",
                "dated_mention__end_date",
                "dated_mention__precision",
            )
        ):
            reports[event_id].append((mention_id, DateSpan.of(date, end_date, precision) if date else None))
        reports = {event_id: rows for event_id, rows in reports.items() if _may_take(rows, spans)}
        # The fields _placed reads only: these mentions are compared, not shown or saved.
        others = DatedMention.objects.only(*_PLACED_FIELDS).in_bulk(
            [mention_id for rows in reports.values() for mention_id, _ in rows]
        )
        # One read of bodies and names for the new mentions and the events' reports together.
        names: dict[int, str] = {}
        placed = _placed([*todo, *others.values()], person_names=names)
        placed_new = {m.pk: placed[m.pk] for m in todo}
        members: dict[int, list[_Placed]] = defaultdict(list)
        for event_id, rows in reports.items():
            for mention_id, _span in rows:
                if mention_id in placed:
                    members[event_id].append(placed[mention_id])
        vocabulary = _vocabulary()
        named = {p for x in placed.values() for p in x.profile.people}
        if named - names.keys():
            # Only a mention whose offsets are out of step names someone not read above.
            names = {**_person_names(named), **names}

        proposals = []
        comparer = matching.Comparer(vocabulary, names=names)
        for new in placed_new.values():
            # Only events with dated reports may take a mention (_event_verdict): the others are not scored.
            for event_id, event_members in members.items():
                verdict = _event_verdict(new, event_members, comparer)
                if verdict is not None and verdict.score >= matching.THRESHOLD:
                    proposals.append((verdict.score, new.mention.pk, event_id, verdict))
        # Best pairs first; an event takes at most one mention of this article: one article reports a
        # happening once, and two dates in one article are two happenings (the editor can still merge them).
        taken: set[int] = set()
        filled: set[int] = set()
        new_links: list[EventMention] = []
        for score, mention_id, event_id, verdict in sorted(proposals, key=lambda p: (-p[0], p[1], p[2])):
            if mention_id in taken or event_id in filled:
                continue
            new_links.append(
                EventMention(
                    event_id=event_id,
                    dated_mention=placed_new[mention_id].mention,
                    score=score,
                    reasons=list(verdict.reasons),
                )
            )
            taken.add(mention_id)
            filled.add(event_id)
            touched.add(event_id)
        first_reports = [x for mention_id, x in placed_new.items() if mention_id not in taken]
        created, refreshed = _events_create(first_reports, new_links)
    # Events this article reports are brought up to date too: its sentences or dates may have changed.
    _refresh_events(touched, placed=placed)
    # The new events were born refreshed; their refresh's history row comes now, after the older events'
    # (event_refresh goes in id order).
    _event_history().bulk_history_create(refreshed, update=True, default_change_reason=None)
    if prune:
        # Not only the events this article's mentions left: re-extraction may have deleted mentions, and
        # their links with them.
        events_prune()
    return created


@functools.cache
def _event_history() -> Any:
    """Event.history, read once: simple_history builds a new manager class on every read of it."""
    return Event.history


def _events_create(first_reports: list[_Placed], links: list[EventMention]) -> tuple[list[Event], list[Event]]:
    """A new event for each of ``first_reports``, with ``links`` (to existing events) and theirs inserted after.

    Each event is written once, as event_refresh would leave it, with the created row's history (date and
    precision). Returns the events, and those whose refresh changed something: the caller writes their
    refreshed row's history, as a refresh would have.
    """
    born, people, refreshed = [], [], []
    for x in first_reports:
        event = Event(date=x.mention.date, precision=x.mention.precision)
        born.append(copy.copy(event))
        link = EventMention(event=event, dated_mention=x.mention, score=1.0, reasons=["first report of this happening"])
        changed, participants = _refreshed(event, [link], [x])
        if changed:
            refreshed.append(event)
        people.append(participants or set())
        links.append(link)
    events = Event.objects.bulk_create([link.event for link in links[len(links) - len(first_reports) :]])
    for event, first in zip(events, born, strict=True):
        first.pk, first.created_at, first.updated_at = event.pk, event.created_at, event.updated_at
    # As a save writes them (no change reason), not as bulk_history_create would by default ("").
    _event_history().bulk_history_create(born, default_change_reason=None)
    EventMention.objects.bulk_create(links)
    through = Event.participants.through
    through.objects.bulk_create(
        [through(event_id=e.pk, person_id=p) for e, ps in zip(events, people, strict=True) for p in ps]
    )
    return events, refreshed


def _event_verdict(placed: _Placed, members: list[_Placed], comparer: matching.Comparer) -> matching.Match | None:
    """The best match of ``placed`` with the event's mentions, or None if it may not join the event."""
    if not members or any(m.mention.article_id == placed.mention.article_id for m in members):
        return None
    scores = [comparer.score(placed.profile, m.profile) for m in members]
    # Every report of the event must allow the date, not just the closest one.
    if any(v.agreement is None for v in scores):
        return None
    spans = [m.profile.span for m in members] + [placed.profile.span]
    if matching.combine_dates(s for s in spans if s is not None) is None:
        return None
    # The reasons are written out for the best report only (the first of equal scores).
    best = max(range(len(members)), key=lambda i: scores[i].score)
    return comparer.compare(placed.profile, members[best].profile)


def _detach_what_no_longer_fits(mentions: list[DatedMention]) -> set[int]:
    """Machine links of mentions now rejected, undated, or dated apart from the rest of their event go.

    Returns the ids of the mentions whose link went.
    """
    checked = [
        (mention, link)
        for mention in mentions
        if (link := getattr(mention, "event_link", None)) is not None
        and link.origin != EventMention.Origin.EDITOR
        and link.event.status != Event.Status.VERIFIED
    ]
    if not checked:
        return set()
    dated = {link.event_id for m, link in checked if m.status != DatedMention.Status.REJECTED and m.date is not None}
    reports: dict[int, list[EventMention]] = defaultdict(list)
    # The other reports of every event concerned, in one read.
    for other in EventMention.objects.filter(event_id__in=dated, dated_mention__date__isnull=False).select_related(
        "dated_mention"
    ):
        reports[other.event_id].append(other)
    gone: set[int] = set()
    detached: set[int] = set()
    for mention, link in checked:
        fits = mention.status != DatedMention.Status.REJECTED and mention.date is not None
        if fits:
            span = DateSpan.of(mention.date, mention.end_date, mention.precision)
            for other in reports[link.event_id]:
                if other.pk == link.pk or other.pk in gone:
                    continue
                o = other.dated_mention
                if matching.date_agreement(span, DateSpan.of(o.date, o.end_date, o.precision)) is None:
                    fits = False
                    break
        if not fits:
            gone.add(link.pk)
            detached.add(mention.pk)
    if gone:
        EventMention.objects.filter(pk__in=gone).delete()
    return detached


def _representative(placed: list[_Placed]) -> _Placed:
    """The report an event takes its title from: the most precise date, then the surest, then the first."""
    return min(
        placed,
        key=lambda p: (
            matching.PRECISION_RANK.get(p.mention.precision, 3),
            -p.mention.confidence,
            p.mention.article.published_on or dt.date.max,
            # Natural keys, not row ids: re-extraction on several workers creates rows in no set order.
            p.mention.article_id,
            p.mention.raw_start,
        ),
    )


@transaction.atomic
def event_refresh(*, event: Event) -> Event:
    """Recompute an event's date, title, summary, place and participants from its reports.

    Verified events and locked fields stay as editors left them. Saves only when something changed.
    """
    event = Event.objects.select_for_update().get(pk=event.pk)
    _refresh_locked([event])
    return event


def _refresh_events(ids: Iterable[int], *, placed: Mapping[int, _Placed] | None = None) -> None:
    """event_refresh for many events (call inside a transaction): locked in id order, read and written together.

    ``placed``: profiles of dated mentions already made in this transaction (their article and names unchanged).
    """
    ids = set(ids)
    if ids:
        _refresh_locked(list(Event.objects.select_for_update().filter(pk__in=ids).order_by("pk")), placed=placed)


# What a refresh reads of an event's links: the mentions as _placed, _representative and _date_values read them.
_REFRESH_FIELDS = (
    "event",
    "dated_mention",
    *(f"dated_mention__{name}" for name in (*_PLACED_FIELDS, "confidence", "raw_start")),
    *(f"dated_mention__article__{name}" for name in ("published_on", "title", "original_filename")),
)


def _refresh_locked(events: list[Event], *, placed: Mapping[int, _Placed] | None = None) -> None:
    events = [e for e in events if e.status != Event.Status.VERIFIED]
    if not events:
        return
    ids = [e.pk for e in events]
    links: dict[int, list[EventMention]] = defaultdict(list)
    for link in (
        EventMention.objects.filter(event_id__in=ids)
        .exclude(dated_mention__status=DatedMention.Status.REJECTED)
        .select_related("dated_mention__article")
        .only(*_REFRESH_FIELDS)
        .order_by("event_id", "id")
    ):
        links[link.event_id].append(link)
    known = placed or {}
    placed_all = _placed(
        link.dated_mention
        for event_links in links.values()
        for link in event_links
        if link.dated_mention_id not in known
    )
    for event_links in links.values():
        for link in event_links:
            if link.dated_mention_id in known:
                placed_all[link.dated_mention_id] = dataclasses.replace(
                    known[link.dated_mention_id], mention=link.dated_mention
                )
    through = Event.participants.through
    current: dict[int, set[int]] = defaultdict(set)
    for event_id, person_id in through.objects.filter(event_id__in=ids).values_list("event_id", "person_id"):
        current[event_id].add(person_id)
    dropped = Q()
    added: list[Any] = []
    for event in events:
        event_links = links[event.pk]
        placed = [placed_all[link.dated_mention_id] for link in event_links if link.dated_mention_id in placed_all]
        changed, people = _refreshed(event, event_links, placed)
        if changed:
            event.save(update_fields=[*changed, "updated_at"])
        if people is not None:
            if current[event.pk] - people:
                dropped |= Q(event_id=event.pk, person_id__in=current[event.pk] - people)
            added.extend(through(event_id=event.pk, person_id=p) for p in people - current[event.pk])
    if dropped:
        through.objects.filter(dropped).delete()
    if added:
        through.objects.bulk_create(added)


def _refreshed(event: Event, links: list[EventMention], placed: list[_Placed]) -> tuple[list[str], set[int] | None]:
    """Set on ``event`` what its reports (``links``, the dated ones ``placed``) say, but in fields an editor locked.

    Returns the fields changed, and the participants it should have (None when an editor set them).
    """
    values: dict[str, Any] = {}
    if placed:
        values.update(_date_values(placed))
        main = _representative(placed)
        values["title"] = matching.clause_title(main.sentence, main.start, main.end, TITLE_MAX)
        values["summary"] = " ".join(main.sentence.split())
        values["place"] = matching.place_in(main.sentence, main.start, main.end)
    elif links:
        values.update(date=None, end_date=None, precision="", date_note="")
        undated = links[0].dated_mention
        at = max(0, undated.sentence.find(undated.expression))
        values["title"] = matching.clause_title(undated.sentence, at, at + len(undated.expression), TITLE_MAX)
        values["summary"] = " ".join(undated.sentence.split())
    locked = set(event.locked_fields)
    if {"date", "end_date", "precision"} & locked:
        # A date is one value in three fields: an editor who set any of them set the date.
        for name in ("date", "end_date", "precision", "date_note"):
            values.pop(name, None)
    changed = [name for name, value in values.items() if name not in locked and getattr(event, name) != value]
    for name in changed:
        setattr(event, name, values[name])
    if "participants" in locked:
        return changed, None
    return changed, {p for x in placed for p in x.profile.people}


def _date_values(placed: list[_Placed]) -> dict[str, Any]:
    dated = [p for p in placed if p.profile.span is not None]
    spans = [p.profile.span for p in dated]
    combined = matching.combine_dates(spans)
    exact = len(set(spans)) == 1
    if combined is None:
        # Only an editor's link can join reports that disagree: show the main report's date and say so.
        main = _representative(dated)
        combined = main.profile.span
        note = "Its reports disagree on the date; shown: the date of the most precise one."
    elif exact or len(dated) == 1:
        note = ""
    else:
        label = matching.format_date(combined.start, combined.precision, _end_for(combined))
        sources = "; ".join(
            f"{_article_label(p.mention.article)}: “{p.mention.expression}”"
            for p in sorted(
                dated,
                key=lambda p: (
                    matching.PRECISION_RANK.get(p.mention.precision, 3),
                    p.mention.article_id,
                    p.mention.raw_start,
                ),
            )
        )
        note = f"{label} is the most precise date all {len(dated)} reports allow ({sources})."[:500]
    return {
        "date": combined.start,
        "end_date": _end_for(combined),
        "precision": combined.precision,
        "date_note": note,
    }


def _end_for(span: DateSpan) -> dt.date | None:
    natural = DateSpan.of(span.start, None, span.precision).end
    return span.end if span.end != natural and span.end > span.start else None


def _article_label(article: Article) -> str:
    title = article.title or article.original_filename
    return title if len(title) <= 50 else title[:49].rsplit(" ", 1)[0] + "…"


def events_prune() -> int:
    """Delete machine events that no dated mention reports any more (editors' events stay)."""
    deleted, _ = Event.objects.filter(status=Event.Status.AUTO, event_mentions__isnull=True, locked_fields=[]).delete()
    return deleted


@transaction.atomic
def events_rebuild(*, articles: Iterable[Article] | None = None) -> int:
    """Place every unplaced dated mention, article by article in publication order; returns events created."""
    queryset = Article.objects.all() if articles is None else Article.objects.filter(pk__in=[a.pk for a in articles])
    created = 0
    with merging_batch():
        for article in queryset.order_by("published_on", "pk"):
            created += len(events_attach(article=article))
    return created


# --- editors' work -------------------------------------------------------------------------------------


def _check_version(event: Event, expected_version: int | None) -> None:
    if expected_version is not None and event.version != expected_version:
        raise ConflictError(
            f"Event {event.pk} was changed by someone else since you opened it "
            f"(version {expected_version}, now {event.version}); reload and apply your change again."
        )


@transaction.atomic
def event_update(*, event: Event, data: Mapping[str, Any], expected_version: int | None = None) -> Event:
    """An editor's change to an event: saved, locked against the machine, versioned."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    _check_version(event, expected_version)
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}.")
    for name, value in data.items():
        if name == "participants":
            event.participants.set(value)
        else:
            setattr(event, name, value)
    if {"date", "precision"} & set(data):
        event.date_note = "Date set by an editor."
        if event.date is None:
            event.precision = ""
        elif not event.precision:
            event.precision = "day"
    event.locked_fields = sorted({*event.locked_fields, *data})
    event.version += 1
    event.full_clean(exclude=["participants"])
    event.save()
    return event


@transaction.atomic
def event_verify(*, event: Event) -> Event:
    """An editor confirms an event: the machine no longer changes it or takes mentions from it."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    event.status = Event.Status.VERIFIED
    event.version += 1
    event.save()
    return event


@transaction.atomic
def event_merge(*, events: Iterable[Event], survivor: Event | None = None) -> Event:
    """Merge events into one (the oldest, unless ``survivor`` is given); the machine never undoes it."""
    events = sorted({e.pk: e for e in events}.values(), key=lambda e: e.pk)
    if survivor is None:
        if not events:
            raise ValueError("Nothing to merge.")
        survivor = events[0]
    survivor = Event.objects.select_for_update().get(pk=survivor.pk)
    others = [e for e in events if e.pk != survivor.pk]
    for other in others:
        EventMention.objects.filter(event=other).update(event=survivor, origin=EventMention.Origin.EDITOR)
        survivor.participants.add(*other.participants.all())
    # The links already on the survivor are the editor's choice now too.
    survivor.event_mentions.update(origin=EventMention.Origin.EDITOR)
    Event.objects.filter(pk__in=[o.pk for o in others]).delete()
    survivor.locked_fields = sorted({*survivor.locked_fields, "merged"})
    survivor.version += 1
    survivor.save()
    return event_refresh(event=survivor)


@transaction.atomic
def event_split(*, event: Event, mentions: Iterable[DatedMention]) -> Event:
    """Move some of an event's mentions to a new event; the machine never joins the two again."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    ids = {m.pk for m in mentions}
    links = event.event_mentions.filter(dated_mention_id__in=ids)
    if not ids or links.count() != len(ids):
        raise ValueError("Split off only mentions of this event.")
    if links.count() == event.event_mentions.count():
        raise ValueError("Leave at least one mention on the event.")
    new = Event.objects.create(locked_fields=["split"])
    links.update(event=new, origin=EventMention.Origin.EDITOR)
    event.event_mentions.update(origin=EventMention.Origin.EDITOR)
    event.locked_fields = sorted({*event.locked_fields, "split"})
    event.version += 1
    event.save()
    event_refresh(event=event)
    return event_refresh(event=new)


@transaction.atomic
def event_mention_link(*, event: Event, mention: DatedMention) -> EventMention:
    """An editor puts a mention (dated or not) on an event, moving it from wherever it was."""
    link, _ = EventMention.objects.update_or_create(
        dated_mention=mention,
        defaults={
            "event": event,
            "origin": EventMention.Origin.EDITOR,
            "score": 1.0,
            "reasons": ["linked by an editor"],
        },
    )
    event_refresh(event=event)
    events_prune()
    return link


# --- after a batch of re-extraction (newsarchive's jobs) ------------------------------------------------


@transaction.atomic
def events_replace(*, articles: Iterable[Article]) -> int:
    """Place the articles' dated mentions afresh, in publication order; returns the events created.

    Workers re-extract a batch in no set order, and two of them may each open an event for the same
    happening at once; placing the batch again in one order makes the timeline what one in-order run
    makes. Only the machine's placements go: editors' links, verified events and locked events stay.
    """
    articles = list(articles)
    placed = EventMention.objects.filter(
        dated_mention__article__in=[a.pk for a in articles], origin=EventMention.Origin.AUTO
    ).exclude(event__status=Event.Status.VERIFIED)
    left = set(placed.values_list("event_id", flat=True))
    placed.delete()
    events_prune()
    created = events_rebuild(articles=articles)
    # Events that other articles still report lost these mentions: their dates and titles follow.
    for event in Event.objects.filter(pk__in=left).order_by("pk"):
        event_refresh(event=event)
    return created


# --- statements: the same words of one speaker in several articles ----------------------------------------
#
# Every quote with a speaker sits on one statement (most on a statement of their own). The machine places a
# quote on the statement of the same speaker whose reports say the same words at a compatible time, or on a
# new one. It never moves what an editor placed (links with origin "editor").

FIRST_REPORT = "first report of these words"


# What _quote_profiles, _placeable and _statement_values read of a statement's quotes.
_LINKED_QUOTE_FIELDS = (
    "statement",
    "quote",
    *(f"quote__{name}" for name in ("text", "status", "raw_start", "speaker", "article", "speaker__merged_into")),
    *(f"quote__article__{name}" for name in ("published_on", "published_precision", "title", "original_filename")),
)


# What placing an article's quotes reads of them: their profiles and values, speakers' names, links.
_OWN_QUOTE_FIELDS = (
    *(name.removeprefix("quote__") for name in _LINKED_QUOTE_FIELDS if name.startswith("quote__")),
    "speaker__name",
    "speaker__merged_into__name",
    *(f"statement_link__{name}" for name in ("statement", "quote", "score", "reasons", "origin")),
)


def _quote_profiles(quotes: Iterable[Quote]) -> dict[int, matching.QuoteProfile]:
    """Profiles of ``quotes`` (each with its article loaded): words, active speaker, when it was probably said."""
    quotes = list(quotes)
    spoken = [q for q in quotes if q.speaker_id]
    if all(Quote.speaker.is_cached(q) for q in spoken):
        # The speakers came with the quotes (select_related): who was merged into whom is known.
        merged = {q.speaker_id: q.speaker.merged_into_id for q in spoken if q.speaker.merged_into_id}
    else:
        merged = dict(
            Person.objects.filter(pk__in={q.speaker_id for q in spoken}, merged_into__isnull=False).values_list(
                "pk", "merged_into_id"
            )
        )
    profiles = {}
    for quote in quotes:
        article = quote.article
        profiles[quote.pk] = matching.QuoteProfile(
            words=matching.normalize_quote(quote.text),
            speaker=_active_person(quote.speaker_id, merged) if quote.speaker_id else None,
            article=quote.article_id,
            said=matching.said_within(article.published_on, article.published_precision),
            label=_article_label(article),
            published=matching.format_date(article.published_on, article.published_precision)
            if article.published_on
            else "",
        )
    return profiles


def _reported_near(profiles: Iterable[matching.QuoteProfile]) -> Q:
    """Statements first reported near one of ``profiles`` (all, if one is undated): not a speaker's every year."""
    condition = Q(first_reported_on__isnull=True)
    for profile in profiles:
        if profile.said is None:
            return Q()
        # A report's stored date is its first day; at year precision the report may end a year later.
        condition |= Q(
            first_reported_on__gte=profile.said.start - dt.timedelta(days=366),
            first_reported_on__lte=profile.said.end + dt.timedelta(days=matching.STATEMENT_LOOKBACK_DAYS),
        )
    return condition


def _placeable(quote: Quote) -> bool:
    return quote.speaker_id is not None and quote.status != Quote.Status.REJECTED


def _statement_verdict(
    profile: matching.QuoteProfile, members: list[matching.QuoteProfile], speaker_name: str
) -> matching.Match | None:
    """The best match of a quote with a statement's reports, or None if it may not join the statement."""
    if not members or any(m.article == profile.article for m in members):
        return None  # one article reports a statement once; its repeats are another matter (duplicates)
    verdicts = [matching.compare_quotes(profile, m, speaker_name=speaker_name) for m in members]
    # Every report must allow it (same speaker, a compatible date), not just the most alike one.
    if any(v.agreement is None for v in verdicts):
        return None
    return max(verdicts, key=lambda v: v.score)


def _statement_members(statements: Iterable[Statement]) -> dict[int, dict[int, matching.QuoteProfile]]:
    """statement id -> {quote id: profile} of its quotes that count (rejected or speakerless ones do not)."""
    links = list(
        StatementQuote.objects.filter(statement__in=list(statements))
        .select_related("quote__article", "quote__speaker")
        .only(*_LINKED_QUOTE_FIELDS)
        .order_by("pk")
    )
    profiles = _quote_profiles(link.quote for link in links if _placeable(link.quote))
    members: dict[int, dict[int, matching.QuoteProfile]] = defaultdict(dict)
    for link in links:
        if link.quote_id in profiles:
            members[link.statement_id][link.quote_id] = profiles[link.quote_id]
    return members


def _detach_quotes_that_no_longer_fit(quotes: list[Quote]) -> set[int]:
    """Machine links of quotes now rejected, speakerless or unlike their statement go; the others are rescored.

    Returns the ids of the links that went.
    """
    links = [q.statement_link for q in quotes if getattr(q, "statement_link", None) is not None]
    links = [link for link in links if link.origin == StatementQuote.Origin.AUTO]
    gone: set[int] = set()
    if not links:
        return gone
    members = _statement_members({link.statement for link in links})
    own = _quote_profiles(q for q in quotes if _placeable(q))
    names = _person_names(p.speaker for p in own.values())
    for link in links:
        profile = own.get(link.quote_id)
        others = [p for pk, p in members.get(link.statement_id, {}).items() if pk != link.quote_id]
        if profile is None:
            gone.add(link.pk)
            link.delete()
            continue
        if not others:
            continue
        verdict = _statement_verdict(profile, others, names.get(profile.speaker, ""))
        if verdict is None or verdict.score < matching.STATEMENT_THRESHOLD:
            gone.add(link.pk)
            link.delete()
        elif link.reasons != [FIRST_REPORT] and (link.score, link.reasons) != (verdict.score, list(verdict.reasons)):
            link.score, link.reasons = verdict.score, list(verdict.reasons)
            link.save(update_fields=["score", "reasons"])
    return gone


@transaction.atomic
def statements_attach(*, article: Article) -> list[Statement]:
    """Place the article's quotes on the statements they report, creating statements for new words.

    Idempotent: run again, it changes nothing. A quote the machine left on a statement of its own is looked
    at again (a report imported later, or a speaker merged since, may be the same statement); a quote an
    editor placed never moves.
    """
    return _statements_attach(article)


def _statements_attach(article: Article, *, prune: bool = True) -> list[Statement]:
    quotes = list(
        article.quotes.select_related("article", "statement_link__statement", "speaker__merged_into")
        .only(*_OWN_QUOTE_FIELDS)
        .order_by("start", "pk")
    )
    gone = _detach_quotes_that_no_longer_fit(quotes)
    links: dict[int, StatementQuote] = {}
    if any((link := getattr(q, "statement_link", None)) is not None and link.pk not in gone for q in quotes):
        links = {
            link.quote_id: link
            for link in StatementQuote.objects.filter(quote__article=article).annotate(
                size=Count("statement__statement_quotes")
            )
        }
    todo = [
        q
        for q in quotes
        if _placeable(q)
        and (q.pk not in links or (links[q.pk].origin == StatementQuote.Origin.AUTO and links[q.pk].size == 1))
    ]
    touched: set[int] = {link.statement_id for link in links.values()}
    created: list[Statement] = []
    if todo:
        profiles = _quote_profiles(todo)
        speakers = {p.speaker for p in profiles.values()}
        own_statements = {links[q.pk].statement_id for q in todo if q.pk in links}
        candidates = list(
            Statement.objects.filter(Q(speaker__in=speakers) | Q(speaker__merged_into__in=speakers))
            .filter(_reported_near(profiles.values()))
            .exclude(pk__in=own_statements)
            .order_by("pk")
        )
        members = _statement_members(candidates)
        # The speakers' names, as merged: read with the quotes.
        names = {
            q.speaker.merged_into_id or q.speaker_id: (q.speaker.merged_into or q.speaker).name
            for q in todo
            if q.speaker_id
        }
        proposals = []
        for quote in todo:
            profile = profiles[quote.pk]
            for statement in candidates:
                verdict = _statement_verdict(
                    profile, list(members.get(statement.pk, {}).values()), names.get(profile.speaker, "")
                )
                if verdict is not None and verdict.score >= matching.STATEMENT_THRESHOLD:
                    proposals.append((verdict.score, quote.pk, statement.pk, verdict))
        # Best pairs first; a statement takes at most one quote of this article.
        by_id = {s.pk: s for s in candidates}
        taken: set[int] = set()
        filled: set[int] = set()
        new_links: list[StatementQuote] = []
        for score, quote_id, statement_id, verdict in sorted(proposals, key=lambda p: (-p[0], p[1], p[2])):
            if quote_id in taken or statement_id in filled:
                continue
            if quote_id in links:
                StatementQuote.objects.update_or_create(
                    quote_id=quote_id,
                    defaults={"statement": by_id[statement_id], "score": score, "reasons": list(verdict.reasons)},
                )
            else:
                new_links.append(
                    StatementQuote(
                        quote_id=quote_id, statement=by_id[statement_id], score=score, reasons=list(verdict.reasons)
                    )
                )
            taken.add(quote_id)
            filled.add(statement_id)
            touched.add(statement_id)
        first_reports = [q for q in todo if q.pk not in taken and q.pk not in links]
        # A statement of one quote is born with what statement_refresh would give it: no refresh needed.
        created = Statement.objects.bulk_create([Statement(**_statement_values([q])) for q in first_reports])
        for statement, quote in zip(created, first_reports, strict=True):
            new_links.append(StatementQuote(statement=statement, quote=quote, score=1.0, reasons=[FIRST_REPORT]))
        StatementQuote.objects.bulk_create(new_links)
    if prune:
        statements_prune()
    _refresh_statements(touched)
    return created


@transaction.atomic
def statement_refresh(*, statement: Statement) -> Statement:
    """Recompute a statement's speaker, wording (the fullest report) and first date from its quotes."""
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    _refresh_locked_statements([statement])
    return statement


def _refresh_statements(ids: Iterable[int]) -> None:
    """statement_refresh for many statements (call inside a transaction): locked in id order, read together."""
    ids = set(ids)
    if ids:
        _refresh_locked_statements(list(Statement.objects.select_for_update().filter(pk__in=ids).order_by("pk")))


def _refresh_locked_statements(statements: list[Statement]) -> None:
    reports: dict[int, list[Quote]] = defaultdict(list)
    for link in (
        StatementQuote.objects.filter(statement__in=statements)
        .select_related("quote__article", "quote__speaker")
        .only(*_LINKED_QUOTE_FIELDS)
        .order_by("statement_id", "pk")
    ):
        if link.quote.status != Quote.Status.REJECTED:
            reports[link.statement_id].append(link.quote)
    for statement in statements:
        quotes = reports[statement.pk]
        if not quotes:
            continue
        values = _statement_values(quotes)
        changed = [name for name, value in values.items() if getattr(statement, name) != value]
        for name in changed:
            setattr(statement, name, values[name])
        if changed:
            statement.save(update_fields=[*[n.removesuffix("_id") for n in changed], "updated_at"])


def _statement_values(quotes: list[Quote]) -> dict[str, Any]:
    """A statement's speaker, wording (the fullest report) and first date, from its quotes (speaker and article loaded)."""
    speakers = {q.speaker.merged_into_id or q.speaker_id for q in quotes if q.speaker_id}
    dates = [q.article.published_on for q in quotes if q.article.published_on]
    return {
        # An editor may join quotes of two speakers by mistake: the statement then names neither.
        "speaker_id": speakers.pop() if len(speakers) == 1 else None,
        "text": max(quotes, key=lambda q: (len(matching.normalize_quote(q.text)), -q.article_id, -q.raw_start)).text,
        "first_reported_on": min(dates, default=None),
    }


def statements_prune() -> int:
    """Delete statements no quote reports any more."""
    deleted, _ = Statement.objects.filter(statement_quotes__isnull=True).delete()
    return deleted


@transaction.atomic
def statements_rebuild(*, articles: Iterable[Article] | None = None) -> int:
    """Place every article's quotes, in publication order; returns the statements created."""
    queryset = Article.objects.all() if articles is None else Article.objects.filter(pk__in=[a.pk for a in articles])
    return sum(len(statements_attach(article=a)) for a in queryset.order_by("published_on", "pk"))


@transaction.atomic
def statement_merge(*, statements: Iterable[Statement], survivor: Statement | None = None) -> Statement:
    """An editor links statements into one (the oldest, unless ``survivor`` is given); the machine never undoes it."""
    statements = sorted({s.pk: s for s in statements}.values(), key=lambda s: s.pk)
    if survivor is None:
        if not statements:
            raise ValueError("Nothing to link.")
        survivor = statements[0]
    survivor = Statement.objects.select_for_update().get(pk=survivor.pk)
    others = [s.pk for s in statements if s.pk != survivor.pk]
    StatementQuote.objects.filter(statement_id__in=others).update(statement=survivor)
    survivor.statement_quotes.update(origin=StatementQuote.Origin.EDITOR, reasons=["linked by an editor"])
    Statement.objects.filter(pk__in=others).delete()
    survivor.locked_fields = sorted({*survivor.locked_fields, "merged"})
    survivor.save(update_fields=["locked_fields", "updated_at"])
    return statement_refresh(statement=survivor)


@transaction.atomic
def statement_quote_link(*, statement: Statement, quote: Quote) -> StatementQuote:
    """An editor puts a quote on a statement, moving it from wherever it was; the machine never moves it back."""
    left = StatementQuote.objects.filter(quote=quote).values_list("statement_id", flat=True).first()
    link, _ = StatementQuote.objects.update_or_create(
        quote=quote,
        defaults={
            "statement": statement,
            "origin": StatementQuote.Origin.EDITOR,
            "score": 1.0,
            "reasons": ["linked by an editor"],
        },
    )
    statements_prune()
    for affected in Statement.objects.filter(pk__in={statement.pk, left} - {None}):
        statement_refresh(statement=affected)
    return link


@transaction.atomic
def statement_quotes_unlink(*, quotes: Iterable[Quote]) -> Statement:
    """An editor takes quotes off their statement into a new statement of their own; never joined back.

    The quotes left behind are pinned too: otherwise the machine, seeing them alone, would put them
    with the quotes just taken off.
    """
    ids = {q.pk for q in quotes}
    links = StatementQuote.objects.filter(quote_id__in=ids)
    if not ids or links.count() != len(ids):
        raise ValueError("Unlink only quotes that are on a statement.")
    left = set(links.values_list("statement_id", flat=True))
    new = Statement.objects.create(locked_fields=["split"])
    links.update(statement=new, origin=StatementQuote.Origin.EDITOR, score=1.0, reasons=["unlinked by an editor"])
    StatementQuote.objects.filter(statement_id__in=left).update(origin=StatementQuote.Origin.EDITOR)
    statements_prune()
    for statement in Statement.objects.filter(pk__in=left).order_by("pk"):
        statement.locked_fields = sorted({*statement.locked_fields, "split"})
        statement.save(update_fields=["locked_fields", "updated_at"])
        statement_refresh(statement=statement)
    return statement_refresh(statement=new)


@transaction.atomic
def statements_replace(*, articles: Iterable[Article]) -> int:
    """Place the articles' quotes on statements afresh, in publication order; returns the statements created.

    The statements' counterpart of ``events_replace``: only the machine's links go, editors' links stay.
    """
    articles = list(articles)
    placed = StatementQuote.objects.filter(
        quote__article__in=[a.pk for a in articles], origin=StatementQuote.Origin.AUTO
    )
    left = set(placed.values_list("statement_id", flat=True))
    placed.delete()
    statements_prune()
    created = statements_rebuild(articles=articles)
    for statement in Statement.objects.filter(pk__in=left).order_by("pk"):
        statement_refresh(statement=statement)
    return created
