"""Tuition and accommodation billing, payments, receipts, arrears and refunds."""
