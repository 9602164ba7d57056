"""The baseline for the cold-start benchmark: a bare Chalice app that imports boto3 and PynamoDB."""
import boto3  # noqa: F401
import pynamodb.models  # noqa: F401
from chalice import Chalice

app = Chalice(app_name="bare")


@app.route("/")
def index():
    return {"hello": "world"}
