from django.contrib.auth.management import create_permissions
from django.db import migrations

# Moderators run the comment desk (comments, rules, word lists, bans, reports), nothing else.
MODERATORS = {
    "comments": {
        "comment": ["view", "change", "delete"],
        "moderationrules": ["view", "change"],
        "moderationterm": ["view", "add", "change", "delete"],
        "ban": ["view", "add", "change", "delete"],
        "report": ["view", "delete"],
    },
}
# Editors publish articles (and open or close their discussions).
EDITORS = {"articles": {"article": ["view", "add", "change", "delete"]}}
GROUPS = {"Moderators": MODERATORS, "Editors": EDITORS}


def create_groups(apps, schema_editor):
    # Permissions are normally made after migrate; make them now so a fresh database gets the groups.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, models in grants.items():
            for model, actions in models.items():
                codenames = [f"{action}_{model}" for action in actions]
                group.permissions.add(
                    *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
                )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0004_moderation"),
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
