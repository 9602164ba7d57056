"""The benchmarks behind `make bench` (bench/run.py writes bench/results.md and results.json)."""
import os


def use_in_process_moto() -> None:
    """The environment of a benchmark that runs the code against moto in this process: fake
    credentials, no endpoint (moto intercepts botocore), no metrics and quiet logs."""
    os.environ.update({
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled", "APP_STAGE": "bench", "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
    })
    os.environ.pop("AWS_ENDPOINT_URL", None)
