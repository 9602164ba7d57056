"""The customer's answer to a quote, through the public link: the view, accepting (the job order,
the estimate won, the email), declining (the estimate lost), every 409, and the races: a
double-clicked accept, accept against decline, accept against the office sending revision B."""
from datetime import timedelta

import pytest

from chalicelib.core import settings
from chalicelib.data.customers import CustomerModel
from chalicelib.data.models import CalendarDayModel, OrderModel
from chalicelib.data.quotes import QuoteModel
from chalicelib.quotes import acceptance, after_answer
from tests.api import quote_helpers as qh
from tests.support.helpers import body_part, sent_emails
from tests.support.races import all_read_first, race


@pytest.fixture(autouse=True, scope="module")
def atomic_dynamodb_requests():
    from infra import moto_atomic

    moto_atomic.install()


@pytest.fixture
def quote(world, as_, clock):
    """A sent quote on an estimate at `on_site`: two required lines, two optional ones."""
    estimate = qh.estimate_order(clock.now)
    sent = qh.send_quote(as_("dispatcher"), estimate)
    return {"id": sent["quote_id"], "token": qh.token_of(sent["quote_id"]), "estimate": estimate, "sent": sent}


def public(as_, quote, path="", token=None):
    return f"/public/quotes/{quote['id']}{path}?token={token or quote['token']}"


def view(as_, quote):
    r = as_().get(public(as_, quote))
    assert r.status == 200, r
    return r.json


def quote_emails(subject_part):
    return [m for m in sent_emails() if subject_part in str(m["Subject"])]


# --- the view ---------------------------------------------------------------------------------

def test_the_customer_sees_the_quote_its_lines_and_totals_of_the_required_lines(as_, quote):
    v = view(as_, quote)
    assert v["status"] == "sent" and v["open"] is True and v["superseded"] is False
    assert v["reference"].endswith("-A") and v["currency"] == "GBP" and v["timezone"] == "Europe/London"
    assert [line["optional"] for line in v["lines"]] == [False, False, True, True]
    assert v["totals"]["subtotal_cents"] == 4 * 42000 + 4 * 3500  # the optional lines are not counted
    assert v["totals"]["tax_cents"] == v["totals"]["subtotal_cents"] // 5
    assert v["business"]["name"] == "Clearview Windows Ltd" and v["business"]["tax_registration_number"]
    assert v["booking"]["service_id"] == "window-install" and v["booking"]["duration_minutes"] == 180
    assert v["accepted"] is None and v["declined"] is None and v["job"] is None
    assert v["pdf_url"] == f"/public/quotes/{quote['id']}/pdf?token={quote['token']}"
    assert "created_by" not in v and "token" not in v and "price_item_id" not in v["lines"][0]


def test_a_wrong_token_and_a_missing_quote_get_the_same_404(as_, quote):
    wrong = as_().get(public(as_, quote, token="x" * 43))
    missing = as_().get(f"/public/quotes/Q-ABCDEFGHJKLM?token={quote['token']}")
    none = as_().get(f"/public/quotes/{quote['id']}")
    assert wrong.status == missing.status == none.status == 404
    assert wrong.json == missing.json == none.json
    assert as_().post(public(as_, quote, "/accept", token="nope"), {"name": "Ada"}).status == 404


def test_the_pdf_link_redirects_to_the_stored_document(as_, quote):
    r = as_().get(public(as_, quote, "/pdf"))
    assert r.status == 302 and "Q-2026-000001-A.pdf" in r.headers["Location"] and "Signature=" in r.headers["Location"]


# --- accepting --------------------------------------------------------------------------------

