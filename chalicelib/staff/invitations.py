"""The invitation email a new staff member gets when an admin creates their account
(`accounts.create`): who added them, to which business and in which role, the address of their
app (the office app for admins and dispatchers, the technician app for technicians) and the email
address to sign in with.

The first password is never in the email: the admin sees it once in the answer to POST /staff and
hands it over another way (in person, by phone), so a mailbox read by someone else does not open
the account. Sending is best-effort: the account exists whether or not SES took the message, and
the answer says which (`invitation.sent`), so the admin can tell the person themselves.
"""
from botocore.exceptions import ClientError, EndpointConnectionError

from chalicelib.core import observability, settings
from chalicelib.data.models import StaffModel
from chalicelib.mail import messages
from chalicelib.setup import catalog

ROLE_NAMES = {"admin": "an admin", "dispatcher": "a dispatcher", "technician": "a technician"}


def app_link(role: str) -> str:
    """Where the new person signs in: the technician app or the office app."""
    return f"{settings.public_base_url()}/{'tech' if role == 'technician' else 'office'}/"


def invitation_email(member: StaffModel, inviter: StaffModel | None, business: dict):
    name = business.get("name") or "the business"
    text, html = messages.render(
        "staff_invitation", name=member.name, email=member.email, role=ROLE_NAMES.get(member.role, member.role),
        inviter=inviter.name if inviter else None, business_name=name, link=app_link(member.role),
        technician=member.role == "technician",
    )
    return messages.build(messages.mailbox(member.email, member.name), f"You have been added to {name}", text, html,
                          message_id=f"invitation.{member.user_id}", sender_name=name)


def send_invitation(member: StaffModel, inviter: StaffModel | None) -> dict:
    """Send the invitation; {"sent": True, "to": ...} or {"sent": False, "reason": ...}."""
    try:
        message_id = messages.send(invitation_email(member, inviter, catalog.business()))
    except (ClientError, EndpointConnectionError, messages.UnsafeHeader) as exc:
        observability.logger().warning("staff invitation not sent", extra={"user_id": member.user_id, "error": str(exc)})
        observability.count("StaffInvitationFailed")
        return {"sent": False, "to": member.email, "reason": "The invitation email could not be sent; tell them yourself."}
    observability.count("StaffInvitationSent")
    return {"sent": True, "to": member.email, "message_id": message_id}
