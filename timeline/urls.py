"""Public pages of the timeline app."""

from django.urls import path

from timeline import views

app_name = "timeline"
urlpatterns = [
    path("timeline/", views.timeline_index, name="index"),
    path("timeline/events/<int:pk>/", views.event_detail, name="event"),
    path("timeline/undated/", views.undated_list, name="undated"),
]
