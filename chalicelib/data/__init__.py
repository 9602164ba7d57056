"""The data layer: the PynamoDB models of every table and the small DynamoDB helpers (batch get,
item size). Every read is by key or index."""
