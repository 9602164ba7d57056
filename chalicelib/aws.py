"""boto3 clients, created on first use and kept for the container's life.

Creating clients at import would add to every cold start; most invocations need one or two.
"""
import functools


@functools.cache
def client(service: str):
    import boto3

    from chalicelib import settings

    return boto3.session.Session().client(service, region_name=settings.region())
