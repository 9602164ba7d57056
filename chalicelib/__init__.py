"""Work-order tracking for service businesses: the rooms behind app.py, one package per capability."""
