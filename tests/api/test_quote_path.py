"""The window company's whole path through the API, as the issue tells it: the customer books a
survey online (an estimate), the representative (tech1) goes on site and sends a quote from the
price list with one optional line and a 25 % deposit, the customer ticks the optional line and
picks an installation time, the installation order exists with those lines and its deposit
invoice is emailed, the job is worked to completed and its final invoice deducts the deposit,
and the estimate is `won`. Then the decline path and the expiry path."""
from datetime import datetime, timezone

import pytest

from chalicelib.data.quotes import QuoteModel
from infra import demo_data
from tests.api import quote_helpers as qh
from tests.support.helpers import TINY_PNG, body_part, scheduled_event, sent_emails
from tests.support.world import FIXED_NOW

CUSTOMER = {"name": "Ada Lovelace", "email": "ada@example.net", "phone": "+44 7700 900001"}
ADDRESS = {"street": "1 Analytical Way", "city": "Bristol", "postcode": "BS1 1AA"}
SURVEY_START = "2026-12-02T10:00:00+00:00"  # Wednesday; London is on GMT in December
INSTALL_DAY = "2026-12-07"  # the next Monday


@pytest.fixture(autouse=True)
def _limits_out_of_the_way(monkeypatch):
    for variable in ("BOOKINGS_PER_CONTACT", "BOOKINGS_PER_ADDRESS", "AVAILABILITY_PER_ADDRESS", "FORM_MIN_SECONDS"):
        monkeypatch.setenv(variable, "0")
    monkeypatch.setenv("FORM_TOKEN_MAX_AGE_SECONDS", str(10 * 365 * 86400))


@pytest.fixture
def kinds_of_work(world, clock):
    """The demo's kinds of work (estimate, installation, repair), as `make run` loads them."""
    demo_data.load_kinds(clock.now)


def form_token() -> str:
    from chalicelib.limits import gate

    return gate.new_form_token(FIXED_NOW)


def move(api, order, to):
    r = api.post(f"/orders/{order['order_id']}/transitions", {"to": to, "expected_version": order["version"]})
    assert r.status == 200, r
    return r.json


def run_stream(stream, deliver, rounds=4):
    """Hand the orders stream to its handler until it is quiet (automations write, and so add records)."""
    for _ in range(rounds):
        records = stream.read()
        if not records:
            return
        assert deliver(records) == {"batchItemFailures": []}


def emails_to(address, containing=""):
    return [m for m in sent_emails() if address in str(m["To"]) and containing in str(m["Subject"])]


def estimate_on_site(as_, stream, deliver) -> dict:
    """Booked online for the survey, then tech1 on the way and on site."""
    r = as_().post("/public/bookings", {"service_id": "survey", "start": SURVEY_START, "customer": dict(CUSTOMER),
                                         "address": dict(ADDRESS), "form_token": form_token()})
    assert r.status == 201, r
    tech = as_("tech1")
    estimate = tech.get(f"/orders/{r.json['order_id']}").json
    assert estimate["kind"] == "estimate" and estimate["step"] == "scheduled" and estimate["technician"]["id"] == "tech-1"
    estimate = move(tech, estimate, "en_route")
    estimate = move(tech, estimate, "on_site")
    run_stream(stream, deliver)
    return estimate


def quote_from_site(as_, estimate) -> dict:
    """tech1 quotes from the price list on site and sends it at once (the technician app's path)."""
    r = as_("tech1").post(f"/orders/{estimate['order_id']}/quotes", {
        "title": "Two casement windows", "kind": "installation", "service_id": "window-install",
        "lines": [{"price_item_id": "window-casement", "quantity": 2}, {"price_item_id": "disposal", "quantity": 2},
                  {"price_item_id": "sealant", "quantity": 2, "optional": True}],
        "deposit": {"percent_basis_points": 2500}, "valid_until": "2026-12-31", "send": True})
    assert r.status in (200, 201), r
    assert r.json["status"] == "sent"
    [email] = emails_to(CUSTOMER["email"], "quote")
    quote_id, token = qh.link_of(email)
    assert quote_id == r.json["quote_id"]
    return {"id": quote_id, "token": token}


def link(quote, path=""):
    return f"/public/quotes/{quote['id']}{path}?token={quote['token']}"


