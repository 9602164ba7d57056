"""Structured logs and metrics (Powertools Logger and Metrics), created on first use.

The HTTP middleware in app.py adds the request id and, where the path names one, the order id
to every log line; metrics are flushed as CloudWatch EMF at the end of each invocation.
"""
import functools

NAMESPACE = "WorkOrders"


@functools.cache
def logger():
    # Deferred for cold start: Powertools takes about 50 ms to import; many invocations never log.
    from aws_lambda_powertools import Logger

    return Logger(service="workorders")


@functools.cache
def metrics():
    # Deferred for cold start (see logger).
    from aws_lambda_powertools import Metrics

    _created.add("metrics")
    return Metrics(namespace=NAMESPACE, service="workorders")


def count(name: str, value: int = 1) -> None:
    # Deferred for cold start (see logger).
    from aws_lambda_powertools.metrics import MetricUnit

    metrics().add_metric(name=name, unit=MetricUnit.Count, value=value)


def flush() -> None:
    """Publish the invocation's metrics, if it recorded any."""
    if "metrics" in _created:
        m = metrics()
        if m.metric_set:
            m.flush_metrics()


_created: set = set()


def publish(dimensions: dict[str, str], values: dict[str, tuple[str, float | None]]) -> None:
    """Emit one EMF document now with its own dimensions (for example a step and a period):
    `values` maps a metric name to (MetricUnit name, value); None values are left out."""
    # Deferred for cold start (see logger).
    from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

    emitted = EphemeralMetrics(namespace=NAMESPACE, service="workorders")
    for name, value in dimensions.items():
        emitted.add_dimension(name=name, value=str(value))
    for name, (unit, value) in values.items():
        if value is not None:
            emitted.add_metric(name=name, unit=MetricUnit[unit], value=value)
    if emitted.metric_set:
        emitted.flush_metrics()
