"""Dispatch: the office's board of technicians' days and the orders waiting for a time or a
technician (`board`), read by key and index only, from a context of slowly changing setup kept
per container (`context`)."""
