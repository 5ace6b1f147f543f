"""The near-duplicate check at import: the most alike earlier article, read as ids and bodies."""

from __future__ import annotations

import pytest

from articles import services
from tests.factories import ArticleFactory

BODY = " ".join(f"Paragraph {i} tells how the talks on the border went on day {i} of the round." for i in range(12))


@pytest.mark.django_db
def test_the_most_alike_earlier_article_is_the_duplicate():
    close = ArticleFactory(title="Talks", body=BODY.replace("day 3 ", "day three "))
    ArticleFactory(title="Other", body=BODY.replace("day 1", "week 1").replace("day 2", "week 2"))
    ArticleFactory(title="Unrelated", body="Nothing alike at all, about something else entirely. " * 12)
    article = ArticleFactory(title="Talks again", body=BODY)
    found = services._near_duplicate(article)
    assert found is not None
    assert found.pk == close.pk


@pytest.mark.django_db
def test_of_equally_alike_articles_the_later_is_the_duplicate():
    ArticleFactory(title="First", body=BODY.replace("day 3 ", "day 4 "))
    later = ArticleFactory(title="Second", body=BODY.replace("day 5 ", "day 6 "))
    found = services._near_duplicate(ArticleFactory(title="Third", body=BODY))
    assert found is not None
    assert found.pk == later.pk


@pytest.mark.django_db
def test_nothing_alike_enough_is_no_duplicate():
    ArticleFactory(title="Unrelated", body="Nothing alike at all, about something else entirely. " * 12)
    assert services._near_duplicate(ArticleFactory(title="Talks", body=BODY)) is None
