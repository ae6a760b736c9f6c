"""The group that lets role holders into the Wagtail admin (see services.memberships)."""

from django.db import migrations

GROUP_NAME = "组织管理员"


def add_group(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")

    group, _created = Group.objects.get_or_create(name=GROUP_NAME)
    admin_type, _created = ContentType.objects.get_or_create(
        app_label="wagtailadmin", model="admin"
    )
    access, _created = Permission.objects.get_or_create(
        content_type=admin_type,
        codename="access_admin",
        defaults={"name": "Can access Wagtail admin"},
    )
    group.permissions.add(access)

    # An activity's cover image is uploaded or chosen in the admin, like a news picture.
    image_type, _created = ContentType.objects.get_or_create(
        app_label="wagtailimages", model="image"
    )
    root = Collection.objects.filter(depth=1).first()
    if root is None:
        return
    for codename, name in (("add_image", "Can add image"), ("choose_image", "Can choose image")):
        permission, _created = Permission.objects.get_or_create(
            content_type=image_type, codename=codename, defaults={"name": name}
        )
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=root, permission=permission
        )


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0004_default_activity_categories"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailimages", "0023_add_choose_permissions"),
        ("wagtailcore", "0026_group_collection_permission"),
    ]

    operations = [migrations.RunPython(add_group, remove_group)]
