"""The admin's groups: Editors (change content, run actions, upload; no deletion), Reviewers, Viewers (read only).

`python manage.py setup_roles` grants the same lists and brings the groups up to date when models arrive later.
The lists are copied here, not imported: a migration must keep meaning what it meant when it was written.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTENT = ["article", "quote", "person", "alias", "datedmention", "mention", "removedspan", "story"]
REFERENCE = ["source", "sourcepattern"]
RECORDS = ["importrun", "job", "jobitem"]
TIMELINE = ["event", "eventmention", "statement", "statementquote"]
READ = [("articles", "view", CONTENT + REFERENCE + RECORDS), ("timeline", "view", TIMELINE)]

# Nobody but a superuser deletes: editors reject a quote or withdraw an article instead.
ROLES = {
    "Editors": [
        *READ,
        ("articles", "change", CONTENT + REFERENCE),
        ("timeline", "change", TIMELINE),
        ("articles", "add", ["article", "alias", "story", "source", "sourcepattern", "importrun", "job"]),
        ("timeline", "add", ["event", "eventmention"]),
    ],
    "Reviewers": [*READ, ("articles", "change", ["quote"])],
    "Viewers": READ,
}


def create_groups(apps, schema_editor):
    alias = schema_editor.connection.alias
    # Permissions are created after all migrations (post_migrate); a fresh database has none yet.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=alias)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, grants in ROLES.items():
        group, _ = Group.objects.using(alias).get_or_create(name=role)
        wanted = [(app, f"{action}_{model}") for app, action, models in grants for model in models]
        permissions = [
            p
            for p in Permission.objects.using(alias).select_related("content_type")
            if (p.content_type.app_label, p.codename) in wanted
        ]
        group.permissions.set(permissions)


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.using(schema_editor.connection.alias).filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_person_office_of"),
        # The timeline's models must exist for their permissions to be granted.
        ("timeline", "0003_statement"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
