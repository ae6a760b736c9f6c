"""The site's own routes, mounted before Wagtail's page catch-all."""

from django.urls import path

from . import views
from .feeds import NewsFeed
from .sitemaps import sitemap

app_name = "cms"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("feeds/news/", NewsFeed(), name="news_feed"),
    path("sitemap.xml", sitemap, name="sitemap"),
]
