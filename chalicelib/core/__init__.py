"""The ground floor every room stands on: settings, the clock, errors, ids, time formats, AWS
clients, logs and metrics, and parsing requests at the edge. Imports nothing else from
chalicelib."""
