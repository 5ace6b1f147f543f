"""Statements: the same words of one speaker in several articles become one statement, and editors' links stay."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from articles import services as article_services
from articles.models import Article, Quote
from newsarchive import evaluation, pipeline
from tests.conftest import GOLD, SEEDS
from tests.factories import ArticleFactory, PersonFactory, QuoteFactory
from timeline import matching, services
from timeline.matching import DateSpan, QuoteProfile
from timeline.models import Statement, StatementQuote

GOLD_STATEMENTS = json.loads((GOLD / "statements.json").read_text(encoding="utf-8"))
WELCOME = GOLD_STATEMENTS["statements"][0]

pytestmark = pytest.mark.django_db


def quote(entry: dict) -> Quote:
    found = evaluation.gold_quote(entry["file"], entry["text"])
    assert found is not None, entry
    return found


def statement_of(q: Quote) -> int | None:
    return StatementQuote.objects.filter(quote=q).values_list("statement_id", flat=True).first()


def assignment() -> dict[int, int]:
    return dict(StatementQuote.objects.values_list("quote_id", "statement_id"))


def lone_quotes(article: Article) -> list[Quote]:
    """The article's quotes that are the only quote of their statement."""
    return [
        q
        for q in Quote.objects.filter(article=article).order_by("pk")
        if statement_of(q) and StatementQuote.objects.filter(statement_id=statement_of(q)).count() == 1
    ]


def reimport() -> None:
    call_command("import_articles", str(SEEDS), "--reextract", stdout=io.StringIO())


# --- the gold ------------------------------------------------------------------------------------------


@pytest.mark.django_db(False)
def test_gold_statements_quote_the_per_article_gold_word_for_word():
    """Every quote the statements gold names is, exactly, a quote of that article's gold (same speaker too)."""
    entries = [(s.get("speaker"), q) for s in GOLD_STATEMENTS["statements"] for q in s["quotes"]]
    entries += [(None, q) for d in GOLD_STATEMENTS["distinct"] for q in d["quotes"]]
    for speaker, entry in entries:
        article_gold = json.loads((GOLD / entry["file"].replace(".txt", ".json")).read_text(encoding="utf-8"))
        gold_quotes = {q["text"]: q.get("speaker") for q in article_gold["quotes"]}
        assert entry["text"] in gold_quotes, entry
        if speaker is not None:
            assert gold_quotes[entry["text"]] == speaker
    for statement in GOLD_STATEMENTS["statements"]:
        files = [q["file"] for q in statement["quotes"]]
        assert len(files) == len(set(files)) >= 2, statement["key"]


# --- the machine on the seeds --------------------------------------------------------------------------


def test_seeds_statements_meet_the_gold(seeded):
    """Pairwise precision and recall against the hand-made gold, over quotes of different articles: both ≥ 90%."""
    pairs = evaluation.statement_pairs(GOLD_STATEMENTS["statements"])
    assert pairs.recall.total >= 1
    assert pairs.precision.rate >= 0.9, pairs.misses
    assert pairs.recall.rate >= 0.9, pairs.misses
    assert not pairs.misses


def test_trimmed_and_repunctuated_quote_joins_the_fuller_one_with_score_and_reasons(seeded):
    full, trimmed = (quote(q) for q in WELCOME["quotes"])
    assert statement_of(full) == statement_of(trimmed) is not None
    statement = Statement.objects.get(pk=statement_of(full))
    assert statement.speaker.name == "Jens Stoltenberg"
    assert statement.text == full.text  # the fullest wording
    assert statement.first_reported_on == dt.date(2020, 2, 12)
    assert statement.statement_quotes.count() == 2
    joined = StatementQuote.objects.get(quote=trimmed)
    assert joined.score >= matching.STATEMENT_THRESHOLD
    assert joined.origin == "auto"
    assert "same speaker: Jens Stoltenberg" in joined.reasons
    assert any(r.startswith("words alike 0.9") for r in joined.reasons)
    # 002 has no publication date: the reasons say so rather than claim the dates agree.
    assert any(r.startswith("publication date unknown for") for r in joined.reasons)
    assert StatementQuote.objects.get(quote=full).reasons == ["first report of these words"]


