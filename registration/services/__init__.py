"""Writes of semester registration, one module per part of the workflow; import them from here.

- online_form: the student's draft, step by step, submission, item decisions, the visa-extension letter;
- desk: the onsite check-in desk;
- deferral: leave of registration, the two-week list and the reminders to register.
"""

from registration.services.online_form import (  # noqa: F401
    STEP_ITEM,
    StepUpload,
    registration_form_for,
    registration_item_decide,
    registration_missing,
    registration_open_for_changes,
    registration_step_save,
    registration_submit,
    scholarship_statement_due,
    visa_letter_available,
    visa_letter_request,
)
