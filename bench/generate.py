"""A deterministic generator of realistic raw article files, each with its known answer.

The files look like the seeds and like other outlets' pages: a headline, a date
line in one of several forms, a byline or none, tags, a dateline, quotes in
several attribution forms, dated happenings in absolute and relative forms,
and the site chrome around them (share buttons, comment policies, teasers).
The same seed always gives the same files, so runs compare.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path

FIRST = [
    "Amira",
    "Daniel",
    "Hassan",
    "Laura",
    "Omar",
    "Sofia",
    "Karim",
    "Elena",
    "Yusuf",
    "Marta",
    "Tariq",
    "Ingrid",
    "Samir",
    "Nadia",
    "Pavel",
    "Leila",
]
LAST = [
    "Haddad",
    "Kowalski",
    "Rahimi",
    "Jensen",
    "Barzani",
    "Moreau",
    "Okafor",
    "Lindqvist",
    "Nasser",
    "Petrov",
    "Alvarez",
    "Ito",
    "Mahmoud",
    "Brandt",
]
ROLES = ["Defence Minister", "Foreign Minister", "spokesman for the ministry", "Secretary General", "Governor"]
ORGS = ["NATO", "the European Union", "the United Nations", "the Arab League", "the African Union"]
PLACES = ["BAGHDAD", "ERBIL", "BRUSSELS", "AMMAN", "GENEVA", "ANKARA", "BEIRUT"]
TOPICS = [
    ("training mission", "the training mission will continue as long as it is needed"),
    ("border talks", "the talks on the border have made real progress"),
    ("aid convoy", "the aid convoy must be allowed to reach the city"),
    ("election", "the election will be held on time and in full"),
    ("ceasefire", "the ceasefire is holding in most of the province"),
]
VERBS = ["met", "signed an agreement", "announced a review", "held talks", "opened a new office"]
# Background sentences: realistic length and names, no quotation marks and no dates.
FILLER = [
    "{org} has said its role is limited to advice and training, and that its staff do not take part in operations.",
    "Officials in {place_title} have argued for months that the {topic} needs more money and clearer goals.",
    "{person}, who has followed the {topic} closely, said the next steps depend on the government's budget.",
    "Diplomats say the talks have been slowed by disagreements over who pays for the {topic} and who leads it.",
    "Several member states have offered staff, equipment and funding, though the numbers remain small.",
    "Critics of the plan say it repeats the mistakes of earlier efforts that ended without lasting results.",
    "The ministry declined to comment on the details, citing the security of the people involved.",
    "Local groups have asked to be consulted before any agreement is signed, according to people at the meetings.",
    "{org} officials are expected to present a report to the council once the review is complete.",
    "Analysts in {place_title} note that public support for the {topic} has grown, but remains fragile.",
]
CHROME_TOP = ["You are here", "A+ A-", "Share on Facebook", "Tweet"]
CHROME_TAIL = [
    "Comments",
    "{outlet} moderates all comments submitted on our website. We welcome constructive criticism about {outlet}.",
    "Post a comment",
    "Required",
    "Newsletter",
    "Get top stories emailed to you each day.",
    "The Latest",
]


@dataclass
class Answer:
    """What a careful reader finds in a generated file."""

    file: str
    title: str
    published_on: str | None
    authors: list[str]
    quotes: list[dict[str, str]] = field(default_factory=list)
    events: list[dict[str, str | None]] = field(default_factory=list)


@dataclass(frozen=True)
class Outlet:
    name: str
    date_style: str  # "dmy-dash", "mon-d-comma", "d-month-y", "iso", "none"
    byline_style: str  # "by-dash", "repeated", "none", "by-dot"


OUTLETS = [
    Outlet("Rudaw", "dmy-dash", "repeated"),
    Outlet("Northern Courier", "mon-d-comma", "by-dash"),
    Outlet("Gulf Wire", "d-month-y", "by-dot"),
    Outlet("Levant Daily", "iso", "none"),
    Outlet("Capital Post", "none", "by-dash"),
]


def _date_line(style: str, day: dt.date) -> str:
    if style == "dmy-dash":
        return day.strftime("%d-%m-%Y")
    if style == "mon-d-comma":
        return f"{day.strftime('%b')} {day.day},{day.year}"
    if style == "d-month-y":
        return f"{day.day} {day.strftime('%B %Y')}"
    if style == "iso":
        return day.isoformat()
    return ""


def _person(rng: random.Random) -> tuple[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return f"{first} {last}", last


def article(rng: random.Random, index: int) -> tuple[str, Answer]:
    """One raw file's text and its answer."""
    outlet = rng.choice(OUTLETS)
    published = dt.date(2018, 1, 1) + dt.timedelta(days=rng.randrange(0, 3 * 365))
    topic, claim = rng.choice(TOPICS)
    speaker, surname = _person(rng)
    role = rng.choice(ROLES)
    org = rng.choice(ORGS)
    second, second_surname = _person(rng)
    while second_surname == surname:
        second, second_surname = _person(rng)
    author = _person(rng)[0]
    title = f"{org[4:] if org.startswith('the ') else org} {rng.choice(['weighs', 'backs', 'questions'])} {topic}"
    title = title[:1].upper() + title[1:]
    weekday = published.strftime("%A")
    past = published - dt.timedelta(days=rng.randrange(20, 400))
    month_back = published.replace(day=1) - dt.timedelta(days=1)

    lines: list[str] = []
    if rng.random() < 0.5:
        lines.append(rng.choice(CHROME_TOP))
    lines.append(title)
    date_text = _date_line(outlet.date_style, published)
    authors: list[str] = []
    if outlet.byline_style == "by-dash" and date_text:
        lines.append(f"By {author} - {date_text} - Last updated at {date_text}")
        authors = [author]
    else:
        if date_text:
            lines.append(date_text)
        if outlet.byline_style == "repeated":
            lines += [author, author]
            authors = [author]
        elif outlet.byline_style == "by-dot":
            lines.append(f"by {author}")
            authors = [author]
    lines.append(f"Tags: {topic.title()} {org.replace('the ', '').title()}")
    quote1 = f"We believe {claim}, and we will say so to anyone who asks"
    quote2 = f"Nobody should doubt our commitment to the {topic}"
    quote3 = "a turning point"
    body = [
        f"{rng.choice(PLACES)} \u2013 {role} {speaker} said on {weekday} that {claim}, "
        f"as {org} prepared for another round of talks.",
        f"\u201c{quote1},\u201d {surname} told reporters.",
        f"In {past.strftime('%B %Y')}, {org} {rng.choice(VERBS)} with the government in the capital.",
        f"\u201c{quote2},\u201d he added.",
        f"{second}, an analyst, said the decision last month was \u201c{quote3}\u201d for the region.",
    ]
    place_title = rng.choice(PLACES).title()
    for _ in range(rng.randrange(8, 14)):
        paragraph = " ".join(
            rng.choice(FILLER).format(org=org, place_title=place_title, topic=topic, person=_person(rng)[0])
            for _ in range(rng.randrange(2, 4))
        )
        body.insert(rng.randrange(2, len(body) + 1), paragraph[:1].upper() + paragraph[1:])
    lines += body
    lines.append(f"Read more: {rng.choice(TOPICS)[0].title()} in focus")
    lines += [line.format(outlet=outlet.name) for line in CHROME_TAIL]
    text = "\n\n".join(lines) + "\n"
    has_date = bool(date_text)
    answer = Answer(
        file=f"{index:06d}.txt",
        title=title,
        published_on=published.isoformat() if has_date else None,
        authors=authors,
        quotes=[
            {"text": quote1, "speaker": speaker},
            {"text": quote2, "speaker": speaker},
            {"text": quote3, "speaker": second},
        ],
        events=[
            {"expression": weekday, "date": published.isoformat() if has_date else None, "precision": "day"},
            {"expression": past.strftime("%B %Y"), "date": past.strftime("%Y-%m"), "precision": "month"},
            {
                "expression": "last month",
                "date": month_back.strftime("%Y-%m") if has_date else None,
                "precision": "month",
            },
        ],
    )
    return text, answer


def write(folder: Path, count: int, *, seed: int = 2018) -> list[Answer]:
    """Write ``count`` files (and answers.json) into ``folder``, unless they are already there."""
    folder.mkdir(parents=True, exist_ok=True)
    answers_file = folder / "answers.json"
    if answers_file.exists():
        stored = json.loads(answers_file.read_text())
        if stored.get("seed") == seed and len(stored["answers"]) == count:
            return [Answer(**a) for a in stored["answers"]]
    rng = random.Random(seed)
    answers = []
    for i in range(count):
        text, answer = article(rng, i)
        (folder / answer.file).write_text(text, encoding="utf-8")
        answers.append(answer)
    answers_file.write_text(json.dumps({"seed": seed, "answers": [asdict(a) for a in answers]}))
    return answers
