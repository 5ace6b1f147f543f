"""python manage.py setup_roles [--editor USER ...] [--reviewer USER ...] [--viewer USER ...]: the admin's groups."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

CONTENT = ["article", "quote", "person", "alias", "datedmention", "mention", "removedspan", "story"]
REFERENCE = ["source", "sourcepattern"]
RECORDS = ["importrun", "job", "jobitem"]
TIMELINE = ["event", "eventmention", "statement", "statementquote"]

# What each group may do, as (app, action, models). Nobody but a superuser deletes: editors reject a
# quote or withdraw an article instead, so nothing an editor touched can vanish, and re-extraction
# cannot bring back what a deletion would have lost.
ROLES: dict[str, list[tuple[str, str, list[str]]]] = {
    "Editors": [
        *(
            (app, "view", models)
            for app, models in (("articles", CONTENT + REFERENCE + RECORDS), ("timeline", TIMELINE))
        ),
        ("articles", "change", CONTENT + REFERENCE),
        ("timeline", "change", TIMELINE),
        # Upload (articles come from files), new outlets and their patterns, stories, re-extraction jobs.
        ("articles", "add", ["article", "alias", "story", "source", "sourcepattern", "importrun", "job"]),
        ("timeline", "add", ["event", "eventmention"]),
    ],
    "Reviewers": [
        *(
            (app, "view", models)
            for app, models in (("articles", CONTENT + REFERENCE + RECORDS), ("timeline", TIMELINE))
        ),
        # Verify or reject quotes: the admin's quote actions need change on quotes, nothing else.
        ("articles", "change", ["quote"]),
    ],
    "Viewers": [
        *(
            (app, "view", models)
            for app, models in (("articles", CONTENT + REFERENCE + RECORDS), ("timeline", TIMELINE))
        ),
    ],
}


def role_permissions(role: str) -> list[Permission]:
    """The permissions a role grants (models that do not exist yet are skipped)."""
    wanted = [f"{action}_{model}" for app, action, models in ROLES[role] for model in models]
    apps = {app for app, _, _ in ROLES[role]}
    return list(
        Permission.objects.filter(content_type__app_label__in=apps, codename__in=wanted).select_related("content_type")
    )


@transaction.atomic
def roles_setup() -> dict[str, Group]:
    """Create or bring up to date the groups Editors, Reviewers and Viewers (idempotent)."""
    groups = {}
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(role_permissions(role))
        groups[role] = group
    return groups


class Command(BaseCommand):
    help = (
        "Create the admin's groups: Editors (change content, run actions, upload; no deletion), "
        "Reviewers (read, verify or reject quotes) and Viewers (read only); optionally put users in them."
    )

    def add_arguments(self, parser):
        for role in ("editor", "reviewer", "viewer"):
            parser.add_argument(
                f"--{role}",
                action="append",
                default=[],
                metavar="USERNAME",
                help=f"Make this existing user a {role} (staff, in the group); repeatable.",
            )

    def handle(self, *args, **opts):
        groups = roles_setup()
        for role in ROLES:
            self.stdout.write(f"{role}: {groups[role].permissions.count()} permissions")
        User = get_user_model()
        for option, role in (("editor", "Editors"), ("reviewer", "Reviewers"), ("viewer", "Viewers")):
            for username in opts[option]:
                try:
                    user = User.objects.get(username=username)
                except User.DoesNotExist as exc:
                    raise CommandError(f"no user {username!r}: create it first (manage.py createsuperuser)") from exc
                user.is_staff = True  # the admin admits staff only
                user.save(update_fields=["is_staff"])
                user.groups.add(groups[role])
                self.stdout.write(f"{username} is now in {role}")
