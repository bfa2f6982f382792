"""The fees API: ledger entries and receipts (ledger.py), refund requests (refunds.py).

Thin views over fees.selectors and fees.services, in the conventions of portal.api (one error shape, 404 outside
your scope). Import the views from here.
"""

from fees.api.ledger import LedgerListApi, ReceiptListApi, ReceiptPdfApi  # noqa: F401
from fees.api.refunds import RefundDecisionApi, RefundDetailApi, RefundListApi, RefundPaidApi  # noqa: F401
