"""Latency, throughput and SQL queries of every API endpoint and page against its floor (run as a module).

Requests go through Django's test client in this one process, so the network
and the server's worker model are out of the figures: what is compared is our
code against a bare view doing the same database work. Anonymous reads are
served from the snapshot cache while nothing is written (articles/caching.py),
so each endpoint is measured twice: as served (repeated requests, cache hits)
and uncached (a write committed before every request, as after an editor's
change: every answer rendered afresh; caches with an expiry of their own, such
as the home page's archive-wide counts, keep theirs). The floor is measured in
turn with the uncached requests, each after a write too, so that both meet the
same moments of a shared machine.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

import django

# A slow endpoint gets fewer requests: at least MIN_REQUESTS, then only while within its time budget.
MIN_REQUESTS = 5
BUDGET_SECONDS = 15.0
# The slowest endpoint is profiled over this many requests; its report goes beside the results.
PROFILED_REQUESTS = 10
PROFILE_DIR = Path(__file__).resolve().parent / "results"


# Endpoints and pages that list rows a page at a time (`page_size`, 1 to 100): their queries are counted at both ends.
PAGED = {
    "article_list",
    "article_list_filtered",
    "article_search",
    "article_search_common",
    "quotes_by_speaker",
    "events",
    "page_article_list",
    "page_person",
    "page_timeline",
}


def _write() -> None:
    """Commits a transaction that takes an id: the database's snapshot moves, as after any editor's change."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()")


def _timed(client, url: str, n: int) -> dict:
    """Latency and throughput of ``n`` GETs of ``url`` (fewer if slow), as served: repeated, cache hits."""
    for _ in range(2):
        client.get(url)
    times: list[float] = []
    while len(times) < n and (len(times) < MIN_REQUESTS or sum(times) < BUDGET_SECONDS):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    return _stats(times)


def _stats(times: list[float]) -> dict:
    times = sorted(times)
    return {
        "p50_ms": round(statistics.median(times) * 1000, 2),
        "p95_ms": round(times[max(int(len(times) * 0.95) - 1, 0)] * 1000, 2),
        "rps": round(len(times) / sum(times), 1),
        "requests": len(times),
    }


def _timed_fresh(client, url: str, floor_url: str, n: int) -> tuple[dict, dict]:
    """``url`` rendered afresh and its floor, each request after a write, taken in turn.

    Alternating the two gives both the same machine: a busy moment of a shared machine slows both, not
    only the one measured then.
    """
    for _ in range(2):
        client.get(url)
        client.get(floor_url)
    ours: list[float] = []
    floor: list[float] = []
    while len(ours) < n and (len(ours) < MIN_REQUESTS or sum(ours) + sum(floor) < 2 * BUDGET_SECONDS):
        for target, times in ((floor_url, floor), (url, ours)):
            _write()
            start = time.perf_counter()
            response = client.get(target)
            times.append(time.perf_counter() - start)
            if response.status_code != 200:
                raise SystemExit(f"{target} answered {response.status_code}")
    return _stats(ours), _stats(floor)


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _write()  # the queries of a render, not of a cache hit
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return len(ctx.captured_queries)


