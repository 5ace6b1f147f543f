"""Scores an imported database against the generated files' known answers (run as a module, prints JSON)."""

from __future__ import annotations

import json
import os
import sys

import django


def main(answers_path: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsarchive.settings")
    django.setup()
    from articles.models import Article

    with open(answers_path, encoding="utf-8") as f:
        answers = json.load(f)["answers"]
    by_file = {
        a.original_filename: a for a in Article.objects.prefetch_related("authors", "quotes__speaker", "dated_mentions")
    }
    counts = {"metadata": [0, 0], "quotes": [0, 0], "speakers": [0, 0], "events": [0, 0]}

    def add(key: str, hit: bool) -> None:
        counts[key][0] += int(hit)
        counts[key][1] += 1

    for answer in answers:
        article = by_file.get(answer["file"])
        if article is None:
            for key in counts:
                add(key, False)
            continue
        add("metadata", article.title == answer["title"])
        add("metadata", (article.published_on.isoformat() if article.published_on else None) == answer["published_on"])
        add("metadata", [p.name for p in article.authors.all()] == answer["authors"])
        quotes = {q.text: q for q in article.quotes.all()}
        for q in answer["quotes"]:
            found = quotes.get(q["text"])
            add("quotes", found is not None)
            if found is not None:
                add("speakers", found.speaker is not None and found.speaker.name == q["speaker"])
        for e in answer["events"]:
            hits = [
                d
                for d in article.dated_mentions.all()
                if e["expression"] in d.expression or d.expression in e["expression"]
            ]
            want = e["date"]
            add(
                "events",
                any(
                    (d.date.isoformat()[: len(want)] == want) if want else d.date is None
                    for d in hits
                    if d.date or not want
                ),
            )
    print(json.dumps({k: round(h / t, 4) if t else None for k, (h, t) in counts.items()}))


if __name__ == "__main__":
    main(sys.argv[1])
