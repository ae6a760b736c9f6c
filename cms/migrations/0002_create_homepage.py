from django.db import migrations


def create_homepage(apps, schema_editor):
    """Replace Wagtail's welcome page with our HomePage and point the default Site at it."""
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    HomePage = apps.get_model("cms.HomePage")

    root = Page.objects.get(depth=1)
    Page.objects.filter(depth=2, slug="home").delete()
    content_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="cms")
    home = HomePage.objects.create(
        title="美丽沙州",
        draft_title="美丽沙州",
        slug="home",
        content_type=content_type,
        path=f"{root.path}0001",
        depth=2,
        numchild=0,
        url_path="/home/",
        locale_id=root.locale_id,
        tagline="红马甲在身边 · 有难找支部，服务找党员",
        intro="沙州镇志愿服务与在职党员积分平台：找活动、扫码签到、查积分、看光荣榜。",
    )
    root.numchild = Page.objects.filter(depth=2).count()
    root.save(update_fields=["numchild"])
    Site.objects.filter(is_default_site=True).delete()
    Site.objects.create(
        hostname="localhost",
        port=80,
        root_page_id=home.id,
        is_default_site=True,
        site_name="美丽沙州",
    )


def remove_homepage(apps, schema_editor):
    apps.get_model("cms.HomePage").objects.filter(slug="home", depth=2).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_homepage"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_homepage, remove_homepage)]
