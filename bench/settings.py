"""The site's settings with the floor views mounted beside it (benchmarks only)."""

from newsarchive.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
