"""What the office's settings screens need of the API beyond the plain setup routes: the new
staff member's invitation email (POST /staff), which names the business, the role and the app to
sign in to, and never carries the password."""
from chalicelib.core import settings
from chalicelib.core.aws import client
from tests.support.helpers import body_part, sent_emails


def invitations_to(address: str) -> list:
    return [m for m in sent_emails() if address in str(m["To"])]


def test_a_new_dispatcher_is_emailed_an_invitation_to_the_office_app_without_the_password(as_):
    r = as_("admin").post("/staff", {"email": "jo.bloggs@example.com", "name": "Jo Bloggs", "role": "dispatcher"})
    assert r.status == 201, r
    assert r.json["invitation"]["sent"] is True and r.json["invitation"]["to"] == "jo.bloggs@example.com"
    [message] = invitations_to("jo.bloggs@example.com")
    business = as_("admin").get("/business").json["name"]
    assert message["Subject"] == f"You have been added to {business}"
    text, html = body_part(message, "plain"), body_part(message, "html")
    assert "Alex Morgan has added you" in text and "as a dispatcher" in text
    assert f"{settings.public_base_url()}/office/" in text and f'href="{settings.public_base_url()}/office/"' in html
    assert "jo.bloggs@example.com" in text
    password = r.json["initial_password"]
    assert password not in text and password not in html and password not in message.as_string()


def test_a_new_technician_is_pointed_at_the_technician_app(as_):
    r = as_("admin").post("/staff", {"email": "tech.new@example.com", "name": "Tom New", "role": "technician"})
    assert r.status == 201, r
    [message] = invitations_to("tech.new@example.com")
    text = body_part(message, "plain")
    assert f"{settings.public_base_url()}/tech/" in text and "technician app" in text
    assert "/office/" not in text


def test_the_invitation_escapes_names_in_its_html(as_):
    r = as_("admin").post("/staff", {"email": "amp@example.com", "name": "Ann <b>Bold</b> & Co", "role": "dispatcher"})
    assert r.status == 201, r
    [message] = invitations_to("amp@example.com")
    html = body_part(message, "html")
    assert "Ann &lt;b&gt;Bold&lt;/b&gt; &amp; Co" in html and "<b>Bold</b>" not in html


def test_an_invitation_ses_refuses_still_creates_the_account_and_says_it_was_not_sent(as_):
    client("ses").delete_identity(Identity=settings.sender_email())  # SES now rejects every send
    r = as_("admin").post("/staff", {"email": "unsent@example.com", "name": "Una Sent", "role": "dispatcher"})
    assert r.status == 201, r
    assert r.json["invitation"]["sent"] is False and "tell them yourself" in r.json["invitation"]["reason"]
    assert invitations_to("unsent@example.com") == []
    listed = {m["email"] for m in as_("admin").get("/staff").json["staff"]}
    assert "unsent@example.com" in listed


# --- business settings: a version against lost changes ---------------------------------------

def test_each_change_of_the_business_settings_counts_up_their_version(as_):
    before = as_("admin").get("/business").json["version"]
    r = as_("admin").put("/business", {"phone": "+44 117 496 0999", "expected_version": before})
    assert r.status == 200, r
    assert r.json["version"] == before + 1 and r.json["phone"] == "+44 117 496 0999"
    assert as_("dispatcher").get("/business").json["version"] == before + 1


def test_a_change_made_from_stale_settings_is_refused_with_409_and_the_current_version(as_):
    read = as_("admin").get("/business").json["version"]
    assert as_("admin").put("/business", {"name": "Clearview Windows", "expected_version": read}).status == 200
    stale = as_("admin").put("/business", {"name": "Someone Else's Name", "expected_version": read})
    assert stale.status == 409, stale
    assert stale.json["error"]["details"] == {"current_version": read + 1}
    assert as_("admin").get("/business").json["name"] == "Clearview Windows"


def test_a_change_without_a_version_still_applies_and_a_bad_version_is_refused_at_its_field(as_):
    assert as_("admin").put("/business", {"currency": "eur"}).json["currency"] == "EUR"
    r = as_("admin").put("/business", {"currency": "GBP", "expected_version": "3"})
    assert r.status == 422 and [d["field"] for d in r.json["error"]["details"]] == ["expected_version"]


def test_two_changes_at_the_same_moment_keep_both_fields(as_, monkeypatch):
    """Another admin's write lands between this change's read and its write: the conditional write
    fails, the change is made again over the new settings, and neither field is lost."""
    from chalicelib.setup import catalog

    real = catalog.stored_business
    calls = []

    def read_then_someone_else_writes():
        found = real()
        if not calls:
            calls.append(1)
            catalog.save_business({**found, "email": "accounts@example.com", "version": found.get("version", 0) + 1})
        return found

    monkeypatch.setattr(catalog, "stored_business", read_then_someone_else_writes)
    r = as_("admin").put("/business", {"phone": "+44 117 496 0123"})
    assert r.status == 200, r
    now = as_("admin").get("/business").json
    assert (now["phone"], now["email"]) == ("+44 117 496 0123", "accounts@example.com")
