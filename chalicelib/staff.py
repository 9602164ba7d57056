"""Staff accounts: the directory of users (admin, dispatcher, technician) and sign-in.

Cognito holds the passwords and the group (role) of each user; the staff table holds the
profile the app shows and the email -> user id lookup used at sign-in.
"""
import threading
import time

from chalicelib import settings
from chalicelib.aws import client
from chalicelib.errors import NotFound, Unauthorized
from chalicelib.models import StaffModel


def get(user_id: str) -> StaffModel:
    try:
        return StaffModel.get(user_id)
    except StaffModel.DoesNotExist:
        raise NotFound(f"No staff user '{user_id}'.")


def find(user_id: str | None) -> StaffModel | None:
    if not user_id:
        return None
    try:
        return StaffModel.get(user_id)
    except StaffModel.DoesNotExist:
        return None


# The profiles an order view shows (name, email, phone of its technician), kept per container for
# a short while: a warm Lambda serves many views of the same few technicians, and a GetItem each
# time would double the cost of reading an order. Writes in this container drop their entry; other
# containers see a change within PROFILE_TTL_SECONDS.
PROFILE_TTL_SECONDS = 120.0
_profiles: dict[str, tuple[float, StaffModel | None]] = {}
_profiles_lock = threading.Lock()


def profile(user_id: str | None) -> StaffModel | None:
    """`find`, cached per container for PROFILE_TTL_SECONDS (for display only, never for checks)."""
    if not user_id:
        return None
    now = time.monotonic()
    with _profiles_lock:
        hit = _profiles.get(user_id)
    if hit is not None and now - hit[0] < PROFILE_TTL_SECONDS:
        return hit[1]
    member = find(user_id)
    with _profiles_lock:
        _profiles[user_id] = (now, member)
    return member


def forget_profile(user_id: str) -> None:
    with _profiles_lock:
        _profiles.pop(user_id, None)


def find_by_email(email: str) -> StaffModel | None:
    for item in StaffModel.by_email.query(email.strip().lower(), limit=1):
        return item
    return None


def existing_ids(user_ids) -> set[str]:
    """Which of these user ids exist (one BatchGetItem per 100 ids)."""
    return {s.user_id for s in StaffModel.batch_get(list(user_ids))}


def public_view(member: StaffModel) -> dict:
    return {"id": member.user_id, "name": member.name, "email": member.email, "role": member.role}


def login(email: str, password: str) -> dict:
    """USER_PASSWORD_AUTH against the pool; the same answer for unknown user and bad password."""
    refused = Unauthorized("The email or password is not correct.")
    member = find_by_email(email)
    if member is None or not member.active:
        raise refused
    cognito = client("cognito-idp")
    try:
        answer = cognito.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=settings.user_pool_client_id(),
            AuthParameters={"USERNAME": member.user_id, "PASSWORD": password},
        )
    except (cognito.exceptions.NotAuthorizedException, cognito.exceptions.UserNotFoundException):
        raise refused
    result = answer.get("AuthenticationResult")
    if not result:  # a challenge such as NEW_PASSWORD_REQUIRED: the account is not ready
        raise Unauthorized("This account must set a new password first.", {"challenge": answer.get("ChallengeName")})
    return {"id_token": result["IdToken"], "expires_in": result["ExpiresIn"],
            "refresh_token": result.get("RefreshToken"), "user": public_view(member)}


def refresh(refresh_token: str) -> dict:
    """A new ID token for the refresh token login gave (REFRESH_TOKEN_AUTH), so a phone stays signed
    in through the working day. A refresh token that is unknown, expired or revoked, or whose user
    was deactivated, gets 401: sign in again."""
    from chalicelib import auth

    refused = Unauthorized("This sign-in has ended. Please sign in again.")
    cognito = client("cognito-idp")
    try:
        answer = cognito.initiate_auth(
            AuthFlow="REFRESH_TOKEN_AUTH",
            ClientId=settings.user_pool_client_id(),
            AuthParameters={"REFRESH_TOKEN": refresh_token},
        )
    except (cognito.exceptions.NotAuthorizedException, cognito.exceptions.UserNotFoundException,
            cognito.exceptions.InvalidParameterException):
        raise refused
    result = answer.get("AuthenticationResult") or {}
    if not result.get("IdToken"):
        raise refused
    member = find(auth.verify_token(result["IdToken"]).user_id)
    if member is None or not member.active:
        raise refused
    return {"id_token": result["IdToken"], "expires_in": result["ExpiresIn"], "user": public_view(member)}


def create(user_id: str, email: str, name: str, role: str, password: str, phone: str | None = None) -> StaffModel:
    """Create the Cognito user (in the role's group, with a permanent password) and the profile."""
    cognito = client("cognito-idp")
    pool = settings.user_pool_id()
    email = email.strip().lower()
    cognito.admin_create_user(
        UserPoolId=pool,
        Username=user_id,
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(UserPoolId=pool, Username=user_id, Password=password, Permanent=True)
    cognito.admin_add_user_to_group(UserPoolId=pool, Username=user_id, GroupName=role)
    member = StaffModel(user_id, email=email, name=name, role=role, phone=phone)
    member.save()
    forget_profile(user_id)
    return member
