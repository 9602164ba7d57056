"""API Gateway's own answers in the app's JSON error shape `{"error": {"code", "message",
"details"}}`: a path (or method) the API does not have is a 404 `not_found` instead of API
Gateway's 403 "Missing Authentication Token", and every other answer API Gateway gives before
or instead of the app (throttled, too large, a Lambda that failed or timed out) keeps its status
and takes the same shape.

They go into the API's OpenAPI definition (`x-amazon-apigateway-gateway-responses` in the
`RestAPI`'s `DefinitionBody`, merged into the one Chalice writes) rather than separate
`AWS::ApiGateway::GatewayResponse` resources: SAM redeploys the API from its definition, and
gateway responses made outside it are not in that deployment (aws/serverless-application-model
#390), so they would be lost on the next code change.
"""
import json

NOT_FOUND_MESSAGE = "There is nothing at this path."
# (status or None to keep API Gateway's, error code, message or None for API Gateway's own)
RESPONSES = {
    "MISSING_AUTHENTICATION_TOKEN": ("404", "not_found", NOT_FOUND_MESSAGE),
    "RESOURCE_NOT_FOUND": ("404", "not_found", NOT_FOUND_MESSAGE),
    "THROTTLED": (None, "too_many_requests", None),
    "REQUEST_TOO_LARGE": (None, "payload_too_large", None),
    "UNSUPPORTED_MEDIA_TYPE": (None, "unsupported_media_type", None),
    "DEFAULT_4XX": (None, "bad_request", None),
    "DEFAULT_5XX": (None, "internal_error", None),
}
# An error answer carries no data, so any page may read it: a booking form on a business's own
# site (ALLOWED_ORIGINS) then sees "too many requests" instead of a failed fetch. The app's own
# answers keep their per-origin CORS (chalicelib/routes/edge.py).
HEADERS = {
    "Access-Control-Allow-Origin": "'*'",
    "Cache-Control": "'no-store'",
    "X-Content-Type-Options": "'nosniff'",
}


def body_template(code: str, message: str | None) -> str:
    """The mapping template of a response: JSON, with API Gateway's message (already a quoted
    JSON string in `$context.error.messageString`) where the app has none of its own, and the
    request id in `details` to find it in the logs."""
    quoted = json.dumps(message) if message is not None else "$context.error.messageString"
    return ('{"error": {"code": "' + code + '", "message": ' + quoted
            + ', "details": {"request_id": "$context.requestId"}}}')


def gateway_responses() -> dict:
    result = {}
    for kind, (status, code, message) in RESPONSES.items():
        response = {
            "responseParameters": {f"gatewayresponse.header.{name}": value for name, value in HEADERS.items()},
            "responseTemplates": {"application/json": body_template(code, message)},
        }
        if status:
            response["statusCode"] = status
        result[kind] = response
    return result


def rest_api_definition() -> dict:
    """What the merge template adds to the `DefinitionBody` Chalice writes."""
    return {"x-amazon-apigateway-gateway-responses": gateway_responses()}
