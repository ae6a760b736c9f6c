"""The site's own routes, mounted before Wagtail's page catch-all."""

from django.urls import path

from cms import app_shell, robots, views
from cms.feeds import NewsFeed
from cms.sitemaps import sitemap

app_name = "cms"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("feeds/news/", NewsFeed(), name="news_feed"),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("robots.txt", robots.robots_txt, name="robots_txt"),
    # Add to home screen: the manifest, the service worker (at the root, to control the
    # whole site) and the page it shows without a network.
    path("manifest.webmanifest", app_shell.manifest, name="manifest"),
    path("sw.js", app_shell.service_worker, name="service_worker"),
    path("offline/", app_shell.offline, name="offline"),
]
