"""The articles app's API viewsets, as (prefix, viewset, basename) for the one router in newsarchive/urls.py."""

ROUTES: list[tuple] = []
