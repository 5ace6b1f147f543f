"""factory_boy factories for tests that need rows without importing files (append new ones; do not rewrite)."""

from __future__ import annotations

import datetime as dt
import hashlib

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from articles import services
from articles.models import Article, DatedMention, Mention, Person, Quote, Source, Story


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source
        django_get_or_create = ("slug",)  # migration 0002 already made some (Rudaw)

    name = factory.Sequence(lambda n: f"Outlet {n}")
    slug = factory.Sequence(lambda n: f"outlet-{n}")
    domain = factory.Sequence(lambda n: f"outlet{n}.example")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        django_get_or_create = ("slug",)  # migration 0002 already made some (NATO, ISIS)

    name = factory.Sequence(lambda n: f"Person {n}")
    slug = factory.Sequence(lambda n: f"person-{n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article
        skip_postgeneration_save = True

    source = factory.SubFactory(SourceFactory)
    title = factory.Sequence(lambda n: f"Article {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    published_on = dt.date(2020, 1, 1)
    published_precision = factory.LazyAttribute(lambda a: "day" if a.published_on else "")
    published_origin = factory.LazyAttribute(lambda a: "text" if a.published_on else "")
    body = factory.LazyAttribute(lambda a: f"{a.title}. The minister said the mission goes on.")
    raw_text = factory.LazyAttribute(lambda a: a.body)
    sha256 = factory.Sequence(lambda n: hashlib.sha256(f"article {n}".encode()).hexdigest())
    original_filename = factory.Sequence(lambda n: f"article-{n}.txt")
    status = Article.Status.PUBLISHED

    @factory.post_generation
    def fingerprints(obj, create, extracted, **kwargs):
        # As the importer keeps them: an article made here is found by the near-duplicate check too.
        if create:
            services.article_fingerprints_sync(article=obj, fresh=True)


class QuoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quote

    article = factory.SubFactory(ArticleFactory)
    text = factory.Sequence(lambda n: f"We will stay as long as necessary, number {n}")
    speaker = factory.SubFactory(PersonFactory)
    speaker_mention = factory.LazyAttribute(lambda q: q.speaker.name if q.speaker else "")
    start = factory.Sequence(lambda n: n * 10)
    end = factory.LazyAttribute(lambda q: q.start + len(q.text))
    raw_start = factory.LazyAttribute(lambda q: q.start)
    raw_end = factory.LazyAttribute(lambda q: q.end)
    confidence = 0.9


class MentionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mention

    article = factory.SubFactory(ArticleFactory)
    person = factory.SubFactory(PersonFactory)
    text = factory.LazyAttribute(lambda m: m.person.name)
    start = factory.Sequence(lambda n: n * 10)
    end = factory.LazyAttribute(lambda m: m.start + len(m.text))
    raw_start = factory.LazyAttribute(lambda m: m.start)
    raw_end = factory.LazyAttribute(lambda m: m.end)


class StoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Story

    title = factory.Sequence(lambda n: f"Story {n}")
    slug = factory.Sequence(lambda n: f"story-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")


def editor_user(**kwargs):
    """A user with the view and change permissions of the articles app's models, as the editors' group has."""
    user = UserFactory(**kwargs)
    codenames = [f"{action}_{model}" for action in ("view", "change") for model in ("article", "quote", "person")]
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="articles", codename__in=codenames))
    user.save()
    return user


class DatedMentionFactory(factory.django.DjangoModelFactory):
    """A sentence reporting a happening on a Monday (its date, precision and end date may be given)."""

    class Meta:
        model = DatedMention

    article = factory.SubFactory(ArticleFactory)
    expression = "on Monday"
    date = dt.date(2020, 2, 10)
    precision = "day"
    origin = "text"
    sentence = "It happened on Monday."
    start = factory.Sequence(lambda n: n * 40)
    end = factory.LazyAttribute(lambda m: m.start + len(m.expression))
    raw_start = factory.LazyAttribute(lambda m: m.start)
    raw_end = factory.LazyAttribute(lambda m: m.end)
    confidence = 0.9
    extractor_version = "test"
