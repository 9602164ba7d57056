"""Doing something once per task, across retries, redeliveries and double clicks: Powertools
Idempotency over the idempotency table, keyed by the `task` keyword argument (a dict naming what
is done: `{"automation": "payment_receipt", "payment_id": ...}`). A second call with an equal task
answers what the first answered instead of running again; one while the first still runs raises
Powertools' IdempotencyAlreadyInProgressError."""
import functools

from chalicelib.core import settings


def once(function, expires_after_seconds: int):
    """`function(task=..., **rest)`, run at most once per task for `expires_after_seconds`. Call
    it with keyword arguments. Powertools is imported on the first call (cold start)."""

    @functools.cache
    def wrapped():
        # Deferred for cold start: only the paths that do something once need Powertools.
        from aws_lambda_powertools.utilities.idempotency import (
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent_function,
        )

        store = DynamoDBPersistenceLayer(table_name=settings.IDEMPOTENCY_TABLE)
        config = IdempotencyConfig(expires_after_seconds=expires_after_seconds)
        return idempotent_function(data_keyword_argument="task", persistence_store=store, config=config)(function)

    @functools.wraps(function)
    def call(**kwargs):
        return wrapped()(**kwargs)

    return call
