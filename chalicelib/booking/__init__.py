"""Booking: customers book online and manage their booking through a link; the office books by
phone and assigns technicians. Either way the order lands on a calendar, never double-booked."""
