"""boto3 clients, created on first use and kept for the container's life.

Creating clients at import would add to every cold start; most invocations need one or two.
"""
import functools

from chalicelib.core import settings


@functools.cache
def client(service: str):
    # Deferred for cold start: boto3 takes about 140 ms to import; most invocations need one or two clients.
    import boto3


    return boto3.session.Session().client(service, region_name=settings.region())
