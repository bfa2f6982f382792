"""What the portal sends its users: inbox notifications and generated documents."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models.base import private_storage
from portal.models.people import User


class Notification(models.Model):
    """A message in a user's in-portal inbox; important ones are also emailed."""

    # No index of its own: notification_unread_idx (user, read_at) serves every lookup by user, and one index
    # fewer matters when a reminder run writes tens of thousands of notifications.
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications", db_index=False)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    send_email = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self):
        return self.subject


class DocumentStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def generated_upload_to(instance, filename):
    # A random stored name; only the extension follows the document (a batch may be a ZIP of PDFs).
    suffix = ".zip" if filename.lower().endswith(".zip") else ".pdf"
    return f"generated/{instance.owner_id}/{uuid.uuid4().hex}{suffix}"


class GeneratedDocumentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Generated documents are private to whoever asked for them."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(owner=user)


class GeneratedDocument(models.Model):
    """A PDF rendered in the background (one letter or a batch of thousands) that its owner downloads when ready."""

    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="generated_documents")
    kind = models.CharField(_("kind"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    parameters = models.JSONField(default=dict)
    language = models.CharField(max_length=10, default="en")
    status = models.CharField(_("status"), max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.QUEUED)
    done_items = models.PositiveIntegerField(default=0)
    total_items = models.PositiveIntegerField(default=1)
    file = models.FileField(storage=private_storage, upload_to=generated_upload_to, blank=True, max_length=255)
    filename = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When the owner first downloaded the file: for letters the student collects, the office sees that they did.
    first_downloaded_at = models.DateTimeField(_("first downloaded"), null=True, blank=True)

    objects = GeneratedDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("generated document")
        verbose_name_plural = _("generated documents")

    def __str__(self):
        return self.title

    @property
    def progress_percent(self) -> int:
        if self.status == DocumentStatus.DONE:
            return 100
        return int(100 * self.done_items / self.total_items) if self.total_items else 0
