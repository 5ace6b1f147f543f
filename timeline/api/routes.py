"""The timeline app's API: viewsets for the one router, and plain URLs (the TimelineJS feed)."""

ROUTES: list[tuple] = []
URLS: list = []
