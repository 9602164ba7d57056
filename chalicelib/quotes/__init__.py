"""Quotes: what the business offers to do for a customer and at what price, sent as a PDF with a
link where the customer accepts (which creates the job) or declines; reminders and expiry."""
