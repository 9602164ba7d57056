"""The technician in the field: the day's jobs, photos and the customer's signature."""
