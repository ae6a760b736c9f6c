from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("宣传网站")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here: models and tasks need the app registry that ready() waits for.
        from cms import chrome, signals, sites, tasks
        from core.masking import register_public_names
        from volunteers.signals import activity_finished

        signals.connect()
        # `migrate` gives the default Wagtail Site SITE_URL's host and port (cms.sites).
        post_migrate.connect(
            sites.follow_site_url_after_migrate, sender=self, dispatch_uid="cms_site_url"
        )
        # Public rankings anywhere (points too) show names as the site's settings say.
        register_public_names(chrome.ranking_names)
        # volunteers' one way up (volunteers.signals): a finished activity gets a draft report.
        activity_finished.connect(tasks.activity_finished, dispatch_uid="cms_report_draft")
