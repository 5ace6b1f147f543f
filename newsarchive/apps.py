"""The newsarchive app: wiring for both domain apps."""

from django.apps import AppConfig


class NewsarchiveConfig(AppConfig):
    name = "newsarchive"

    def ready(self) -> None:
        # Register the Celery tasks in every process, not only in workers: the admin and the
        # API hand jobs to them by name, and run them in-process when no broker is configured.
        from newsarchive import tasks  # noqa: F401