def test_look_alike_quotes_stay_apart(seeded):
    for pair in GOLD_STATEMENTS["distinct"]:
        a, b = (quote(q) for q in pair["quotes"])
        assert statement_of(a) != statement_of(b), pair["why"]


def test_every_quote_with_a_speaker_is_on_one_statement(seeded):
    """A statement per distinct words: 25 quotes of the seeds, one pair of them the same statement."""
    with_speaker = Quote.objects.exclude(speaker=None)
    assert with_speaker.count() == StatementQuote.objects.count() == 25
    assert Statement.objects.count() == 24
    assert not StatementQuote.objects.filter(quote__speaker=None).exists()
    for statement in Statement.objects.all():
        speakers = set(statement.statement_quotes.values_list("quote__speaker_id", flat=True))
        assert speakers == {statement.speaker_id}


def test_linking_again_changes_nothing(seeded):
    before = (assignment(), list(Statement.objects.order_by("pk").values_list("pk", "text", "first_reported_on")))
    for article in Article.objects.order_by("pk"):
        assert services.statements_attach(article=article) == []
    reimport()
    after = (assignment(), list(Statement.objects.order_by("pk").values_list("pk", "text", "first_reported_on")))
    assert after == before


def test_importing_the_second_report_later_joins_the_existing_statement(db, tmp_path):
    for path in sorted(SEEDS.glob("00[01]*.txt")):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    call_command("import_articles", str(tmp_path), stdout=io.StringIO())
    full = quote(WELCOME["quotes"][0])
    statement = statement_of(full)
    assert Statement.objects.get(pk=statement).statement_quotes.count() == 1
    call_command("import_articles", str(next(SEEDS.glob("002*.txt"))), stdout=io.StringIO())
    assert statement_of(quote(WELCOME["quotes"][1])) == statement
    assert Statement.objects.get(pk=statement).statement_quotes.count() == 2


def test_dates_decide_once_known(seeded):
    """With 002's date set (14 Feb 2020) the reports are close in time; dated a year later, they part."""
    trimmed = quote(WELCOME["quotes"][1])
    options = {"nlp_model": settings.NLP_MODEL, "match_threshold": 90}
    pipeline.article_set_published_on(article=seeded["002"], published_on=dt.date(2020, 2, 14), **options)
    link = StatementQuote.objects.get(quote=trimmed)
    assert link.statement_id == statement_of(quote(WELCOME["quotes"][0]))
    assert any(r.startswith("reported close in time") and "14 February 2020" in r for r in link.reasons)
    assert not any(r.startswith("publication date unknown") for r in link.reasons)
    article = Article.objects.get(pk=seeded["002"].pk)
    pipeline.article_set_published_on(article=article, published_on=dt.date(2021, 2, 14), **options)
    assert statement_of(trimmed) != statement_of(quote(WELCOME["quotes"][0]))
    assert Statement.objects.get(pk=statement_of(trimmed)).first_reported_on == dt.date(2021, 2, 14)


def test_rejected_quote_leaves_its_statement(seeded):
    full, trimmed = (quote(q) for q in WELCOME["quotes"])
    Quote.objects.filter(pk=trimmed.pk).update(status=Quote.Status.REJECTED)
    services.statements_attach(article=seeded["002"])
    assert statement_of(trimmed) is None
    assert Statement.objects.get(pk=statement_of(full)).statement_quotes.count() == 1


def test_a_statement_its_only_quote_left_goes_and_other_statements_stay(seeded):
    alone = lone_quotes(seeded["004"])[0]
    statement_id = statement_of(alone)
    others = set(Statement.objects.exclude(pk=statement_id).values_list("pk", flat=True))
    Quote.objects.filter(pk=alone.pk).update(status=Quote.Status.REJECTED)
    services.statements_attach(article=seeded["004"])
    assert not Statement.objects.filter(pk=statement_id).exists()
    assert set(Statement.objects.values_list("pk", flat=True)) == others


