"""The HTTP edge: one blueprint per capability. Views parse input, call the capability and shape
the answer; they hold no business rules."""
