"""Business setup: the business's settings and opening hours, its services and price list, and each
technician's skills, areas, hours and time off."""
