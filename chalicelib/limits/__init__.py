"""Abuse limits on the public booking routes: upcoming bookings per customer contact, request rates
per client address, and the booking form's signed, timestamped token (a minimum time between
showing the form and sending it). Pure rules (`windows`, `keys`, `form_token`) beside the
DynamoDB counters that enforce them (`rates`, `contacts`)."""