def test_rebuilding_statements_removes_those_a_deleted_article_left(seeded):
    alone = {statement_of(q) for q in lone_quotes(seeded["004"])}
    assert alone
    seeded["004"].delete()
    services.statements_rebuild()
    assert not Statement.objects.filter(pk__in=alone).exists()
    assert not Statement.objects.filter(statement_quotes__isnull=True).exists()


# --- editors' links ------------------------------------------------------------------------------------


def test_editors_unlink_is_never_undone(seeded):
    full, trimmed = (quote(q) for q in WELCOME["quotes"])
    new = services.statement_quotes_unlink(quotes=[trimmed])
    assert statement_of(trimmed) == new.pk != statement_of(full)
    assert new.text == trimmed.text
    expected = assignment()
    for article in Article.objects.order_by("pk"):
        services.statements_attach(article=article)
    reimport()
    assert assignment() == expected
    assert set(StatementQuote.objects.filter(quote__in=[full, trimmed]).values_list("origin", flat=True)) == {"editor"}


def test_editors_link_is_never_undone(seeded):
    """An editor says Stoltenberg's 2018 and 2020 words on being invited are one statement: it stays so."""
    a, b = (quote(q) for q in GOLD_STATEMENTS["distinct"][0]["quotes"])
    survivor = services.statement_merge(
        statements=[Statement.objects.get(pk=statement_of(a)), Statement.objects.get(pk=statement_of(b))]
    )
    assert statement_of(a) == statement_of(b) == survivor.pk
    assert survivor.first_reported_on == dt.date(2018, 3, 5)
    assert "merged" in survivor.locked_fields
    reimport()
    assert statement_of(a) == statement_of(b) == survivor.pk
    assert survivor.statement_quotes.count() == 3  # with 002's trimmed report, which was already on it
    # And a quote an editor moves stays where it was put.
    other = Quote.objects.get(article=seeded["000"], text__startswith="We should not stay longer")
    services.statement_quote_link(statement=survivor, quote=other)
    reimport()
    assert statement_of(other) == survivor.pk


@pytest.fixture
def editor_client(client):
    user = get_user_model().objects.create_superuser("editor", "editor@example.org", "pw")
    client.force_login(user)
    return client


def test_admin_link_and_unlink_actions(seeded, editor_client):
    a, b = (quote(q) for q in GOLD_STATEMENTS["distinct"][1]["quotes"])
    first, second = sorted([statement_of(a), statement_of(b)])
    response = editor_client.post(
        "/admin/timeline/statement/", {"action": "link_statements", "_selected_action": [first, second]}, follow=True
    )
    assert response.status_code == 200
    assert "Linked 2 statements" in response.content.decode()
    assert statement_of(a) == statement_of(b) == first
    assert Statement.objects.get(pk=first).speaker is None  # two speakers: an editor's mistake shows
    link = StatementQuote.objects.get(quote=b)
    response = editor_client.post(
        "/admin/timeline/statementquote/", {"action": "unlink", "_selected_action": [link.pk]}, follow=True
    )
    assert response.status_code == 200
    assert statement_of(b) != first
    assert Statement.objects.get(pk=first).speaker == a.speaker
    page = editor_client.get(f"/admin/timeline/statement/{first}/change/")
    assert page.status_code == 200
    assert a.text[:40] in page.content.decode()


# --- the person page -----------------------------------------------------------------------------------


def test_person_page_lists_each_statement_once_with_all_its_sources(seeded, client):
    page = client.get("/people/jens-stoltenberg/").content.decode()
    statements = page.split('id="statements-heading"')[1].split("</section>")[0]
    full, trimmed = (quote(q) for q in WELCOME["quotes"])
    assert statements.count("we will only stay in Iraq as long as we are welcome") == 1
    assert "<p>We will only stay in Iraq as long as we are welcomed.</p>" not in statements
    item = next(li for li in statements.split('<li class="statement">') if "welcome by the Iraqi" in li)
    assert "Reported by 2 articles" in item
    assert f"#quote-{full.pk}" in item
    assert f"#quote-{trimmed.pk}" in item
    stoltenberg = Quote.objects.filter(speaker__slug="jens-stoltenberg").count()
    assert f"Statements ({stoltenberg - 1})" in page


