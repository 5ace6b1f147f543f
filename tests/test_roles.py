"""The admin's groups come from a data migration, and setup_roles keeps them in step with it."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command


def grants() -> dict[str, set[str]]:
    return {
        g.name: {f"{p.content_type.app_label}.{p.codename}" for p in g.permissions.select_related("content_type")}
        for g in Group.objects.all()
    }


@pytest.mark.django_db
def test_migrate_creates_editors_reviewers_and_viewers_with_their_permissions():
    groups = grants()  # nothing but the migrations has run
    assert {"Editors", "Reviewers", "Viewers"} <= set(groups)
    editors, viewers = groups["Editors"], groups["Viewers"]
    # Editors change content, run actions (change), upload (add articles and import runs), group stories.
    assert {"articles.change_article", "articles.add_article", "articles.add_importrun", "articles.change_quote"} <= (
        editors
    )
    assert {"articles.add_story", "articles.change_person", "timeline.change_event", "articles.add_job"} <= editors
    # Nobody but a superuser deletes.
    assert not any(".delete_" in p for perms in groups.values() for p in perms)
    # Viewers read everything and change nothing.
    assert {"articles.view_article", "articles.view_quote", "articles.view_source", "timeline.view_event"} <= viewers
    assert all(".view_" in p for p in viewers)
    assert groups["Reviewers"] - viewers == {"articles.change_quote"}


@pytest.mark.django_db
def test_setup_roles_grants_what_the_migration_granted():
    """The permission matrix in test_admin runs on setup_roles' groups: they must be the migration's."""
    migrated = grants()
    call_command("setup_roles", stdout=io.StringIO())
    assert grants() == migrated
