"""The site's URLs: admin, the API (one router for both apps) and the public pages."""

from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from articles.api import routes as articles_routes
from articles.api.views import api_not_found
from articles.sitemaps import SITEMAPS
from newsarchive import views
from timeline.api import routes as timeline_routes

router = DefaultRouter()
for prefix, viewset, basename in (*articles_routes.ROUTES, *timeline_routes.ROUTES):
    router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(timeline_routes.URLS)),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    re_path(r"^api/[\s\S]*/$", api_not_found),  # any other API address: a JSON 404, not the site's page
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("", include("timeline.urls")),
    path("", include("articles.urls")),
]

handler404 = "newsarchive.views.page_not_found"
handler500 = "newsarchive.views.server_error"
