"""Writes of the residence app, one module per part of the workflow; import them from here.

- records: a student's new version of a record with its evidence, the review's effect, passport loss;
- reminders: the beat job that computes obligations and sends each reminder once;
- letters: the certification letter for a permit extension or a new permit.
"""

from residence.services.letters import (  # noqa: F401
    DOCUMENT_KIND,
    letter_decide,
    letter_document,
    letter_documents,
    letter_request,
    refusal_message,
)
from residence.services.records import (  # noqa: F401
    RECORD_FIELDS,
    open_passport_loss,
    passport_loss_report,
    record_decide,
    record_for_evidence,
    record_review_applied,
    record_submit,
)
from residence.services.reminders import (  # noqa: F401
    obligations_compute,
    reminder_emails_send,
    reminders_send,
)