def test_the_window_company_path_from_online_survey_to_paid_for_installation(as_, kinds_of_work, stream, deliver,
                                                                              clock):
    estimate = estimate_on_site(as_, stream, deliver)
    quote = quote_from_site(as_, estimate)
    office = as_("dispatcher")
    assert office.get(f"/orders/{estimate['order_id']}").json["step"] == "quoted"

    # The customer reads the quote, ticks the optional line, picks a free installation time.
    customer = as_()
    view = customer.get(link(quote)).json
    assert view["open"] and view["booking"]["service_id"] == "window-install"
    sealant = qh.optional_ids(view)
    assert len(sealant) == 1
    slots = customer.get(f"/public/availability?service_id=window-install&postcode=BS1%201AA&date={INSTALL_DAY}&days=1")
    assert slots.status == 200 and slots.json["slots"], slots
    start = slots.json["slots"][0]["start"]
    r = customer.post(link(quote, "/accept"), {"name": "Ada Lovelace", "optional_lines": sealant, "start": start})
    assert r.status == 201, r
    accepted = r.json
    assert accepted["accepted"]["optional_lines"] == sealant
    assert accepted["job"]["appointment"]["start"] == start

    # The installation order: the accepted lines, booked at that time, its deposit invoiced.
    job = office.get(f"/orders/{accepted['job']['order_id']}").json
    assert job["kind"] == "installation" and job["step"] == "scheduled"
    assert [(li["description"], li["quantity"]) for li in job["line_items"]] == [
        ("Casement window, supply and fit", 2), ("Removal and disposal of old frames", 2),
        ("Sealant and finishing, per window", 2)]
    work_total = accepted["accepted"]["totals"]["total_cents"]
    assert work_total == (2 * 42000 + 2 * 3500 + 2 * 1200) * 12 // 10
    deposit_cents = accepted["accepted"]["totals"]["deposit_cents"]
    assert deposit_cents == (work_total * 2500 + 5000) // 10000
    stored_job = qh.order(job["order_id"])
    assert stored_job.deposit["amount_cents"] == deposit_cents and stored_job.deposit.get("invoice_id")
    deposit_number = stored_job.deposit["number"]
    assert emails_to(CUSTOMER["email"], deposit_number), "the deposit invoice is emailed"
    assert body_part(emails_to(CUSTOMER["email"], "accepted")[0], "plain").count("Sealant") == 1
    assert office.get(f"/orders/{estimate['order_id']}").json["step"] == "won"

    run_stream(stream, deliver)  # the booking confirmation of the installation
    assert any(job["order_id"] in str(m["Subject"]) for m in emails_to(CUSTOMER["email"]))

    # The job is worked to completed; its final invoice deducts the deposit.
    job = move(office, job, "en_route")
    job = move(office, job, "in_progress")
    r = office.post(f"/orders/{job['order_id']}/signature", {"image_png_base64": TINY_PNG, "signed_by": "Ada Lovelace"})
    assert r.status == 201, r
    job = move(office, r.json, "completed")
    run_stream(stream, deliver)
    invoice = office.get(f"/orders/{job['order_id']}/invoice")
    assert invoice.status == 200, invoice
    final = invoice.json
    assert final["deposit_deducted"]["number"] == deposit_number
    assert final["deposit_deducted"]["work_total_cents"] == work_total
    assert final["total_cents"] == work_total - deposit_cents


def test_the_decline_path_loses_the_estimate_with_the_reason(as_, kinds_of_work, stream, deliver):
    estimate = estimate_on_site(as_, stream, deliver)
    quote = quote_from_site(as_, estimate)
    r = as_().post(link(quote, "/decline"), {"reason": "We decided to wait until spring"})
    assert r.status == 201, r
    stored = as_("dispatcher").get(f"/orders/{estimate['order_id']}").json
    assert stored["step"] == "lost" and stored["history"][-1]["note"] == "We decided to wait until spring"
    assert QuoteModel.get(quote["id"]).job_order_id is None


def test_the_expiry_path_reminds_twice_then_expires_and_loses_the_estimate(as_, kinds_of_work, stream, deliver, clock):
    estimate = estimate_on_site(as_, stream, deliver)
    quote = quote_from_site(as_, estimate)
    for moment in (datetime(2026, 12, 3, 9), datetime(2026, 12, 7, 9), datetime(2026, 12, 31, 12)):  # sent 30 Nov 08:00
        clock.now = moment.replace(tzinfo=timezone.utc)
        scheduled_event("quote_follow_ups")
    assert len([m for m in emails_to(CUSTOMER["email"], "Reminder")]) == 2
    assert QuoteModel.get(quote["id"]).status == "sent"
    clock.now = datetime(2027, 1, 1, 0, 30, tzinfo=timezone.utc)  # the 31st ended
    scheduled_event("quote_follow_ups")
    assert QuoteModel.get(quote["id"]).status == "expired"
    assert as_("dispatcher").get(f"/orders/{estimate['order_id']}").json["step"] == "lost"
    late = as_().post(link(quote, "/accept"), {"name": "Ada Lovelace"})
    assert late.status == 409 and late.json["error"]["code"] == "quote_expired"