def _profile(client, url: str, name: str) -> str:
    """Profiles a few uncached requests of ``url`` with pyinstrument; writes the text report, returns its path."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    for _ in range(PROFILED_REQUESTS):
        _write()
        with profiler:
            client.get(url)
    out = PROFILE_DIR / f"profile_{name}.txt"
    for stale in PROFILE_DIR.glob("profile_*.txt"):  # another endpoint's, from a run where it was the slowest
        if stale != out:
            stale.unlink()
    root = PROFILE_DIR.parent.parent
    # Paths relative to the checkout: the report is committed, and where a checkout lies is the machine's affair.
    report = profiler.output_text(unicode=False, color=False).replace(f"{root}{os.sep}", "")
    out.write_text(f"{name}: {url} ({PROFILED_REQUESTS} requests)\n" + report)
    return str(out.relative_to(root))


# A typical search word is held by about this share of the articles, as a name, a place or a topic is.
TYPICAL_SHARE = 0.01


def _search_words() -> dict:
    """Two words to search for: a typical one, and the one held by the most published articles (the worst case).

    The typical word is the generator's long-tail word (bench.build) whose number of articles is nearest
    TYPICAL_SHARE of them; the common one is the seeds' most frequent indexed word with the most articles.
    """
    from collections import Counter

    from django.db import connection

    from bench import build

    def held(word: str) -> int:
        cursor.execute(
            "SELECT count(*) FROM articles_article WHERE status = 'published'"
            " AND search_vector @@ websearch_to_tsquery('english', %s)",
            [word],
        )
        return cursor.fetchone()[0]

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM articles_article WHERE status = 'published'")
        target = cursor.fetchone()[0] * TYPICAL_SHARE
        tail = {word: held(word) for word in (f"tail{k}" for k in (1, 3, 10, 30, 100, 200, 300, 1000, 3000))}
        typical = min(tail, key=lambda word: (abs(tail[word] - target), word))
        frequent = [word for word, _ in Counter(w.lower() for w in build.WORDS).most_common(40)]
        cursor.execute("SELECT DISTINCT unnest(tsvector_to_array(to_tsvector('english', %s)))", [" ".join(frequent)])
        common = {row[0]: 0 for row in cursor.fetchall()}
        common = {word: held(word) for word in sorted(common)}
        most = max(common, key=lambda word: (common[word], word))
    return {"typical": typical, "typical_articles": tail[typical], "common": most, "common_articles": common[most]}


def _page(url: str, size: int) -> str:
    return f"{url}{'&' if '?' in url else '?'}page_size={size}"


def main(requests: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from django.test import Client

    from articles.models import Article, Quote
    from articles.models import Source as S

    article = Article.objects.filter(status="published").order_by("id").first()
    speaker = Quote.objects.filter(speaker__isnull=False).order_by("id").first().speaker
    # The outlet of a published article: a filter that matches nothing would measure nothing.
    source = S.objects.get(pk=article.source_id)
    words = _search_words()
    word, common_word = words["typical"], words["common"]
    endpoints = {
        "article_list": ("/api/v1/articles/", "/floor/articles/"),
        "article_list_filtered": (f"/api/v1/articles/?source={source.slug}", f"/floor/articles/?source={source.slug}"),
        "article_search": (f"/api/v1/articles/?q={word}", f"/floor/search/?q={word}"),
        "article_search_common": (f"/api/v1/articles/?q={common_word}", f"/floor/search/?q={common_word}"),
        "article_detail": (f"/api/v1/articles/{article.slug}/", f"/floor/articles/{article.slug}/"),
        "quotes_by_speaker": (f"/api/v1/quotes/?speaker={speaker.slug}", f"/floor/quotes/?speaker={speaker.slug}"),
        "events": ("/api/v1/events/", "/floor/events/"),
        "timeline_json": ("/api/v1/timeline.json", "/floor/timeline.json"),
        "page_home": ("/", "/floor/articles/"),
        "page_article_list": ("/articles/", "/floor/articles/"),
        "page_article": (f"/articles/{article.slug}/", f"/floor/articles/{article.slug}/"),
        "page_person": (f"/people/{speaker.slug}/", f"/floor/people/{speaker.slug}/"),
        "page_timeline": ("/timeline/", "/floor/timeline/"),
        "page_search": (f"/search/?q={word}", f"/floor/search-page/?q={word}"),
        "page_search_common": (f"/search/?q={common_word}", f"/floor/search-page/?q={common_word}"),
    }
    client = Client()
    results = {}
    for name, (url, floor_url) in endpoints.items():
        try:
            ours = _timed(client, url, requests)
        except SystemExit as failure:  # an endpoint that does not exist yet is reported, not fatal
            results[name] = {"error": str(failure)}
            continue
        # Every answer rendered afresh (what the first reader after any write waits for), in turn with the floor.
        fresh, floor = _timed_fresh(client, url, floor_url, max(MIN_REQUESTS, requests // 3))
        entry = {
            **ours,
            "floor_p50_ms": floor["p50_ms"],
            "floor_rps": floor["rps"],
            "rps_ratio_vs_floor": round(ours["rps"] / floor["rps"], 3),
            "uncached_p50_ms": fresh["p50_ms"],
            "uncached_p95_ms": fresh["p95_ms"],
            "uncached_rps_ratio_vs_floor": round(fresh["rps"] / floor["rps"], 3),
            "queries": _queries(client, url),
        }
        if name in PAGED:
            entry["queries_page_1"] = _queries(client, _page(url, 1))
            entry["queries_page_100"] = _queries(client, _page(url, 100))
        results[name] = entry
        print(name, json.dumps(entry), file=sys.stderr, flush=True)
    measured = {name: entry for name, entry in results.items() if "p50_ms" in entry}
    if measured:
        # The slowest render from scratch: what the cache hides and the next work should cut.
        slowest = max(measured, key=lambda name: measured[name]["uncached_p50_ms"])
        results["slowest"] = {"name": slowest, "profile": _profile(client, endpoints[slowest][0], slowest)}
    # Rendered afresh: cache hits would make any two endpoints look alike.
    detail = results.get("article_detail", {}).get("uncached_p95_ms")
    search = results.get("article_search", {}).get("uncached_p95_ms")
    common = results.get("article_search_common", {}).get("uncached_p95_ms")
    if detail and search:
        results["search_p95_vs_detail_p95"] = round(search / detail, 2)
        results["search_words"] = words
    if detail and common:
        results["search_common_p95_vs_detail_p95"] = round(common / detail, 2)
    print(json.dumps(results))


if __name__ == "__main__":
    main(int(sys.argv[1]))
