"""Fills a PostgreSQL database with N published articles, ~20 quotes and 5 dated mentions each (run as a module).

Rows are bulk-created; search vectors are filled by the database's triggers,
as in production. A marker row records the size and the migrations, so a
later run reuses the database when neither changed.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys

import django

QUOTES_PER_ARTICLE = 20
DATED_PER_ARTICLE = 5
BATCH = 2_000
WORDS = [
    "government",
    "ministers",
    "training",
    "mission",
    "alliance",
    "talks",
    "border",
    "security",
    "forces",
    "parliament",
    "election",
    "ceasefire",
    "province",
    "capital",
    "officials",
    "agreement",
    "report",
    "council",
    "budget",
    "review",
    "support",
    "troops",
]


def _sentence(rng: random.Random, n: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(n))
    return text[:1].upper() + text[1:] + "."


def build(count: int) -> None:
    from django.db import connection

    from articles.models import Article, DatedMention, Person, Quote, Source
    from timeline.models import Event, EventMention

    rng = random.Random(100_000)
    sources = [
        Source.objects.get_or_create(slug=f"bench-outlet-{i}", defaults={"name": f"Bench Outlet {i}"})[0]
        for i in range(5)
    ]
    people = Person.objects.bulk_create(
        [Person(kind="person", name=f"Bench Person {i}", slug=f"bench-person-{i}") for i in range(2_000)]
    )
    events = Event.objects.bulk_create(
        [
            Event(date=dt.date(2015, 1, 1) + dt.timedelta(days=i % 3000), precision="day", title=_sentence(rng, 6)[:80])
            for i in range(max(count // 10, 10))
        ]
    )
    start_day = dt.date(2015, 1, 1)
    for offset in range(0, count, BATCH):
        articles = Article.objects.bulk_create(
            [
                Article(
                    source=rng.choice(sources),
                    title=_sentence(rng, 8),
                    slug=f"bench-{i}",
                    published_on=start_day + dt.timedelta(days=rng.randrange(0, 3650)),
                    published_origin="text",
                    published_precision="day",
                    body="\n\n".join(_sentence(rng, 40) for _ in range(8)),
                    raw_text="(generated)",
                    sha256=f"{i:064d}",
                    original_filename=f"bench-{i}.txt",
                    status="published",
                    extractor_version="0",
                )
                for i in range(offset, min(offset + BATCH, count))
            ]
        )
        quotes, dated = [], []
        for article in articles:
            for k in range(QUOTES_PER_ARTICLE):
                quotes.append(
                    Quote(
                        article=article,
                        text=_sentence(rng, 12),
                        speaker=rng.choice(people),
                        start=k * 100,
                        end=k * 100 + 50,
                        raw_start=k * 100,
                        raw_end=k * 100 + 50,
                        confidence=0.9,
                        extractor_version="0",
                    )
                )
            for k in range(DATED_PER_ARTICLE):
                dated.append(
                    DatedMention(
                        article=article,
                        expression="on Monday",
                        date=article.published_on,
                        precision="day",
                        origin="inferred",
                        sentence=_sentence(rng, 10),
                        start=2000 + k * 20,
                        end=2000 + k * 20 + 9,
                        raw_start=2000 + k * 20,
                        raw_end=2000 + k * 20 + 9,
                        confidence=0.8,
                        extractor_version="0",
                    )
                )
        Quote.objects.bulk_create(quotes)
        dated = DatedMention.objects.bulk_create(dated)
        EventMention.objects.bulk_create(
            [EventMention(dated_mention=d, event=rng.choice(events), score=1.0, reasons=[]) for d in dated]
        )
        print(f"built {offset + len(articles)} / {count}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main(count: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    build(count)


if __name__ == "__main__":
    main(int(sys.argv[1]))
