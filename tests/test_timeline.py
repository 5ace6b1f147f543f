"""Merging dated mentions into events: the seeds' shared happenings become one event each, and editors' work stays."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction

from articles.models import Article, DatedMention
from newsarchive import evaluation, pipeline
from tests.conftest import GOLD, SEEDS
from tests.factories import ArticleFactory, DatedMentionFactory, PersonFactory
from timeline import matching, services
from timeline.models import Event, EventMention

GOLD_TIMELINE = json.loads((GOLD / "timeline.json").read_text(encoding="utf-8"))["happenings"]
DATE_002 = dt.date(2020, 2, 14)  # Friday: its "Thursday", "yesterday" and "Feb. 13" are the ministers' 13 February
DATE_003 = dt.date(2020, 10, 23)
# The two happenings whose reports share too few words for the machine (a meeting called a "session" in one
# report; "move trainers" and "shift troops" in the other): an editor merges them.
KNOWN_MISSES = {"nato-defence-ministers-feb-2020", "nato-to-take-over-coalition-trainers"}

pytestmark = pytest.mark.django_db


def set_date(article: Article, day: dt.date) -> Article:
    return pipeline.article_set_published_on(
        article=article, published_on=day, nlp_model=settings.NLP_MODEL, match_threshold=90
    )


def find(file_prefix: str, expression: str, sentence: str) -> DatedMention:
    """The dated mention the gold describes (the extractor's expression may drop the preposition)."""
    found = evaluation.gold_dated_mentions(file_prefix[:3], expression, sentence)
    assert len(found) == 1, f"{file_prefix} {expression!r}: {len(found)} mentions match the gold"
    return found[0]


def gold_mentions(happening: dict) -> list[DatedMention]:
    return [find(m["file"], m["expression"], m["sentence"]) for m in happening["mentions"]]


def event_of(mention: DatedMention) -> int | None:
    link = EventMention.objects.filter(dated_mention=mention).first()
    return link.event_id if link else None


def assignment() -> dict[int, int]:
    return dict(EventMention.objects.values_list("dated_mention_id", "event_id"))


def lone_reports(article: Article) -> list[DatedMention]:
    """The article's dated mentions that are the only report of their event."""
    return [
        m
        for m in DatedMention.objects.filter(article=article).order_by("pk")
        if event_of(m) and EventMention.objects.filter(event_id=event_of(m)).count() == 1
    ]


def pairwise() -> tuple[float, float]:
    """Pairwise precision and recall of the merges against the gold, as evaluate_extraction prints them."""
    pairs = evaluation.event_merge_pairs(GOLD_TIMELINE)
    assert not [m for m in pairs.misses if "dated mentions match" in m], pairs.misses
    return pairs.precision.rate, pairs.recall.rate


def assert_happenings_merged(*, skip: set[str] = frozenset()) -> None:
    """Each gold happening's dated reports sit on one event, and that event holds no other report."""
    for happening in GOLD_TIMELINE:
        if happening["key"] in skip:
            continue
        dated = [m for m in gold_mentions(happening) if m.date is not None]
        events = {event_of(m) for m in dated}
        assert len(events) <= 1, f"{happening['key']}: reports on {len(events)} events"
        if len(dated) > 1:
            event = Event.objects.get(pk=events.pop())
            assert set(event.event_mentions.values_list("dated_mention_id", flat=True)) == {m.pk for m in dated}, (
                happening["key"]
            )


def test_seeds_shared_happenings_become_one_event_each(seeded):
    """With the seeds as imported (002 and 003 undated), each gold happening's dated reports are one event."""
    assert_happenings_merged()
    mission = Event.objects.get(pk=event_of(gold_mentions(GOLD_TIMELINE[0])[0]))
    assert mission.event_mentions.count() == 4
    assert {link.dated_mention.article.original_filename[:3] for link in mission.event_mentions.all()} == {
        "001",
        "002",
        "003",
        "004",
    }
    precision, recall = pairwise()
    assert precision >= 0.9
    assert recall >= 0.9


def test_each_merge_stores_its_score_and_reasons(seeded):
    isis = next(h for h in GOLD_TIMELINE if h["key"] == "isis-declared-defeated-iraq-2017")
    links = EventMention.objects.filter(dated_mention__in=gold_mentions(isis)).order_by("pk")
    first, joined = links
    assert first.reasons == ["first report of this happening"]
    assert joined.score >= matching.THRESHOLD
    assert any(r.startswith("dates within: December 2017 / 2017") for r in joined.reasons)
    assert any("words near the date" in r and "defeat" in r for r in joined.reasons)


def test_event_takes_the_most_precise_date_its_reports_allow_and_says_so(seeded):
    """003 says "in 2017", 004 "December 2017": the event is December 2017, and its note explains why."""
    event = Event.objects.get(
        pk=event_of(
            find("004", "in December 2017", "ISIS was declared territorially defeated in Iraq in December 2017.")
        )
    )
    assert (event.date, event.precision) == (dt.date(2017, 12, 1), "month")
    assert "December 2017 is the most precise date all 2 reports allow" in event.date_note
    assert "“2017”" in event.date_note


def test_title_comes_from_the_clause_holding_the_date(seeded):
    suspended = next(h for h in GOLD_TIMELINE if h["key"] == "nato-iraq-mission-suspended")
    event = Event.objects.get(pk=event_of(gold_mentions(suspended)[0]))
    # The sentence opens with "In 2018, NATO agreed ...": the January event is the suspension, not that.
    assert event.title.startswith("The NATO operations were suspended in January")
    assert len(event.title) <= 80
    mission = Event.objects.get(pk=event_of(gold_mentions(GOLD_TIMELINE[0])[0]))
    assert not mission.title.startswith("In 2018")
    assert all(len(t) <= 80 for t in Event.objects.values_list("title", flat=True))


def test_different_happenings_stay_apart(seeded):
    """Same month or year, different happening: plans (Feb 2018) vs launch (2018); two Januaries of 2020."""
    plans = find(
        "000",
        "In February",
        "In February, NATO announced plans to establish a permanent training mission in Iraq to help the country’s forces to professionalize – a move made at the request of Baghdad and the global anti-ISIS coalition.",
    )
    launch = gold_mentions(GOLD_TIMELINE[0])[0]
    assert event_of(plans) != event_of(launch)
    suspended = find(
        "001",
        "in January",
        next(h for h in GOLD_TIMELINE if h["key"] == "nato-iraq-mission-suspended")["mentions"][0]["sentence"],
    )
    trump = find(
        "001",
        "in January",
        next(h for h in GOLD_TIMELINE if h["key"] == "trump-asks-nato-middle-east")["mentions"][0]["sentence"],
    )
    strike = find(
        "004",
        "on January 3",
        next(h for h in GOLD_TIMELINE if h["key"] == "soleimani-killed-baghdad-airport")["mentions"][1]["sentence"],
    )
    review = find(
        "004",
        "in January",
        "Iraq decided in January to review its security relationship with the US-led coalition by attempting to reach a new security agreement with NATO.",
    )
    assert len({event_of(m) for m in (suspended, trump, strike, review)}) == 4
    # Two attacks on one day in one article: two events.
    saturday = DatedMention.objects.get(article__original_filename__startswith="004", expression="Saturday")
    same_day = DatedMention.objects.get(article__original_filename__startswith="004", expression="On the same day")
    assert saturday.date == same_day.date
    assert event_of(saturday) != event_of(same_day)


def test_undated_mentions_stay_apart_until_the_date_is_set_then_join(seeded, client):
    """002 has no publication date: its "last month" is listed as undated; once set, it joins 001's January."""
    suspended = next(h for h in GOLD_TIMELINE if h["key"] == "nato-iraq-mission-suspended")
    from_001, from_002 = gold_mentions(suspended)
    assert from_002.date is None
    assert event_of(from_002) is None
    undated = client.get("/timeline/").content.decode().split('id="undated"')[1]
    assert "<strong>“last month”</strong>" in undated

    set_date(seeded["002"], DATE_002)

    from_002.refresh_from_db()
    assert from_002.date == dt.date(2020, 1, 1)
    assert event_of(from_002) == event_of(from_001)
    trump = next(h for h in GOLD_TIMELINE if h["key"] == "trump-asks-nato-middle-east")
    assert len({event_of(m) for m in gold_mentions(trump)}) == 1
    event = Event.objects.get(pk=event_of(gold_mentions(trump)[1]))
    assert (event.date, event.precision) == (dt.date(2020, 1, 8), "day")  # 002's "Jan. 8" is the most precise
    # Three happenings 002 reports on 13 February stay three events.
    feb13 = DatedMention.objects.filter(article=seeded["002"], date=dt.date(2020, 2, 13))
    assert feb13.count() == 3
    assert len({event_of(m) for m in feb13}) == 3
    undated = client.get("/timeline/").content.decode().split('id="undated"')[1]
    assert "“last month”" not in undated
    assert "<strong>“in January”</strong>" in undated or "<strong>“January”</strong>" in undated  # 003's, still undated


def test_with_every_date_set_the_gold_happenings_merge(seeded):
    """Setting 002's and 003's dates: 003's January strike joins 004's January 3; precision stays perfect."""
    set_date(seeded["002"], DATE_002)
    set_date(seeded["003"], DATE_003)
    assert_happenings_merged(skip=KNOWN_MISSES)
    strike = next(h for h in GOLD_TIMELINE if h["key"] == "soleimani-killed-baghdad-airport")
    event = Event.objects.get(pk=event_of(gold_mentions(strike)[0]))
    assert (event.date, event.precision) == (dt.date(2020, 1, 3), "day")
    precision, recall = pairwise()
    assert precision == 1.0
    assert recall >= 10 / 12  # the two known misses are two of twelve pairs


@pytest.mark.parametrize("key", sorted(KNOWN_MISSES))
@pytest.mark.xfail(strict=True, reason="reports worded too differently for the machine; editors merge these")
def test_known_misses_need_an_editor(seeded, key):
    set_date(seeded["002"], DATE_002)
    happening = next(h for h in GOLD_TIMELINE if h["key"] == key)
    assert len({event_of(m) for m in gold_mentions(happening)}) == 1


def test_merging_again_changes_nothing(seeded):
    before = (
        assignment(),
        list(Event.objects.order_by("pk").values_list("pk", "date", "precision", "title", "version")),
    )
    for article in Article.objects.order_by("pk"):
        assert services.events_attach(article=article) == []
    pipeline.article_reextract(article=seeded["004"], nlp_model=settings.NLP_MODEL, match_threshold=90)
    call_command("import_articles", str(SEEDS), "--reextract", stdout=open("/dev/null", "w"))  # noqa: SIM115
    after = (
        assignment(),
        list(Event.objects.order_by("pk").values_list("pk", "date", "precision", "title", "version")),
    )
    assert after == before


def test_importing_one_more_article_attaches_to_existing_events(db, tmp_path):
    for path in sorted(SEEDS.glob("00[0-3]*.txt")):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    call_command("import_articles", str(tmp_path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    mission = event_of(find("001", "In 2018", GOLD_TIMELINE[0]["mentions"][0]["sentence"]))
    count = Event.objects.count()
    call_command("import_articles", str(next(SEEDS.glob("004*.txt"))), stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert event_of(find("004", "in 2018", GOLD_TIMELINE[0]["mentions"][3]["sentence"])) == mission
    new_dated = DatedMention.objects.filter(article__original_filename__startswith="004", date__isnull=False).count()
    assert Event.objects.count() < count + new_dated  # some of 004's reports joined existing events


def test_editors_merge_and_split_survive_re_merging(seeded):
    plans = find(
        "000",
        "In February",
        "In February, NATO announced plans to establish a permanent training mission in Iraq to help the country’s forces to professionalize – a move made at the request of Baghdad and the global anti-ISIS coalition.",
    )
    mission_mentions = gold_mentions(GOLD_TIMELINE[0])
    mission = Event.objects.get(pk=event_of(mission_mentions[0]))
    # An editor decides the February plans are the mission's start after all, and splits off 004's report.
    merged = services.event_merge(events=[mission, Event.objects.get(pk=event_of(plans))])
    assert (merged.date, merged.precision) == (dt.date(2018, 2, 1), "month")
    services.event_split(event=merged, mentions=[mission_mentions[3]])
    split_event = event_of(mission_mentions[3])
    expected = assignment()

    for article in Article.objects.order_by("pk"):
        services.events_attach(article=article)
    call_command("import_articles", str(SEEDS), "--reextract", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert assignment() == expected
    assert event_of(plans) == merged.pk
    assert split_event not in (None, merged.pk)
    assert set(EventMention.objects.filter(event=merged).values_list("origin", flat=True)) == {"editor"}


def test_verified_events_and_locked_fields_stay_as_editors_left_them(seeded):
    isis = Event.objects.get(
        pk=event_of(
            find(
                "003",
                "in 2017",
                "ISIS was declared militarily defeated in Iraq in 2017, but the group remains a security threat.",
            )
        )
    )
    isis = services.event_update(event=isis, data={"title": "ISIS declared defeated in Iraq"}, expected_version=1)
    assert "title" in isis.locked_fields
    mission = Event.objects.get(pk=event_of(gold_mentions(GOLD_TIMELINE[0])[0]))
    services.event_verify(event=mission)
    call_command("import_articles", str(SEEDS), "--reextract", stdout=open("/dev/null", "w"))  # noqa: SIM115
    isis.refresh_from_db()
    mission.refresh_from_db()
    assert isis.title == "ISIS declared defeated in Iraq"
    assert mission.status == Event.Status.VERIFIED
    assert mission.event_mentions.count() == 4
    with pytest.raises(services.ConflictError):
        services.event_update(event=isis, data={"place": "Mosul"}, expected_version=1)


def test_rejected_mentions_leave_their_event(seeded):
    mentions = gold_mentions(GOLD_TIMELINE[0])
    DatedMention.objects.filter(pk=mentions[3].pk).update(status=DatedMention.Status.REJECTED)
    services.events_attach(article=seeded["004"])
    assert event_of(mentions[3]) is None
    assert Event.objects.get(pk=event_of(mentions[0])).event_mentions.count() == 3


def test_an_event_its_only_report_left_goes_and_other_events_stay(seeded):
    alone = lone_reports(seeded["004"])[0]
    event_id = event_of(alone)
    others = set(Event.objects.exclude(pk=event_id).values_list("pk", flat=True))
    DatedMention.objects.filter(pk=alone.pk).update(status=DatedMention.Status.REJECTED)
    services.events_attach(article=seeded["004"])
    assert not Event.objects.filter(pk=event_id).exists()
    assert set(Event.objects.values_list("pk", flat=True)) == others


def test_rebuilding_the_timeline_removes_the_events_a_deleted_article_left(seeded):
    alone = {event_of(m) for m in lone_reports(seeded["004"])}
    assert alone
    seeded["004"].delete()
    assert Event.objects.filter(pk__in=alone).count() == len(alone)
    services.events_rebuild()
    assert not Event.objects.filter(pk__in=alone).exists()
    assert not Event.objects.filter(event_mentions__isnull=True).exists()


@pytest.mark.parametrize(
    ("sentence", "expression", "title"),
    [
        (
            "However, following the US drone strike on January 3 which killed top Iranian general Qasem Soleimani "
            "at Baghdad airport, the Iraqi parliament passed a non-binding resolution.",
            "January 3",
            "The US drone strike on January 3 which killed top Iranian general Qasem…",
        ),
        (
            "In 2018, NATO agreed to start a training mission in Iraq.",
            "2018",
            "NATO agreed to start a training mission in Iraq",
        ),
    ],
)
def test_clause_title(sentence, expression, title):
    start = sentence.index(expression)
    assert matching.clause_title(sentence, start, start + len(expression)) == title


def test_dates_shown_at_their_precision():
    assert matching.format_date(dt.date(2018, 1, 1), "year") == "2018"
    assert matching.format_date(dt.date(2020, 1, 1), "month") == "January 2020"
    assert matching.format_date(dt.date(2020, 1, 3), "day") == "3 January 2020"
    assert matching.format_date(dt.date(2020, 2, 12), "day", dt.date(2020, 2, 13)) == "12–13 February 2020"
    assert re.fullmatch(r"undated", matching.format_date(None, ""))


# --- a batch of articles (an import) keeps the word counts between them ---------------------------------


@pytest.mark.django_db(False)
def test_word_counts_kept_between_syncs_equal_counts_made_afresh():
    """Vocabulary.sync re-reads only what changed, and ends where counting the documents anew ends."""
    first = {
        1: ("The ministers met in Brussels on Thursday.", frozenset({7})),
        2: ("Troops left the base.", frozenset()),
    }
    second = {
        1: ("The ministers met in Brussels on Friday.", frozenset({7, 8})),  # changed words and people
        3: ("The ministers met again in Brussels.", frozenset({8})),  # new; 2 is gone
    }
    kept = matching.Vocabulary()
    kept.sync(first)
    kept.sync(second)
    fresh = matching.Vocabulary(second.values())
    assert (kept.size, kept.words, kept.phrases, kept.people) == (fresh.size, fresh.words, fresh.phrases, fresh.people)
    assert kept.idf("minist") == fresh.idf("minist")
    assert kept.person_rarity(8) == fresh.person_rarity(8)


def counts(vocabulary: matching.Vocabulary) -> tuple:
    """What the word counts hold, to compare kept counts with counts made afresh."""
    return vocabulary.size, dict(vocabulary.words), dict(vocabulary.phrases), dict(vocabulary.people)


def counted_afresh() -> tuple:
    """The counts of every dated sentence of the archive, as made outside a batch."""
    return counts(matching.Vocabulary(services._sentences().values()))


def test_word_counts_in_a_batch_follow_every_change_to_the_archive(seeded):
    """Inside merging_batch the counts are kept, yet a rejected mention, an edited sentence, a person named or no
    longer named, a merge or a deleted article counts at once as it would outside a batch."""
    with services.merging_batch():
        services._vocabulary()
        mention = DatedMention.objects.filter(date__isnull=False).first()
        mention.status = DatedMention.Status.REJECTED
        mention.save()
        # Not in the article deleted below: its people count after the merge.
        other = DatedMention.objects.exclude(pk=mention.pk).exclude(article=seeded["004"]).first()
        other.sentence = "An entirely new sentence about the summit in Ankara."
        other.save()
        named = DatedMention.objects.filter(people__isnull=False).exclude(pk__in=[mention.pk, other.pk]).first()
        person = named.people.first()
        named.people.remove(person)
        other.people.add(person)
        survivor, merged = PersonFactory(name="Jens Stoltenberg Jr"), PersonFactory(name="J. Stoltenberg Jr")
        other.people.add(merged)
        assert counts(services._vocabulary()) == counted_afresh()
        merged.merged_into = survivor
        merged.save()
        seeded["004"].delete()
        kept = counts(services._vocabulary())
    assert kept == counts(services._vocabulary())
    assert kept[3].get(survivor.pk) == 1
    assert merged.pk not in kept[3]


def stem(word: str) -> str:
    """The form the word counts keep of ``word``."""
    (stemmed,) = matching._content_words(word)
    return stemmed


@pytest.fixture
def sentences_read(monkeypatch) -> list:
    """The mention ids each read of dated sentences asked for (None: every sentence)."""
    asked: list = []
    read = services._sentences

    def recorded(ids=None):
        asked.append(None if ids is None else set(ids))
        return read(ids)

    monkeypatch.setattr(services, "_sentences", recorded)
    return asked


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_kept_word_counts_read_only_the_sentences_changed_since(sentences_read):
    """On PostgreSQL a batch reads every sentence once, then only those its triggers logged as changed: an edited
    sentence, a person named, a person merged into another."""
    article = ArticleFactory()
    untouched, edited, named, merged = (
        DatedMentionFactory(article=article, sentence=f"Troops {word} the base on Monday.")
        for word in ["left", "reached", "guarded", "shelled"]
    )
    person, survivor = PersonFactory(), PersonFactory()
    merged.people.add(person)
    with services.merging_batch():
        services._vocabulary()
        edited.sentence = "Trainers reached the academy on Monday."
        edited.save()
        named.people.add(PersonFactory())
        person.merged_into = survivor
        person.save()
        kept = counts(services._vocabulary())
    assert sentences_read == [None, {edited.pk, named.pk, merged.pk}]
    assert untouched.pk not in sentences_read[1]
    assert kept == counts(services._vocabulary())
    assert kept[3][survivor.pk] == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_word_counts_kept_between_batches_read_only_what_changed_in_between(sentences_read):
    """A worker process keeps its counts from one re-extraction chunk to the next: the next reads only the
    sentences changed in between, and counts as if made afresh."""
    article = ArticleFactory()
    first, second = (
        DatedMentionFactory(article=article, sentence="Troops left the base on Monday."),
        DatedMentionFactory(article=article, sentence="Talks ended."),
    )
    with services.merging_batch(keep=True):
        services._vocabulary()
    second.sentence = "Talks in Ankara ended on Monday."
    second.save()
    with services.merging_batch(keep=True):
        kept = counts(services._vocabulary())
    assert sentences_read == [None, {second.pk}]
    assert kept == counted_afresh()
    assert first.pk not in sentences_read[1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_kept_word_counts_forget_what_a_rolled_back_file_wrote(sentences_read):
    """Counts taken inside a transaction that then rolls back (an import's failing file) do not keep its
    sentences: the mentions it logged are read again."""
    article = ArticleFactory()
    DatedMentionFactory(article=article, sentence="Troops left the base on Monday.")

    class Failed(Exception):
        pass

    with services.merging_batch():
        services._vocabulary()
        try:
            with transaction.atomic():
                DatedMentionFactory(article=article, sentence="Ministers gathered in Brussels on Monday.")
                assert stem("Brussels") in services._vocabulary().words
                raise Failed
        except Failed:
            pass
        kept = counts(services._vocabulary())
    assert stem("Brussels") not in kept[1]
    assert kept == counts(services._vocabulary())


@pytest.fixture
def other(transactional_db):
    """A second connection to the test database, in a transaction of its own (psycopg's default)."""
    import psycopg

    settings_dict = connection.settings_dict
    with psycopg.connect(
        dbname=settings_dict["NAME"],
        host=settings_dict["HOST"],
        port=settings_dict["PORT"] or 5432,
        user=settings_dict["USER"],
        password=settings_dict["PASSWORD"],
    ) as second:
        yield second
        second.rollback()  # whatever the test left open is not committed on closing


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_kept_word_counts_see_a_change_that_commits_after_a_later_one(other):
    """A transaction that logged a change before a read and committed after it is still read: the log is read
    from the oldest transaction open at the last read, not from the last row seen."""
    article = ArticleFactory()
    slow, quick = (
        DatedMentionFactory(article=article, sentence="Troops left the base on Monday."),
        DatedMentionFactory(article=article, sentence="Talks ended on Monday."),
    )
    with services.merging_batch():
        services._vocabulary()
        other.execute(
            "UPDATE articles_datedmention SET sentence = 'Engineers rebuilt the bridge on Monday.' WHERE id = %s",
            [slow.pk],
        )  # open, not committed
        quick.sentence = "Talks in Ankara ended on Monday."
        quick.save()  # logged after the open change, committed first
        assert stem("Ankara") in services._vocabulary().words
        other.commit()
        kept = counts(services._vocabulary())
    assert stem("bridge") in kept[1]
    assert kept == counts(services._vocabulary())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_whole_read_prunes_the_log_of_old_changes_without_waiting_for_another_prune(other):
    """Rows older than a day go at the next whole read, recent ones stay; rows another batch is deleting are left
    to it, not waited for."""
    mentions = [DatedMentionFactory(article=ArticleFactory()) for _ in range(3)]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE timeline_sentence_change SET logged_at = now() - interval '2 days' WHERE dated_mention_id = ANY(%s)",
            [[m.pk for m in mentions[:2]]],
        )
    # Another batch's prune holds the first old row.
    other.execute("DELETE FROM timeline_sentence_change WHERE dated_mention_id = %s", [mentions[0].pk])
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # waiting would fail the test, not hang it
        with services.merging_batch():
            services._vocabulary()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    other.rollback()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT dated_mention_id FROM timeline_sentence_change WHERE dated_mention_id = ANY(%s)",
            [[m.pk for m in mentions]],
        )
        left = {pk for (pk,) in cursor.fetchall()}
    # The old row nobody else held is gone; the one the other prune held and rolled back, and the recent one, stay.
    assert left == {mentions[0].pk, mentions[2].pk}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_kept_word_counts_read_everything_again_after_a_truncate(sentences_read):
    article = ArticleFactory()
    DatedMentionFactory(article=article, sentence="Troops left the base on Monday.").people.add(PersonFactory())
    with services.merging_batch():
        services._vocabulary()
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE articles_datedmention_people")
        kept = counts(services._vocabulary())
    assert sentences_read == [None, None]
    assert kept[3] == {}


def test_a_new_events_history_shows_it_created_then_refreshed(seeded):
    """An event the machine opens is written once, yet its history reads as before: created with its first
    report's date alone, then given the title, summary and place that report says."""
    for event in Event.objects.all():
        first_report = event.event_mentions.order_by("id").first().dated_mention
        created, refreshed, *_ = event.history.order_by("history_id")
        assert (created.history_type, created.title, created.summary, created.date, created.precision) == (
            "+",
            "",
            "",
            first_report.date,
            first_report.precision,
        )
        assert refreshed.history_type == "~"
        assert refreshed.title
        assert refreshed.summary


def test_an_event_whose_only_report_was_deleted_goes_when_its_article_is_merged_again(seeded):
    # Re-extraction deletes the mentions the extractor no longer finds, and their links with them.
    alone = lone_reports(seeded["004"])[0]
    event_id = event_of(alone)
    alone.delete()
    services.article_attach(article=seeded["004"])
    assert not Event.objects.filter(pk=event_id).exists()
    assert not Event.objects.filter(event_mentions__isnull=True).exists()
