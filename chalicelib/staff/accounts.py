"""Managing staff accounts (admins): listing, creating, changing name, phone and role,
deactivating and reactivating.

The staff record is the authority each request is checked against (`auth.current`); Cognito is
kept in step (its groups, AdminDisableUser/AdminEnableUser, a global sign-out revoking refresh
tokens). The last active admin can never be deactivated or demoted: the change is written in one
transaction with a check that the acting admin is still an active admin, and an admin cannot
deactivate or demote themselves, so there is always one left, even when two admins act at once.
"""
import re
import secrets
import string

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.core import observability, settings
from chalicelib.core.aws import client
from chalicelib.core.errors import Conflict, ValidationFailed
from chalicelib.core.validation import Fields
from chalicelib.data.models import StaffModel
from chalicelib.staff import directory, invitations
from chalicelib.staff.auth import ROLES, Principal

PASSWORD_RULE = "at least 12 characters with upper- and lower-case letters and a digit"


def view(member: StaffModel) -> dict:
    return {"id": member.user_id, "name": member.name, "email": member.email, "phone": member.phone,
            "role": member.role, "active": bool(member.active)}


def list_staff() -> dict:
    """Everyone, by role (one Query per role on the `by-role` index), active ones first."""
    members = [m for role in ROLES for m in StaffModel.by_role.query(role)]
    members.sort(key=lambda m: (not m.active, ROLES.index(m.role) if m.role in ROLES else 9, m.name.lower()))
    return {"staff": [view(m) for m in members]}


def _strong(password: str) -> bool:
    return (len(password) >= 12 and any(c.islower() for c in password) and any(c.isupper() for c in password)
            and any(c.isdigit() for c in password))


def _generated_password() -> str:
    alphabet = string.ascii_letters + string.digits
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(20))
        if _strong(password):
            return password


def _user_id_for(email: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", email.split("@")[0].lower()).strip("-")[:40] or "staff"
    return f"{base}-{secrets.token_hex(3)}"


def create(body: dict, principal: Principal | None = None) -> dict:
    """POST /staff: the Cognito user (in the role's group) and the staff record. Without a
    `password` one is generated and answered once as `initial_password`, for the admin to hand over.
    The new person gets an invitation email (`invitations`; never with the password), and the
    answer's `invitation` says whether it went out."""
    fields = Fields(body)
    email = fields.email("email")
    name = fields.header_text("name", 120)
    phone = fields.phone("phone", required=False)
    role = fields.text("role", 20)
    if role and role not in ROLES:
        fields.error("role", f"must be one of: {', '.join(ROLES)}")
    password = body.get("password")
    if password is not None and (not isinstance(password, str) or not _strong(password)):
        fields.error("password", PASSWORD_RULE)
    fields.raise_if_errors("The staff member's details are not valid.")
    if directory.find_by_email(email) is not None:
        raise Conflict("A staff member with this email exists already.", {"field": "email"}, code="email_taken")
    generated = password is None
    password = password or _generated_password()
    member = directory.create(_user_id_for(email), email, name, role, password, phone=phone)
    observability.count("StaffCreated")
    invitation = invitations.send_invitation(member, directory.find(principal.user_id) if principal else None)
    return {**view(member), **({"initial_password": password} if generated else {}), "invitation": invitation}


def _write_guarded(principal: Principal, member: StaffModel, actions: list) -> None:
    """Update `member` if it is unchanged since read, with a check that the acting admin is still
    an active admin (so two admins removing each other cannot leave none)."""
    try:
        with TransactWrite(connection=Connection(region=settings.region())) as tx:
            tx.update(member, actions, condition=StaffModel.role == member.role)
            tx.condition_check(StaffModel, principal.user_id,
                               condition=(StaffModel.active == True) & (StaffModel.role == "admin"))  # noqa: E712
    except TransactWriteError as exc:
        if exc.cause_response_code != "TransactionCanceledException":
            raise
        raise Conflict("The staff record or your own account changed at the same moment; reload and try again.",
                       {"id": member.user_id})
    directory.forget_profile(member.user_id)


def _refuse_self(principal: Principal, user_id: str, what: str) -> None:
    if principal.user_id == user_id:
        raise ValidationFailed(f"You cannot {what} your own account; ask another admin.",
                               [{"field": "id", "message": f"cannot {what} yourself"}], code="own_account")


def update(principal: Principal, user_id: str, body: dict) -> dict:
    """PATCH /staff/{id}: name, phone, role (absent fields stay as they are)."""
    member = directory.get(user_id)
    fields = Fields(body)
    name = fields.header_text("name", 120, required=False)
    phone = fields.phone("phone", required=False)
    role = fields.text("role", 20, required=False)
    if role and role not in ROLES:
        fields.error("role", f"must be one of: {', '.join(ROLES)}")
    if not any(k in body for k in ("name", "phone", "role")):
        fields.error("body", "give name, phone or role")
    fields.raise_if_errors("The staff member's details are not valid.")
    actions = []
    if name and name != member.name:
        actions.append(StaffModel.name.set(name))
    if "phone" in body and phone != member.phone:
        actions.append(StaffModel.phone.set(phone) if phone else StaffModel.phone.remove())
    old_role = member.role
    if role and role != old_role:
        _refuse_self(principal, user_id, "change the role of")
        actions.append(StaffModel.role.set(role))
    if actions:
        _write_guarded(principal, member, actions)
        if role and role != old_role:
            cognito = client("cognito-idp")
            pool = settings.user_pool_id()
            cognito.admin_add_user_to_group(UserPoolId=pool, Username=user_id, GroupName=role)
            if old_role in ROLES:
                cognito.admin_remove_user_from_group(UserPoolId=pool, Username=user_id, GroupName=old_role)
        member.refresh(consistent_read=True)
    return view(member)


def set_active(principal: Principal, user_id: str, active: bool) -> dict:
    """Deactivate (the record first: every request checks it; then Cognito: no new sign-in, refresh
    tokens revoked) or reactivate. Doing it again changes nothing."""
    member = directory.get(user_id)
    if not active:
        _refuse_self(principal, user_id, "deactivate")
    if bool(member.active) != active:
        _write_guarded(principal, member, [StaffModel.active.set(active)])
    cognito = client("cognito-idp")
    pool = settings.user_pool_id()
    if active:
        cognito.admin_enable_user(UserPoolId=pool, Username=user_id)
    else:
        cognito.admin_disable_user(UserPoolId=pool, Username=user_id)
        try:
            cognito.admin_user_global_sign_out(UserPoolId=pool, Username=user_id)
        except cognito.exceptions.UserNotFoundException:
            pass
    observability.count("StaffActivated" if active else "StaffDeactivated")
    member.refresh(consistent_read=True)
    return view(member)