def test_accepting_creates_the_job_with_the_chosen_lines_and_wins_the_estimate(as_, quote, clock):
    first = view(as_, quote)["lines"][2]["line_id"]
    r = as_().post(public(as_, quote, "/accept"), {"name": "Ada Lovelace", "optional_lines": [first]})
    assert r.status == 201, r
    v = r.json
    assert v["status"] == "accepted" and v["open"] is False
    assert v["accepted"]["name"] == "Ada Lovelace" and v["accepted"]["optional_lines"] == [first]
    assert v["accepted"]["totals"]["subtotal_cents"] == 4 * 42000 + 4 * 3500 + 4 * 2500
    assert v["job"]["order_id"] and v["job"]["appointment"] is None

    job = qh.order(v["job"]["order_id"])
    assert job.kind == "installation" and job.step == "requested"
    assert job.quote_id == quote["id"] and job.estimate_order_id == quote["estimate"]
    assert job.customer_id == qh.order(quote["estimate"]).customer_id
    assert job.address.postcode == "BS1 1AA" and job.service_id == "window-install"
    assert [(li.description, int(li.quantity), li.added_by) for li in job.line_items] == [
        ("Casement window, supply and fit", 4, "customer"), ("Removal and disposal of old frames", 4, "customer"),
        ("Trickle vents", 4, "customer")]
    assert job.deposit is None
    assert qh.order(quote["estimate"]).step == "won"

    stored = QuoteModel.get(quote["id"], consistent_read=True)
    assert stored.estimate_moved == "won" and stored.follow_up is None and stored.answer_email["status"] == "sent"
    [email] = quote_emails("accepted")
    text = body_part(email, "plain")
    assert "Trickle vents" in text and job.order_id in text and "Child-safe restrictors" not in text


def test_a_deposit_is_recorded_on_the_job_for_its_invoice(as_, world, clock):
    estimate = qh.estimate_order(clock.now)
    sent = qh.send_quote(as_("dispatcher"), estimate, deposit={"percent_basis_points": 2500})
    q = {"id": sent["quote_id"], "token": qh.token_of(sent["quote_id"])}
    r = as_().post(public(as_, q, "/accept"), {"name": "Ada Lovelace", "optional_lines": []})
    assert r.status == 201, r
    total = r.json["accepted"]["totals"]["total_cents"]
    assert r.json["accepted"]["totals"]["deposit_cents"] == (total * 2500 + 5000) // 10000
    job = qh.order(r.json["job"]["order_id"])
    assert job.deposit["quote_id"] == q["id"] and job.deposit["amount_cents"] == r.json["accepted"]["totals"]["deposit_cents"]
    assert job.deposit.get("invoice_id"), "the deposit invoice was issued at acceptance"
    assert "deposit invoice follows" in body_part(quote_emails("accepted")[0], "plain")


def test_the_same_acceptance_again_is_200_and_a_different_one_409(as_, quote):
    body = {"name": "Ada Lovelace", "optional_lines": []}
    first = as_().post(public(as_, quote, "/accept"), body)
    again = as_().post(public(as_, quote, "/accept"), body)
    assert (first.status, again.status) == (201, 200)
    assert again.json["job"]["order_id"] == first.json["job"]["order_id"]
    other = as_().post(public(as_, quote, "/accept"), {"name": "Ada L.", "optional_lines": []})
    assert other.status == 409 and other.json["error"]["code"] == "quote_answered"
    declined = as_().post(public(as_, quote, "/decline"), {"reason": "Changed my mind"})
    assert declined.status == 409 and declined.json["error"]["code"] == "quote_answered"
    assert len(quote_emails("accepted")) == 1


def test_an_idempotency_key_replays_the_first_answer_exactly(as_, quote):
    body = {"name": "Ada Lovelace"}
    headers = {"Idempotency-Key": "accept-0001-abcdef"}
    first = as_().post(public(as_, quote, "/accept"), body, headers=headers)
    replay = as_().post(public(as_, quote, "/accept"), body, headers=headers)
    assert (first.status, replay.status) == (201, 201) and replay.json == first.json
    reused = as_().post(public(as_, quote, "/accept"), {"name": "Someone Else"}, headers=headers)
    assert reused.status == 422 and reused.json["error"]["code"] == "idempotency_key_reused"


@pytest.mark.parametrize("body, field", [
    ({"optional_lines": []}, "name"),
    ({"name": "Ada\r\nBcc: x@example.org"}, "name"),
    ({"name": "=?utf-8?b?QWRh?="}, "name"),
    ({"name": "Ada", "optional_lines": ["L-NOTALINE"]}, "optional_lines"),
    ({"name": "Ada", "optional_lines": "all"}, "optional_lines"),
    ({"name": "Ada", "start": "tomorrow"}, "start"),
])
def test_a_bad_acceptance_is_422_at_its_field_and_accepts_nothing(as_, quote, body, field):
    r = as_().post(public(as_, quote, "/accept"), body)
    assert r.status == 422 and field in [e["field"] for e in r.json["error"]["details"]], r
    assert QuoteModel.get(quote["id"], consistent_read=True).status == "sent"


