"""Points pages: each feature appends its own block, as in ``volunteers/urls.py``."""

app_name = "points"
urlpatterns = []
