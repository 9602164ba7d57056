"""The resources Chalice does not create, as a merge template for `chalice package --merge-template`.

Generated from the code, so it cannot drift from it: the DynamoDB tables and their indexes come
from the PynamoDB models (`chalicelib.data.models.ALL_MODELS`), the Lambda functions (their environment,
log groups and alarms) from the Chalice app's routes and event sources, the staff groups from the
roles the app knows (`chalicelib.staff.auth.ROLES`). Chalice merges this template into its own, so the
keys under an existing resource (`APIHandler`, `RestAPI`, `OnOrderChange`...) override or extend
what Chalice wrote there.

    python -m infra.template --stage prod --out build/prod/merge.json

Data is kept safe: tables, the files bucket and the user pool survive a stack deletion
(`DeletionPolicy: Retain`); tables have point-in-time recovery and KMS encryption; the bucket is
private, encrypted, versioned and refuses plain HTTP.
"""
