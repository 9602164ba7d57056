"""Work orders: intake, moves through the process map (pure), storage and listing, the order
service (create, move, notes, line items) and the views the API answers with."""
