"""The project package: settings, URLs, the Celery app and the shared kernel the domain apps use."""

from portal.celery import app as celery_app

__all__ = ["celery_app"]
