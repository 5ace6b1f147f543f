"""The site's URLs plus the floor views under /floor/ (benchmarks only)."""

from bench.floor import urlpatterns as floor_patterns
from newsarchive.urls import urlpatterns as site_patterns

urlpatterns = [*floor_patterns, *site_patterns]
