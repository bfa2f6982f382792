"""Writes of semester registration, one module per part of the workflow; import them from here.

- online_form: the student's draft, step by step, submission, item decisions, the visa-extension letter;
- desk: the onsite check-in desk;
- deferral: leave of registration, the two-week list and the reminders to register;
- status, clearance: leave of absence, suspension, resumption, withdrawal; the leaving-school clearance;
- attendance: absences recorded by the schools and what the rules make of them.
"""

from registration.services.attendance import (  # noqa: E402, F401
    absence_record,
    absence_withdraw,
    attendance_notices_send,
    attendance_of,
    attendance_term,
)
from registration.services.clearance import (  # noqa: F401, E402
    clearance_item_needs,
    clearance_item_sign,
    clearance_library_online,
    clearance_open,
    clearance_overdue_remind,
    clearance_refresh_automatic,
    clearance_system_open,
    clearance_window_save,
    clearance_window_today,
    leaving_form_batch_request,
    leaving_form_refusal,
    leaving_form_request,
)
from registration.services.deferral import (  # noqa: F401
    registration_leave_apply,
    registration_leave_approve,
    registration_leave_cancel,
    registration_leave_reject,
    registration_reminders_send,
    semester_academic_year,
    two_week_list_refresh,
    two_week_listing_decide,
)
from registration.services.desk import (  # noqa: F401
    DeskView,
    desk_semester,
    desk_view,
    semester_register_at_desk,
)
from registration.services.online_form import (  # noqa: F401
    STEP_ITEM,
    StepUpload,
    registration_form_for,
    registration_item_decide,
    registration_item_kinds,
    registration_missing,
    registration_open_for_changes,
    registration_step_save,
    registration_submit,
    scholarship_statement_due,
    visa_letter_available,
    visa_letter_request,
)
from registration.services.status import (  # noqa: E402, F401
    decision_flag_keep,
    leave_tiers,
    leaves_ended_refresh,
    scholarship_suspended,
    status_apply,
    status_decide,
    status_proof_add,
    withdrawal_decide,
)