def test_a_required_line_cannot_be_ticked_as_optional(as_, quote):
    required = view(as_, quote)["lines"][0]["line_id"]
    r = as_().post(public(as_, quote, "/accept"), {"name": "Ada", "optional_lines": [required]})
    assert r.status == 422


def test_accepting_with_a_time_books_the_job_onto_a_free_technician(as_, quote, clock):
    start = qh.next_weekday((clock.now + timedelta(days=3)).date())
    r = as_().post(public(as_, quote, "/accept"), {"name": "Ada Lovelace", "start": start})
    assert r.status == 201, r
    assert r.json["job"]["appointment"]["start"].startswith(start[:16])
    job = qh.order(r.json["job"]["order_id"])
    assert job.step == "scheduled" and job.technician_id and job.manage_token
    day = CalendarDayModel.get(job.technician_id, start[:10])
    assert job.order_id in [a["order_id"] for a in day.appointments]
    assert r.json["accepted"]["start"] is not None


def test_a_taken_time_is_409_slot_taken_and_nothing_is_accepted(as_, quote, new_order, clock):
    start = qh.next_weekday((clock.now + timedelta(days=3)).date())
    end = start.replace("T10:00", "T13:30")
    for tech in ("tech-1", "tech-2"):  # both installers busy then
        new_order(technician_id=tech, appointment={"start": start, "end": end})
    r = as_().post(public(as_, quote, "/accept"), {"name": "Ada Lovelace", "start": start})
    assert r.status == 409 and r.json["error"]["code"] == "slot_taken", r
    assert QuoteModel.get(quote["id"], consistent_read=True).status == "sent"
    job_id = acceptance.job_order_id(quote["id"])
    with pytest.raises(OrderModel.DoesNotExist):
        OrderModel.get(job_id)


def test_a_quote_past_its_validity_is_409_quote_expired(as_, quote, clock):
    valid_until = view(as_, quote)["valid_until"]
    clock.now = clock.now + timedelta(days=400)
    r = as_().post(public(as_, quote, "/accept"), {"name": "Ada"})
    assert r.status == 409 and r.json["error"]["code"] == "quote_expired"
    assert view(as_, quote)["open"] is False and valid_until


def test_an_earlier_revision_cannot_be_accepted_once_a_new_one_is_sent(as_, quote):
    office = as_("dispatcher")
    r = office.post(f"/quotes/{quote['id']}/revisions", {"lines": qh.LINES[:2]})
    assert r.status == 201, r
    b = r.json["quote_id"]
    assert office.post(f"/quotes/{b}/send", {}).status == 200
    old = as_().post(public(as_, quote, "/accept"), {"name": "Ada"})
    assert old.status == 409 and old.json["error"]["code"] == "quote_superseded"
    assert view(as_, quote)["superseded"] is True
    newer = {"id": b, "token": qh.token_of(b)}
    assert as_().post(public(as_, newer, "/accept"), {"name": "Ada"}).status == 201


# --- declining --------------------------------------------------------------------------------

def test_declining_records_the_reason_and_loses_the_estimate_with_it(as_, quote):
    r = as_().post(public(as_, quote, "/decline"), {"reason": "Too expensive for now"})
    assert r.status == 201, r
    assert r.json["status"] == "declined" and r.json["declined"]["reason"] == "Too expensive for now"
    estimate = as_("dispatcher").get(f"/orders/{quote['estimate']}").json
    assert estimate["step"] == "lost" and estimate["history"][-1]["note"] == "Too expensive for now"
    assert as_().post(public(as_, quote, "/decline"), {"reason": "Too expensive for now"}).status == 200
    assert as_().post(public(as_, quote, "/accept"), {"name": "Ada"}).json["error"]["code"] == "quote_answered"


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "x" * 501}, {"reason": "bad\x00char"}])
def test_a_decline_needs_a_reason_of_at_most_500_characters(as_, quote, body):
    r = as_().post(public(as_, quote, "/decline"), body)
    assert r.status == 422 and r.json["error"]["details"][0]["field"] == "reason"


# --- races ------------------------------------------------------------------------------------

