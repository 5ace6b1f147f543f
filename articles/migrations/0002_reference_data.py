"""Reference data: the outlets the seed articles name, and organisations' alternate names.

Created only where missing, so an editor's later changes to these rows stand.
"""

from django.db import migrations

SOURCES = [
    {
        "name": "Rudaw",
        "slug": "rudaw",
        "kind": "news_outlet",
        # Rudaw's all-numeric dates are day-first: 05-03-2018 falls on the Monday its article reports.
        "date_order": "DMY",
        "patterns": [
            ("Rudaw moderates all comments", False, "named"),
            ("constructive criticism about Rudaw", False, "named"),
            # Rudaw's dateline style names the Kurdistan Region after the city, with an en dash.
            (r"^[A-Z][A-Z ]+, Kurdistan Region \u2013", True, "style"),
        ],
    },
]

# Alternate names that no string similarity finds.
ORGANISATIONS = [
    ("ISIS", "isis", ["Daesh", "Islamic State", "ISIL", "Islamic State of Iraq and Syria", "Islamic State of Iraq and the Levant"]),
    ("NATO", "nato", ["North Atlantic Treaty Organization", "North Atlantic Treaty Organisation"]),
    ("Popular Mobilization Forces", "popular-mobilization-forces", ["PMF", "Hashd al-Shaabi", "Popular Mobilisation Forces"]),
]


def _normalize(name):
    import re
    import unicodedata

    bare = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    bare = re.sub(r"[^\w\s-]", " ", bare.casefold())
    return re.sub(r"\s+", " ", bare).strip()


def forwards(apps, schema_editor):
    Source = apps.get_model("articles", "Source")
    SourcePattern = apps.get_model("articles", "SourcePattern")
    Person = apps.get_model("articles", "Person")
    Alias = apps.get_model("articles", "Alias")
    for spec in SOURCES:
        source, created = Source.objects.get_or_create(
            slug=spec["slug"], defaults={"name": spec["name"], "kind": spec["kind"], "date_order": spec["date_order"]}
        )
        if created:
            for pattern, is_regex, strength in spec["patterns"]:
                SourcePattern.objects.create(source=source, pattern=pattern, is_regex=is_regex, strength=strength)
    for name, slug, aliases in ORGANISATIONS:
        person, created = Person.objects.get_or_create(slug=slug, defaults={"name": name, "kind": "organisation"})
        if created:
            for alias in aliases:
                Alias.objects.create(person=person, name=alias, normalized=_normalize(alias))


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
