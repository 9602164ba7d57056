"""Work-order tracking for service businesses: the capability modules behind app.py."""
