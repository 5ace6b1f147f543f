"""The site's URLs: admin, the API (one router for both apps) and the public pages."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from articles.api import routes as articles_routes
from timeline.api import routes as timeline_routes

router = DefaultRouter()
for prefix, viewset, basename in (*articles_routes.ROUTES, *timeline_routes.ROUTES):
    router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(timeline_routes.URLS)),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("", include("timeline.urls")),
    path("", include("articles.urls")),
]
