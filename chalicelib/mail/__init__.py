"""Email: MIME messages built with the standard `email` package, Jinja2 templates, calendar
invitations, sent through SES."""
