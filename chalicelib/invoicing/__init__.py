"""Invoicing: gapless numbering, issuing the invoice for a completed order, the PDF, emailing it
exactly once, payments, voiding with a credit note, resending and payment reminders."""