def test_a_double_clicked_accept_makes_one_job_and_one_email(as_, quote, clock):
    body = {"name": "Ada Lovelace", "optional_lines": []}
    with all_read_first(settings.QUOTES_TABLE):
        results = race(lambda: acceptance.accept(quote["id"], quote["token"], body, clock.now),
                       lambda: acceptance.accept(quote["id"], quote["token"], body, clock.now))
    assert all(isinstance(r, acceptance.Answer) for r in results), results
    assert sorted(r.created for r in results) == [False, True]
    assert len({r.quote.job_order_id for r in results}) == 1
    customer = CustomerModel.get(qh.order(quote["estimate"]).customer_id, consistent_read=True)
    assert int(customer.orders_count) == 2, "the estimate and one job"
    assert len(quote_emails("accepted")) == 1


def test_accept_and_decline_at_the_same_moment_one_wins(as_, quote, clock):
    with all_read_first(settings.QUOTES_TABLE):
        results = race(lambda: acceptance.accept(quote["id"], quote["token"], {"name": "Ada"}, clock.now),
                       lambda: acceptance.decline(quote["id"], quote["token"], {"reason": "No"}, clock.now))
    winners = [r for r in results if isinstance(r, acceptance.Answer)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], acceptance.QuoteAnswered)
    stored = QuoteModel.get(quote["id"], consistent_read=True)
    assert stored.status == winners[0].quote.status
    assert qh.order(quote["estimate"]).step == ("won" if stored.status == "accepted" else "lost")


def test_accepting_a_before_b_is_sent_wins_and_b_is_then_refused(as_, quote):
    office = as_("dispatcher")
    b = office.post(f"/quotes/{quote['id']}/revisions", {"lines": qh.LINES[:2]}).json["quote_id"]
    assert office.patch(f"/quotes/{b}", {"title": "Revised", "expected_version": 1}).status == 200
    assert as_().post(public(as_, quote, "/accept"), {"name": "Ada"}).status == 201
    refused = office.post(f"/quotes/{b}/send", {})
    assert refused.status == 409, refused
    assert QuoteModel.get(b, consistent_read=True).status == "draft"
    assert QuoteModel.get(quote["id"], consistent_read=True).status == "accepted"


def test_accept_racing_the_send_of_revision_b_gives_one_outcome(as_, quote, clock):
    from chalicelib.quotes import sending
    from chalicelib.staff.auth import Principal

    office = as_("dispatcher")
    b = office.post(f"/quotes/{quote['id']}/revisions", {"lines": qh.LINES[:2]}).json["quote_id"]
    dispatcher = Principal("dispatcher-1", "dispatcher", ("dispatcher",))
    with all_read_first(settings.QUOTES_TABLE):
        results = race(lambda: acceptance.accept(quote["id"], quote["token"], {"name": "Ada"}, clock.now),
                       lambda: sending.send(dispatcher, b, clock.now))
    a_now = QuoteModel.get(quote["id"], consistent_read=True)
    b_now = QuoteModel.get(b, consistent_read=True)
    assert (a_now.status, b_now.status) in (("accepted", "draft"), ("superseded", "sent")), results
    job = acceptance.job_order_id(quote["id"])
    exists = True
    try:
        OrderModel.get(job)
    except OrderModel.DoesNotExist:
        exists = False
    assert exists == (a_now.status == "accepted")


def test_after_answer_steps_are_left_open_for_the_follow_up_when_one_fails(as_, quote, clock, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the estimate's table is unavailable")

    monkeypatch.setattr(after_answer.order_service, "move", broken)
    r = as_().post(public(as_, quote, "/accept"), {"name": "Ada"})
    assert r.status == 201
    stored = QuoteModel.get(quote["id"], consistent_read=True)
    assert stored.estimate_moved is None and stored.follow_up == "open"
    assert qh.order(quote["estimate"]).step != "won"


def test_the_quote_page_may_call_from_an_allowed_origin_only(as_, quote, monkeypatch):
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://book.example.com")
    allowed = as_().get(public(as_, quote), headers={"Origin": "https://book.example.com"})
    other = as_().get(public(as_, quote), headers={"Origin": "https://evil.example.org"})
    assert allowed.headers.get("Access-Control-Allow-Origin") == "https://book.example.com"
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = as_().call("OPTIONS", f"/public/quotes/{quote['id']}/accept", headers={"Origin": "https://book.example.com"})
    assert preflight.status == 204 and "Idempotency-Key" in preflight.headers["Access-Control-Allow-Headers"]


def test_the_quote_link_counts_against_the_client_rate(as_, quote, monkeypatch):
    monkeypatch.setenv("AVAILABILITY_PER_ADDRESS", "2")
    assert [as_().get(public(as_, quote)).status for _ in range(3)] == [200, 200, 429]
