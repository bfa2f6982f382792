"""Writes of the fees app, one module per part of the workflow; import them from here.

- ledger: charges (billing from the fee schedules), payments, credits, reversals;
- remittance: the student's remittance confirmation and finance's decision on it;
- receipts: numbered receipts and their PDFs;
- refunds: refund requests, finance's decision and the payout;
- suspension: the suspension credit on resumption (2.3) and internship fees by weeks (1.2.4).
"""

from fees.services.billing import tuition_bill_semester  # noqa: F401
from fees.services.ereceipts import ereceipt_accept, ereceipt_reject  # noqa: F401
from fees.services.ledger import (  # noqa: F401
    charge_add,
    credit_add,
    entry_reverse,
    payment_record,
)
from fees.services.receipts import (
    receipt_issue,  # noqa: F401
    receipt_pdf_request,  # noqa: F401
)
from fees.services.refunds import (  # noqa: F401
    refund_recompute,
    refund_request_apply,
    refund_request_approve,
    refund_request_mark_paid,
    refund_request_reject,
)
from fees.services.remittance import remittance_confirm, remittance_file, remittance_reject  # noqa: F401
from fees.services.statement import StatementFileError, statement_import  # noqa: F401
from fees.services.suspension import (  # noqa: F401
    internship_fee_bill,
    suspension_credit_add,
    suspension_unused_tuition,
)
