"""Receivers that tie the shared evidence review to the residence records it decides."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from portal.models import EvidenceKind, ReviewEvent
from residence import services

RECORD_EVIDENCE_KINDS = frozenset(
    {EvidenceKind.PASSPORT_PAGE, EvidenceKind.VISA_PAGE, EvidenceKind.INSURANCE_PROOF, EvidenceKind.PHYSICAL_EXAM}
)


@receiver(post_save, sender=ReviewEvent)
def _evidence_decided(sender, instance, created, **kwargs):
    # A review decided anywhere (the residence page, the shared review queue, the API) makes an approved record
    # current in the same transaction as the decision, so the office's record never lags behind the review.
    if created and instance.to_state and instance.evidence.kind in RECORD_EVIDENCE_KINDS:
        services.record_review_applied(evidence=instance.evidence, to_state=instance.to_state)