# --- the comparison itself -----------------------------------------------------------------------------


def profile(text: str, *, speaker: int = 1, article: int = 1, published: dt.date | None = dt.date(2020, 2, 12)):
    return QuoteProfile(
        words=matching.normalize_quote(text),
        speaker=speaker,
        article=article,
        said=matching.said_within(published, "day"),
    )


FULL = "We are in Iraq upon the invitation by the Iraqi government and we will only stay as long as we are welcome."


@pytest.mark.django_db(False)
@pytest.mark.parametrize(
    ("other", "same"),
    [
        (
            "we are in Iraq upon the invitation by the Iraqi government, and we will only stay as long as we are welcome",
            True,
        ),
        ("We will only stay as long as we are welcome.", True),  # trimmed by the outlet
        ("We are in Iraq upon the invitation by the Iraqi government … we will only stay", True),
        ("We will stay in Afghanistan as long as it takes to defeat terrorism.", False),
        ("as we are welcome", False),  # a fragment: too few words to stand for a statement
    ],
)
def test_compare_quotes_words(other, same):
    verdict = matching.compare_quotes(profile(FULL), profile(other, article=2))
    assert (verdict.score >= matching.STATEMENT_THRESHOLD) is same, verdict


@pytest.mark.django_db(False)
def test_compare_quotes_needs_the_same_speaker_and_compatible_dates():
    same_words = profile(FULL, article=2)
    assert matching.compare_quotes(profile(FULL), same_words).score == 1.0
    assert matching.compare_quotes(profile(FULL, speaker=2), same_words).score == 0.0
    later = profile(FULL, article=2, published=dt.date(2020, 6, 1))
    assert matching.compare_quotes(profile(FULL), later) == matching.Match(
        0.0, ("reported too far apart: published 12 February 2020 / published 1 June 2020",), None
    )
    undated = matching.compare_quotes(profile(FULL), profile(FULL, article=2, published=None))
    assert undated.agreement == "unknown"
    assert undated.score == pytest.approx(1 - matching.STATEMENT_UNDATED_PENALTY)
    assert matching.said_within(dt.date(2020, 2, 12), "month") == DateSpan(
        dt.date(2020, 2, 1) - dt.timedelta(days=matching.STATEMENT_LOOKBACK_DAYS), dt.date(2020, 2, 29), "day"
    )


def test_a_person_merged_since_has_their_statements_linked_on_the_next_pass(db):
    """Two spellings of one speaker say the same words; once an editor merges them, the next pass links the quotes."""
    one = PersonFactory(name="Jens Stoltenberg")
    two = PersonFactory(name="J. Stoltenberg")
    q1 = QuoteFactory(text=FULL, speaker=one, article=ArticleFactory(published_on=dt.date(2020, 2, 12)))
    q2 = QuoteFactory(text=FULL, speaker=two, article=ArticleFactory(published_on=dt.date(2020, 2, 13)))
    services.statements_rebuild()
    assert statement_of(q1) != statement_of(q2)
    article_services.person_merge(survivor=one, others=[two])
    services.statements_rebuild()
    assert statement_of(q1) == statement_of(q2)
    assert Statement.objects.get(pk=statement_of(q1)).speaker == one


def test_a_statement_whose_only_quote_was_deleted_goes_when_its_article_is_linked_again(seeded):
    # Re-extraction deletes the quotes the extractor no longer finds, and their links with them.
    alone = lone_quotes(seeded["004"])[0]
    statement_id = statement_of(alone)
    alone.delete()
    services.article_attach(article=seeded["004"])
    assert not Statement.objects.filter(pk=statement_id).exists()
    assert not Statement.objects.filter(statement_quotes__isnull=True).exists()
