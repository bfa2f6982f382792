"""Building blocks shared by the kernel's models."""

from django.core.files.storage import storages
from django.db import models


def private_storage():
    return storages["private"]


class AppendOnlyModel(models.Model):
    """A record of something that happened: written once, never changed or deleted."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError(f"{type(self).__name__} is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError(f"{type(self).__name__} is append-only")
