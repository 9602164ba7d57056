"""Customers as records: one per person or company, found by email, phone, name, postcode or order
(`search`), created from their first booking or call (`records.find_or_create`), edited by the
office (`edits`), merged when two are the same person (`merge`), exported or erased on request
(`privacy`); every order carries its customer's id and keeps its own snapshot of the details."""
