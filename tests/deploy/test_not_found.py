"""404 for unknown paths in the cloud: API Gateway's own answers in the app's JSON error shape
(`infra/template/gateway.py`), and CloudFront's viewer-request function that sends `/tech`,
`/book` and `/office` to the app with its slash (`infra/template/web.py`), run in Node with the
events CloudFront gives it. The merge template is built without packaging (fast); the packaged
template's merge is checked in test_deploy.py."""
import json
import shutil
import subprocess

import pytest

from chalicelib.core.errors import error_body
from infra.template.build import build, load_app
from infra.template.gateway import NOT_FOUND_MESSAGE
from infra.template.web import APP_PATHS, SITE_PATH_FUNCTION, WEB_PATHS


@pytest.fixture(scope="module")
def merge_template():
    return build(load_app())


def rendered(response: dict, message: str = "Forbidden", request_id: str = "req-1") -> dict:
    """A gateway response's body as API Gateway fills it in ($context.error.messageString is
    the message as a quoted JSON string)."""
    body = response["responseTemplates"]["application/json"]
    body = body.replace("$context.error.messageString", json.dumps(message)).replace("$context.requestId", request_id)
    return json.loads(body)


def gateway_responses(template: dict) -> dict:
    return template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["x-amazon-apigateway-gateway-responses"]


def test_a_path_the_api_does_not_have_is_a_404_not_found_in_the_app_s_error_shape(merge_template):
    responses = gateway_responses(merge_template)
    for kind in ("MISSING_AUTHENTICATION_TOKEN", "RESOURCE_NOT_FOUND"):
        assert responses[kind]["statusCode"] == "404"
        assert rendered(responses[kind]) == error_body("not_found", NOT_FOUND_MESSAGE, {"request_id": "req-1"})


@pytest.mark.parametrize("kind, code", [
    ("THROTTLED", "too_many_requests"), ("REQUEST_TOO_LARGE", "payload_too_large"),
    ("UNSUPPORTED_MEDIA_TYPE", "unsupported_media_type"), ("DEFAULT_4XX", "bad_request"), ("DEFAULT_5XX", "internal_error"),
])
def test_api_gateway_s_other_errors_keep_their_status_and_take_the_app_s_shape(merge_template, kind, code):
    response = gateway_responses(merge_template)[kind]
    assert "statusCode" not in response  # API Gateway's own status (429, 413, 502, 504...)
    assert rendered(response, 'Too "many" requests') == error_body(code, 'Too "many" requests', {"request_id": "req-1"})


def test_every_gateway_error_is_readable_by_any_page_never_cached_and_never_sniffed(merge_template):
    for kind, response in gateway_responses(merge_template).items():
        headers = response["responseParameters"]
        assert headers == {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'",
                           "gatewayresponse.header.Cache-Control": "'no-store'",
                           "gatewayresponse.header.X-Content-Type-Options": "'nosniff'"}, kind


def test_the_apps_without_their_slash_are_sent_through_the_site_function(merge_template):
    config = merge_template["Resources"]["AppDistribution"]["Properties"]["DistributionConfig"]
    behaviors = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    assert {f"/{path}" for path in APP_PATHS} <= set(behaviors) and set(APP_PATHS) == {"tech", "book", "office"}
    for path in APP_PATHS:
        (function,) = behaviors[f"/{path}"]["FunctionAssociations"]
        assert function == {"EventType": "viewer-request",
                            "FunctionARN": {"Fn::GetAtt": ["SitePathFunction", "FunctionMetadata.FunctionARN"]}}
    # every app's folder is the bucket's
    assert {f"/{path}/*" for path in APP_PATHS} <= set(behaviors) and set(WEB_PATHS) == set(APP_PATHS)


# --- the CloudFront function, run in Node ---------------------------------------------------------

NODE = shutil.which("node")


def run_function(uri: str, querystring: dict | None = None) -> dict:
    event = {"version": "1.0", "context": {"eventType": "viewer-request"},
             "viewer": {"ip": "198.51.100.7"},
             "request": {"method": "GET", "uri": uri, "querystring": querystring or {}, "headers": {}, "cookies": {}}}
    script = SITE_PATH_FUNCTION + "\nprocess.stdout.write(JSON.stringify(handler(" + json.dumps(event) + ")));\n"
    done = subprocess.run([NODE, "-e", script], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


@needs_node
@pytest.mark.parametrize("uri", ["/tech", "/book", "/office"])
def test_an_app_without_its_slash_is_a_301_to_the_app(uri):
    answer = run_function(uri)
    assert (answer["statusCode"], answer["headers"]["location"]["value"]) == (301, uri + "/")


@needs_node
def test_the_redirect_keeps_the_query_string_as_the_viewer_sent_it():
    querystring = {"next": {"value": "%2Forders%2FWO-1"}, "flag": {"value": ""},
                   "tag": {"value": "a", "multiValue": [{"value": "a"}, {"value": "b"}]}}
    answer = run_function("/tech", querystring)
    assert answer["headers"]["location"]["value"] == "/tech/?next=%2Forders%2FWO-1&flag&tag=a&tag=b"


@needs_node
def test_a_folder_is_its_index_and_a_file_is_itself():
    assert run_function("/tech/")["uri"] == "/tech/index.html"
    assert run_function("/book/assets/")["uri"] == "/book/assets/index.html"
    assert run_function("/book/app.js")["uri"] == "/book/app.js"
    assert run_function("/technician")["uri"] == "/technician"  # not an app: not redirected
