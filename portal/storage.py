"""Private file storage: outside any web root, never given a URL; files are served only by permission-checking views."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateFileStorage(FileSystemStorage):
    """Reads PRIVATE_STORAGE_ROOT on every use, so the setting (and a test's override of it) always applies."""

    def __init__(self, **kwargs):
        kwargs.pop("location", None)
        kwargs["base_url"] = None
        super().__init__(**kwargs)

    @property
    def base_location(self):
        return str(settings.PRIVATE_STORAGE_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise NotImplementedError("Private files have no URL; serve them through a view that checks permission.")
