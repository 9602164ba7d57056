"""Scheduling: the free slots of qualified technicians (pure slot maths apart from loading),
technicians' calendars written atomically with the order, who gets a booking, and the office's
view of a calendar."""
