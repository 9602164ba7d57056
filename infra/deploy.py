"""`make deploy` and `make destroy`: one stage of the app on your AWS account, with the AWS CLI.

deploy (after `make package`):
  1. the artifacts bucket `workorders-artifacts-<account>-<region>` (private), created once;
  2. `aws cloudformation package`: uploads deployment.zip there and points the template at it;
  3. `aws cloudformation deploy`: creates or updates the stack `workorders-<stage>` with the
     parameters you give (a parameter you leave out keeps its value on an update);
  4. uploads web/tech/, web/office/ and web/booking/ to the stack's site bucket, which its
     CloudFront distribution serves at /tech/ (the technician's app), /office/ (the office app)
     and /book/ (the booking pages), in front of the API;
  5. prints the stack's outputs: the app's and the API's URLs, the user pool, the buckets.

destroy: empties the site bucket (only copies of web/), then deletes the stack. The tables, the
files bucket and the user pool are kept (DeletionPolicy Retain): your work orders, invoices and
staff accounts survive.

Parameters come from the environment (make passes its command-line variables):
SENDER_EMAIL, PUBLIC_BASE_URL (both needed the first time), SENDER_NAME, SES_IDENTITY,
CREATE_SES_IDENTITY, ALLOWED_ORIGINS, ALARM_EMAIL, and PARAMS="Key=Value ..." for the others
(ApiRateLimit, BookingRateLimit, LogRetentionDays... see infra/template/parameters.py).

    python -m infra.deploy deploy --stage prod [--dry-run]
    python -m infra.deploy destroy --stage prod
"""
import argparse
import json
import os
import shlex
import shutil
import subprocess

from infra.template.common import ROOT
from infra.template.parameters import PARAMETERS
from infra.template.web import WEB_PATHS

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]  # roles; the SAM transform
PARAMETER_VARIABLES = {
    "SENDER_EMAIL": "SenderEmail",
    "SENDER_NAME": "SenderName",
    "SES_IDENTITY": "SesIdentity",
    "CREATE_SES_IDENTITY": "CreateSesIdentity",
    "PUBLIC_BASE_URL": "PublicBaseUrl",
    "ALLOWED_ORIGINS": "AllowedOrigins",
    "ALARM_EMAIL": "AlarmEmail",
}


def stack_name(stage: str) -> str:
    return os.environ.get("STACK") or f"workorders-{stage}"


def parameter_overrides(environ=os.environ) -> list[str]:
    overrides = [f"{name}={environ[var]}" for var, name in PARAMETER_VARIABLES.items() if environ.get(var)]
    overrides += shlex.split(environ.get("PARAMS", ""))
    known = set(PARAMETERS)
    unknown = [o.split("=", 1)[0] for o in overrides if o.split("=", 1)[0] not in known]
    if unknown:
        raise SystemExit(f"Unknown template parameters: {unknown}; the template has {sorted(known)}")
    return overrides


class Aws:
    """Runs the AWS CLI, or only prints what it would run."""

    def __init__(self, dry_run: bool):
        self.dry_run = dry_run
        self.aws = os.environ.get("AWS", "aws")
        if not dry_run and not shutil.which(self.aws):
            raise SystemExit("The AWS CLI is not installed: see README, Deploying to AWS (prerequisites).")

    def __call__(self, *args: str, capture: bool = False, check: bool = True) -> str:
        command = [self.aws, *args]
        print("+ " + shlex.join(command), flush=True)
        if self.dry_run:
            return ""
        done = subprocess.run(command, check=check, text=True, stdout=subprocess.PIPE if capture else None)
        return (done.stdout or "").strip() if done.returncode == 0 else ""


def region(aws: Aws) -> str:
    found = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not found and not aws.dry_run:
        found = subprocess.run([aws.aws, "configure", "get", "region"], text=True, stdout=subprocess.PIPE).stdout.strip()
    if not found and aws.dry_run:
        return "<region>"
    if not found:
        raise SystemExit("No AWS region: set AWS_REGION (for example AWS_REGION=eu-west-2) or run `aws configure`.")
    return found


