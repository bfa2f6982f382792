"""Uploaded evidence and its review, shared by every app."""

import uuid
from pathlib import PurePosixPath

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models.base import AppendOnlyModel, private_storage
from portal.models.people import Student, User


class EvidenceKind(models.TextChoices):
    """What an uploaded document proves; each kind is reviewed by one office (see portal.permissions)."""

    PASSPORT_PAGE = "passport_page", _("Passport photo page")
    VISA_PAGE = "visa_page", _("Visa / residence permit page")
    INSURANCE_PROOF = "insurance_proof", _("Insurance proof")
    TUITION_RECEIPT = "tuition_receipt", _("Tuition e-receipt")
    REMITTANCE_SLIP = "remittance_slip", _("Bank remittance slip")
    ACCOMMODATION_RECEIPT = "accommodation_receipt", _("Accommodation fee e-receipt")
    HOUSING_LEASE = "housing_lease", _("Off-campus lease")
    PHYSICAL_EXAM = "physical_exam", _("Physical examination verification")
    LEAVE_PROOF = "leave_proof", _("Leave or medical certificate")
    OTHER = "other", _("Other document")


class ReviewState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


PENDING_REVIEW_STATES = (ReviewState.SUBMITTED, ReviewState.RESUBMITTED)


def evidence_upload_to(instance, filename):
    # The stored name is random: the student's own file name is kept as data only.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"evidence/{instance.student_id}/{uuid.uuid4().hex}{suffix}"


class EvidenceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The evidence this user may see; the single visibility decision for Evidence objects."""
        from portal.permissions import evidence_scope

        return self.filter(evidence_scope(user))

    def pending_review(self):
        return self.filter(state__in=PENDING_REVIEW_STATES)


class Evidence(models.Model):
    """One uploaded file and its review. A resubmission is a new Evidence that points at the rejected one."""

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=30, choices=EvidenceKind.choices)
    # Blank only once the retention period has removed the file; the record that it existed stays.
    file = models.FileField(
        _("file"), storage=private_storage, upload_to=evidence_upload_to, max_length=255, blank=True
    )
    purged_at = models.DateTimeField(_("file removed"), null=True, blank=True)
    # Where the upload is decided: blank for the documents queue, or the app whose own review decides it (the
    # registration form's items), so one file is never waiting in two queues.
    reviewed_in = models.CharField(_("reviewed in"), max_length=30, blank=True, default="")
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="resubmission"
    )
    state = models.CharField(_("review state"), max_length=20, choices=ReviewState.choices)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.TextField(_("reason for rejection"), blank=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        indexes = [
            models.Index(fields=["state", "kind"], name="evidence_queue_idx"),
            models.Index(fields=["student", "kind"], name="evidence_student_kind_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(reason=""), name="evidence_rejection_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["submitted", "resubmitted"]) | Q(decided_by__isnull=False),
                name="evidence_decision_has_reviewer",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.student.student_id} ({self.get_state_display()})"

    @property
    def is_pending(self) -> bool:
        return self.state in PENDING_REVIEW_STATES


class ReviewEvent(AppendOnlyModel):
    """One transition of an evidence review: who, when, from which state to which, and why."""

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="events")
    from_state = models.CharField(max_length=20, choices=ReviewState.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=ReviewState.choices)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("review event")
        verbose_name_plural = _("review events")

    def __str__(self):
        return f"{self.from_state or '-'} -> {self.to_state} by {self.actor_id} at {self.at:%Y-%m-%d %H:%M}"
