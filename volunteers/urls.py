from django.urls import path

from . import views

app_name = "volunteers"
urlpatterns = [
    path("me/", views.me, name="me"),
]