def artifacts_bucket(aws: Aws, where: str) -> str:
    if os.environ.get("ARTIFACTS_BUCKET"):
        return os.environ["ARTIFACTS_BUCKET"]
    account = aws("sts", "get-caller-identity", "--query", "Account", "--output", "text", capture=True) or "<account>"
    name = f"workorders-artifacts-{account}-{where}"
    if aws.dry_run or not _bucket_exists(aws, name):
        aws("s3", "mb", f"s3://{name}", "--region", where)
        aws("s3api", "put-public-access-block", "--bucket", name, "--public-access-block-configuration",
            "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true")
    return name


def _bucket_exists(aws: Aws, name: str) -> bool:
    return subprocess.run([aws.aws, "s3api", "head-bucket", "--bucket", name],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def stack_outputs(aws: Aws, where: str, stage: str) -> dict:
    found = aws("cloudformation", "describe-stacks", "--region", where, "--stack-name", stack_name(stage),
                "--query", "Stacks[0].Outputs", "--output", "json", capture=True, check=False)
    return {o["OutputKey"]: o["OutputValue"] for o in json.loads(found or "null") or []}


def publish_web(aws: Aws, where: str, bucket: str) -> None:
    """web/<folder>/ -> s3://<site bucket>/<path>/ for each path the distribution serves. Every file
    says `Cache-Control: no-cache`, so CloudFront and browsers check for a new version each time
    (the staff app's service worker keeps its own copy for offline use)."""
    web = ROOT / "web"
    for path, folder in WEB_PATHS.items():
        target = f"s3://{bucket}/{path}"
        aws("s3", "sync", str(web / folder), target, "--region", where, "--delete", "--cache-control", "no-cache",
            "--exclude", "*.webmanifest")
        for manifest in sorted((web / folder).rglob("*.webmanifest")):  # a type the CLI does not guess
            aws("s3", "cp", str(manifest), f"{target}/{manifest.relative_to(web / folder).as_posix()}", "--region", where,
                "--cache-control", "no-cache", "--content-type", "application/manifest+json")


def deploy(stage: str, dry_run: bool) -> None:
    build = ROOT / "build" / stage
    if not (build / "sam.json").exists() and not dry_run:
        raise SystemExit(f"{build / 'sam.json'} is missing: run `make package STAGE={stage}` first.")
    aws = Aws(dry_run)
    where = region(aws)
    bucket = artifacts_bucket(aws, where)
    packaged = build / "packaged.yaml"
    aws("cloudformation", "package", "--region", where, "--template-file", str(build / "sam.json"),
        "--s3-bucket", bucket, "--s3-prefix", stack_name(stage), "--output-template-file", str(packaged))
    overrides = parameter_overrides()
    aws("cloudformation", "deploy", "--region", where, "--stack-name", stack_name(stage), "--template-file", str(packaged),
        "--s3-bucket", bucket, "--s3-prefix", stack_name(stage), "--capabilities", *CAPABILITIES,
        "--no-fail-on-empty-changeset", *(["--parameter-overrides", *overrides] if overrides else []))
    found = stack_outputs(aws, where, stage)
    publish_web(aws, where, found.get("SiteBucketName", "<SiteBucketName>"))
    if found:
        print("\nDeployed. The API:", found.get("EndpointURL"))
        print("The staff app for technicians' phones:", found.get("StaffAppUrl"))
        for key in sorted(found):
            print(f"  {key}: {found[key]}")
        print(f"\nNext: confirm the alarm subscription email, then `make admin STAGE={stage} EMAIL=you@... NAME=\"Your Name\"`.")


def destroy(stage: str, dry_run: bool) -> None:
    aws = Aws(dry_run)
    where = region(aws)
    site = stack_outputs(aws, where, stage).get("SiteBucketName", "<SiteBucketName>" if dry_run else None)
    if site:  # CloudFormation deletes only an empty bucket
        aws("s3", "rm", f"s3://{site}", "--recursive", "--region", where)
    aws("cloudformation", "delete-stack", "--region", where, "--stack-name", stack_name(stage))
    aws("cloudformation", "wait", "stack-delete-complete", "--region", where, "--stack-name", stack_name(stage))
    print(f"\nStack {stack_name(stage)} deleted. Kept on purpose (DeletionPolicy Retain): the DynamoDB tables, the files "
          "bucket and the Cognito user pool. Delete them in the console when you no longer need the data.")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Deploy or destroy one stage with the AWS CLI.")
    parser.add_argument("action", choices=("deploy", "destroy"))
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    args = parser.parse_args(argv)
    (deploy if args.action == "deploy" else destroy)(args.stage, args.dry_run)


if __name__ == "__main__":
    main()
