"""Staff sign-in: email and password against Cognito, and renewing the ID token with the refresh token."""
from chalicelib.core import settings
from chalicelib.core.aws import client
from chalicelib.core.errors import Unauthorized
from chalicelib.staff import auth, directory


def login(email: str, password: str) -> dict:
    """USER_PASSWORD_AUTH against the pool; the same answer for unknown user and bad password."""
    refused = Unauthorized("The email or password is not correct.")
    member = directory.find_by_email(email)
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
            "refresh_token": result.get("RefreshToken"), "user": directory.public_view(member)}


def refresh(refresh_token: str) -> dict:
    """A new ID token for the refresh token login gave (REFRESH_TOKEN_AUTH), so a phone stays signed
    in through the working day. A refresh token that is unknown, expired or revoked, or whose user
    was deactivated, gets 401: sign in again."""
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
    member = directory.find(auth.verify_token(result["IdToken"]).user_id)
    if member is None or not member.active:
        raise refused
    return {"id_token": result["IdToken"], "expires_in": result["ExpiresIn"], "user": directory.public_view(member)}
