"""HTTP routes, one blueprint per capability. Views parse input, call the capability module
and shape the answer; they hold no business rules."""
