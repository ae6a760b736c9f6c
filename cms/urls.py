"""The site's own routes, mounted before Wagtail's page catch-all."""

from django.urls import path

from cms import views
from cms.feeds import NewsFeed
from cms.sitemaps import sitemap

app_name = "cms"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("feeds/news/", NewsFeed(), name="news_feed"),
    path("sitemap.xml", sitemap, name="sitemap"),
]
