"""Public pages of the timeline app."""

app_name = "timeline"
urlpatterns: list = []
