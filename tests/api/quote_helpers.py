"""Helpers of the quote-answer tests: an estimate order on the estimate map (published for the
test when the demo data has none), and a quote on it made and sent through the staff API."""
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlparse

from chalicelib.core import ids
from chalicelib.core.errors import DomainError
from chalicelib.data.models import OrderModel
from chalicelib.data.quotes import QuoteModel
from chalicelib.orders import intake as orders_intake
from chalicelib.orders import moves
from chalicelib.scheduling import calendars
from chalicelib.staff.auth import Principal
from chalicelib.workflow import versions

DISPATCHER = Principal("dispatcher-1", "dispatcher", ("dispatcher",))
OFFICE = ["admin", "dispatcher"]
FIELD = ["admin", "dispatcher", "technician"]


def _step(key, label, nxt, roles, owner="dispatcher-1", **more):
    return {"key": key, "label": label, "owner": owner, "sla_minutes": None, "next": nxt, "exit_conditions": [],
            "automations": [], "allowed_roles": roles, **more}


# The estimate map of the issue, for a world whose demo data does not publish one.
ESTIMATE_MAP = {
    "name": "Estimate",
    "start_step": "requested",
    "steps": [
        _step("requested", "Requested", ["scheduled", "on_hold", "cancelled"], OFFICE),
        _step("scheduled", "Scheduled", ["en_route", "requested", "on_hold", "cancelled"], OFFICE + ["system"]),
        _step("en_route", "On the way", ["on_site", "scheduled", "on_hold", "cancelled"], FIELD),
        _step("on_site", "On site", ["quoted", "lost", "on_hold", "cancelled"], FIELD),
        _step("quoted", "Quoted", ["won", "lost", "on_hold"], FIELD + ["system"]),
        _step("won", "Won", ["closed"], OFFICE + ["system"]),
        _step("lost", "Lost", ["closed"], OFFICE + ["system"]),
        _step("closed", "Closed", [], OFFICE + ["system"], owner=None),
        _step("on_hold", "On hold", ["requested", "scheduled", "quoted", "cancelled"], FIELD, interruption=True),
        _step("cancelled", "Cancelled", [], OFFICE + ["customer"], owner=None, interruption=True),
    ],
}


def estimate_map(now: datetime):
    """The estimate kind's current map; published here when the world has none."""
    try:
        return versions.current("estimate")
    except DomainError:
        return versions.publish(ESTIMATE_MAP, "admin-1", now, note="The estimate map for the test.", kind="estimate",
                                kind_label="Estimate")


CUSTOMER = {"name": "Ada Lovelace", "email": "ada@example.net", "phone": "+44 7700 900001"}
ADDRESS = {"street": "1 Analytical Way", "city": "Bristol", "postcode": "BS1 1AA"}


def estimate_order(now: datetime, step: str = "on_site", technician: str = "tech-1", customer=None) -> str:
    """An estimate order of tech1's, put straight at `step` (setup, not the path under test)."""
    pm = estimate_map(now)
    intake = orders_intake.Intake(dict(customer or CUSTOMER), dict(ADDRESS), service_id="survey",
                                  description="Measure four windows", technician_id=technician)
    orders_intake.link_customer(intake, now, "phone")
    order = orders_intake.build(ids.new_id("WO-"), DISPATCHER, intake, pm, now, "phone")
    order.kind, order.workflow_id = "estimate", pm.workflow_id
    moves.track_step(order, pm.step(step), now)
    calendars.commit(order, [], new_order=True)
    return order.order_id


LINES = [
    {"description": "Casement window, supply and fit", "quantity": 4, "unit_price_cents": 42000},
    {"description": "Removal and disposal of old frames", "quantity": 4, "unit_price_cents": 3500},
    {"description": "Trickle vents", "quantity": 4, "unit_price_cents": 2500, "optional": True},
    {"description": "Child-safe restrictors", "quantity": 4, "unit_price_cents": 1500, "optional": True},
]


def send_quote(api, order_id: str, **overrides) -> dict:
    """A quote on the order, created and sent in one request (QA's `send: true`)."""
    body = {"title": "Four casement windows", "kind": "installation", "service_id": "window-install",
            "lines": LINES, "send": True, **overrides}
    r = api.post(f"/orders/{order_id}/quotes", body)
    assert r.status in (200, 201), r
    assert r.json["status"] == "sent", r
    return r.json


def token_of(quote_id: str) -> str:
    return QuoteModel.get(quote_id, consistent_read=True).token


def link_of(email_message) -> tuple[str, str]:
    """(quote id, token) from the customer's link in a quote email."""
    from tests.support.helpers import body_part

    text = body_part(email_message, "plain")
    url = next(word for word in text.split() if "/book/quote.html?" in word)
    query = parse_qs(urlparse(url).query)
    return query["quote"][0], query["token"][0]


def optional_ids(view: dict) -> list[str]:
    return [line["line_id"] for line in view["lines"] if line["optional"]]


def order(order_id: str) -> OrderModel:
    return OrderModel.get(order_id, consistent_read=True)


def next_weekday(day: date, hour_utc: int = 10) -> str:
    """A slot start on the first weekday on or after `day`, at `hour_utc` (GMT in winter)."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return f"{day.isoformat()}T{hour_utc:02d}:00:00+00:00"
