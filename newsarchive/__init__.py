"""newsarchive: an editorial and archival web application for news coverage."""

from .celery import app as celery_app

__all__ = ["celery_app"]
