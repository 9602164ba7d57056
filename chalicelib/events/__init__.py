"""What happens without a request: the orders stream's entry automations and the day-before
reminders."""
