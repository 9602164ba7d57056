"""The staff directory: the profiles of admins, dispatchers and technicians (Cognito holds the
passwords and groups; the staff table holds the profile the app shows)."""
import threading
import time

from chalicelib.core import settings
from chalicelib.core.aws import client
from chalicelib.core.errors import NotFound
from chalicelib.core.validation import Fields
from chalicelib.data.models import StaffModel


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


def create(user_id: str, email: str, name: str, role: str, password: str, phone: str | None = None) -> StaffModel:
    """Create the Cognito user (in the role's group, with a permanent password) and the profile.
    The name and the address go into the headers of digests and alerts: checked like the booking
    form's (422 `ValidationFailed` naming the field) before anything is created."""
    fields = Fields({"email": email, "name": name})
    email, name = fields.email("email"), fields.header_text("name", 120)
    fields.raise_if_errors("The staff member's details are not valid.")
    cognito = client("cognito-idp")
    pool = settings.user_pool_id()
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
