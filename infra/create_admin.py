"""`make admin`: the first admin of a deployed stage, so someone can sign in and set up the rest
(and `make staff ROLE=technician|dispatcher`: the other staff, the same way).

Reads the stack's outputs (user pool, staff table), then creates the Cognito user in the `admin`
group with a permanent password and the staff profile, the same way the app's own code does
(`chalicelib.staff.directory.create`). The password is asked for (twice) when you run it in a terminal;
otherwise a strong one is generated and printed once.

    python -m infra.create_admin --stage prod --email you@example.com --name "Your Name"
"""
import argparse
import getpass
import os
import re
import secrets
import string
import sys

from infra import deploy
from infra.template.common import camel

PASSWORD_RULE = "at least 12 characters with upper- and lower-case letters and a digit"


def strong_enough(password: str) -> bool:
    return (len(password) >= 12 and any(c.islower() for c in password) and any(c.isupper() for c in password)
            and any(c.isdigit() for c in password))


def generated_password() -> str:
    alphabet = string.ascii_letters + string.digits
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(20))
        if strong_enough(password):
            return password


def ask_password() -> tuple[str, bool]:
    """(password, generated)."""
    if not sys.stdin.isatty():
        return generated_password(), True
    while True:
        first = getpass.getpass(f"Password ({PASSWORD_RULE}; empty: generate one): ")
        if not first:
            return generated_password(), True
        if not strong_enough(first):
            print(f"Too weak: {PASSWORD_RULE}.")
            continue
        if getpass.getpass("Again: ") == first:
            return first, False
        print("The two did not match.")


def user_id_for(email: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", email.split("@")[0].lower()).strip("-") or "admin"


def stack_outputs(stack: str, region: str | None) -> dict:
    import boto3

    cloudformation = boto3.client("cloudformation", region_name=region)
    stacks = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Create the first admin of a deployed stage.")
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--email", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--user-id", help="the sign-in user id (default: from the email)")
    parser.add_argument("--role", default="admin", help="admin (default), dispatcher or technician")
    args = parser.parse_args(argv)
    if "@" not in args.email:
        raise SystemExit("--email must be an email address (make admin EMAIL=you@example.com NAME=\"Your Name\")")
    stack = deploy.stack_name(args.stage)
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    outputs = stack_outputs(stack, region)
    staff_output = f"{camel('STAFF_TABLE')}Name"
    missing = [k for k in ("UserPoolId", staff_output) if k not in outputs]
    if missing:
        raise SystemExit(f"Stack {stack} has no outputs {missing}: is it deployed (make deploy STAGE={args.stage})?")
    # The staff table's name is read when chalicelib is imported: set it first.
    os.environ.update({"APP_STAGE": args.stage, "STAFF_TABLE": outputs[staff_output], "COGNITO_USER_POOL_ID": outputs["UserPoolId"]})
    if region:
        os.environ.setdefault("AWS_DEFAULT_REGION", region)
    from chalicelib.staff import directory
    from chalicelib.staff.auth import ROLES

    if args.role not in ROLES:
        raise SystemExit(f"--role must be one of {', '.join(ROLES)}")
    user_id = args.user_id or user_id_for(args.email)
    password, generated = ask_password()
    try:
        directory.create(user_id, args.email, args.name, args.role, password)
    except Exception as exc:  # the Cognito or DynamoDB message says what is wrong (user exists, no access...)
        raise SystemExit(f"Could not create the user: {exc}")
    print(f"{args.role.capitalize()} {args.email} (user id {user_id}) created in {stack}.")
    if generated:
        print(f"Password (shown once, keep it in your password manager): {password}")
    if outputs.get("EndpointURL"):
        print(f"Sign in: POST {outputs['EndpointURL'].rstrip('/')}/auth/login with {{\"email\", \"password\"}}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
