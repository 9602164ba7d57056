"""The demo business: a window-installation company with its process maps (one per kind of work:
estimate, installation, repair), price list, staff and a few work orders, loaded through the same
capability modules the API uses.

`load_staff_and_setup` is the business as it was before kinds of work (one map, the legacy kind
`installation`; the tests' world); `load_kinds` adds the estimate and repair kinds with their
maps and puts each service in its kind; `load` (make run) does both, then the orders."""
import os
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from chalicelib.core.business_time import Calendar
from chalicelib.orders import intake as orders_intake, service
from chalicelib.setup import catalog, services, technicians
from chalicelib.staff import directory
from chalicelib.workflow import kinds, versions
from chalicelib.staff.auth import Principal

PASSWORD = "Demo-Password-1"
TIMEZONE = "Europe/London"

BUSINESS = {
    "name": "Clearview Windows Ltd",
    "timezone": TIMEZONE,
    "currency": "GBP",
    "allow_free_text_items": True,
    "address": "12 Glazier Row, Bristol BS1 4DJ",
    "email": "office@example.com",
    "phone": "+44 117 496 0000",
    # Invoicing: 20 % VAT, 14 days to pay, by bank transfer.
    "tax_rate_basis_points": 2000,
    "payment_terms_days": 14,
    "payment_instructions": "Bank transfer to Clearview Windows Ltd, sort code 12-34-56, account 12345678.",
    # What an accountant looks for on the invoice (test values, not a real company).
    "country": "GB",
    "tax_name": "VAT",
    "tax_registration_number": "GB123456789",
    "company_number": "01234567",
    "registered_office": "12 Glazier Row, Bristol BS1 4DJ",
    "prices_include_tax": False,
    # What an hour of each role's time costs the business (reviews.costs: what each step costs).
    "cost_per_hour_cents": {"technician": 3500, "dispatcher": 2200, "admin": 2800},
    "opening_hours": {
        "mon": [["08:00", "18:00"]], "tue": [["08:00", "18:00"]], "wed": [["08:00", "18:00"]],
        "thu": [["08:00", "18:00"]], "fri": [["08:00", "18:00"]], "sat": [["09:00", "13:00"]], "sun": [],
    },
    "booking": {
        "min_notice_minutes": 120,
        "max_days_ahead": 60,
        "slot_grid_minutes": 30,
        "travel_buffer_minutes": 30,
        "cancellation_cutoff_hours": 24,
    },
}

SERVICES = {
    "survey": {"name": "Measure and quote visit", "description": "We measure your windows or doors and quote on the spot.",
               "duration_minutes": 60, "skill": "survey", "price_from_cents": 4500, "buffer_after_minutes": 15},
    "window-install": {"name": "Window installation", "description": "Supply and fit of made-to-measure windows.",
                       "duration_minutes": 180, "skill": "install", "price_from_cents": 42000, "buffer_after_minutes": 30},
    "glazing-repair": {"name": "Glazing repair", "description": "Misted or cracked double-glazed units, seals and handles.",
                       "duration_minutes": 90, "skill": "repair", "price_from_cents": 9500, "buffer_after_minutes": 15},
    "door-install": {"name": "Door installation", "description": "Front, back and patio doors, supplied and fitted.",
                     "duration_minutes": 240, "skill": "install", "price_from_cents": 145000, "buffer_after_minutes": 30},
}

WEEKDAYS = {d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
# Sam is on call every day, so the demo always has a job of the day to work.
TECHNICIANS = {
    "tech-1": {"skills": ["install", "repair", "survey"], "areas": ["BS", "BA"],
               "working_hours": {d: [["08:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}},
    "tech-2": {"skills": ["install", "survey"], "areas": ["BS"], "working_hours": {**WEEKDAYS, "sat": [["09:00", "13:00"]]}},
    "tech-3": {"skills": ["repair", "survey"], "areas": ["BS", "BA", "GL"], "working_hours": WEEKDAYS},
}

STAFF = [
    ("admin-1", "admin@example.com", "Alex Morgan", "admin"),
    ("dispatcher-1", "dispatcher@example.com", "Dana Whitfield", "dispatcher"),
    ("tech-1", "tech1@example.com", "Sam Fischer", "technician"),
    ("tech-2", "tech2@example.com", "Priya Patel", "technician"),
    ("tech-3", "tech3@example.com", "Luis Moreno", "technician"),
]

PRICE_LIST = [
    ("window-casement", "Casement window, supply and fit", 42000, "each"),
    ("window-sash", "Sash window, supply and fit", 89000, "each"),
    ("glazing-unit", "Double-glazed unit replacement", 16500, "each"),
    ("door-patio", "Patio door, supply and fit", 145000, "each"),
    ("survey", "Measure and survey visit", 4500, "each"),
    ("labour-hour", "Labour, per hour", 5500, "hour"),
    ("sealant", "Sealant and finishing, per window", 1200, "each"),
    ("disposal", "Removal and disposal of old frames", 3500, "each"),
]

OFFICE_ROLES = ["admin", "dispatcher"]
FIELD_ROLES = ["admin", "dispatcher", "technician"]

# SLAs count business time (the opening hours above) unless a step says "calendar": "On the way"
# does, since a customer waiting at home for the fitter counts every minute. A quote sent waits
# on the customer's answer: no SLA runs there (the daily review asks about unanswered quotes).
PROCESS_MAP = {
    "name": "Window installation",
    "start_step": "requested",
    "steps": [
        {"key": "requested", "label": "Requested", "owner": "dispatcher-1", "sla_minutes": 240,
         "next": ["scheduled", "on_hold", "cancelled"], "exit_conditions": ["has_technician", "has_appointment"],
         "automations": [], "allowed_roles": OFFICE_ROLES},
        {"key": "scheduled", "label": "Scheduled", "owner": "dispatcher-1", "sla_minutes": 20160,
         "next": ["en_route", "requested", "on_hold", "cancelled"], "exit_conditions": ["has_technician", "has_appointment"],
         "automations": ["notify_customer"], "allowed_roles": OFFICE_ROLES + ["system"]},
        {"key": "en_route", "label": "On the way", "owner": "dispatcher-1", "sla_minutes": 120,
         "next": ["in_progress", "scheduled", "on_hold", "cancelled"], "exit_conditions": [],
         "automations": ["notify_customer"], "allowed_roles": FIELD_ROLES, "sla_clock": "calendar"},
        {"key": "in_progress", "label": "In progress", "owner": "dispatcher-1", "sla_minutes": 480,
         "next": ["completed", "on_hold", "cancelled"], "exit_conditions": ["has_line_items", "has_signature"],
         "automations": [], "allowed_roles": FIELD_ROLES},
        {"key": "completed", "label": "Completed", "owner": "admin-1", "sla_minutes": 60,
         "next": ["invoiced"], "exit_conditions": ["has_line_items"],
         "automations": ["create_invoice"], "allowed_roles": FIELD_ROLES},
        {"key": "invoiced", "label": "Invoiced", "owner": "admin-1", "sla_minutes": 43200,
         "next": ["paid"], "exit_conditions": [], "automations": [], "allowed_roles": ["admin", "system"]},
        {"key": "paid", "label": "Paid", "owner": "admin-1", "sla_minutes": 10080,
         "next": ["closed"], "exit_conditions": [], "automations": [], "allowed_roles": ["admin", "system"]},
        {"key": "closed", "label": "Closed", "owner": None, "sla_minutes": None,
         "next": [], "exit_conditions": [], "automations": [], "allowed_roles": ["admin", "dispatcher", "system"]},
        {"key": "on_hold", "label": "On hold", "owner": "dispatcher-1", "sla_minutes": 4320,
         "next": ["requested", "scheduled", "en_route", "in_progress", "cancelled"], "exit_conditions": [],
         "automations": [], "allowed_roles": FIELD_ROLES, "interruption": True},
        {"key": "cancelled", "label": "Cancelled", "owner": None, "sla_minutes": None,
         "next": [], "exit_conditions": [], "automations": ["notify_customer"], "allowed_roles": OFFICE_ROLES + ["customer"],
         "interruption": True},
    ],
}


# A repair follows the installation's steps (a copy, so either can change on its own).
REPAIR_MAP = {**PROCESS_MAP, "name": "Glazing repair", "steps": [dict(s) for s in PROCESS_MAP["steps"]]}

# An estimate: the representative visits, measures and quotes; the customer's answer is won or
# lost (accepting a quote creates the installation, a job of its own). A free estimate is never
# invoiced: no step creates an invoice.
ESTIMATE_MAP = {
    "name": "Estimate",
    "start_step": "requested",
    "steps": [
        {"key": "requested", "label": "Requested", "owner": "dispatcher-1", "sla_minutes": 240,
         "next": ["scheduled", "on_hold", "cancelled"], "exit_conditions": ["has_technician", "has_appointment"],
         "automations": [], "allowed_roles": OFFICE_ROLES},
        {"key": "scheduled", "label": "Scheduled", "owner": "dispatcher-1", "sla_minutes": 20160,
         "next": ["en_route", "requested", "on_hold", "cancelled"], "exit_conditions": ["has_technician", "has_appointment"],
         "automations": ["notify_customer"], "allowed_roles": OFFICE_ROLES + ["system"]},
        {"key": "en_route", "label": "On the way", "owner": "dispatcher-1", "sla_minutes": 120,
         "next": ["on_site", "scheduled", "on_hold", "cancelled"], "exit_conditions": [],
         "automations": ["notify_customer"], "allowed_roles": FIELD_ROLES, "sla_clock": "calendar"},
        {"key": "on_site", "label": "On site, measuring", "owner": "dispatcher-1", "sla_minutes": 2880,
         "next": ["quoted", "on_hold", "cancelled"], "exit_conditions": [],
         "automations": [], "allowed_roles": FIELD_ROLES},
        {"key": "quoted", "label": "Quote sent", "owner": "dispatcher-1", "sla_minutes": 10080,
         "next": ["won", "lost", "on_hold", "cancelled"], "exit_conditions": [],
         "automations": [], "allowed_roles": FIELD_ROLES + ["system"], "waits_on_customer": True},
        {"key": "won", "label": "Won", "owner": "dispatcher-1", "sla_minutes": 2880,
         "next": ["closed"], "exit_conditions": [], "automations": [], "allowed_roles": OFFICE_ROLES + ["system"]},
        {"key": "lost", "label": "Lost", "owner": "dispatcher-1", "sla_minutes": 2880,
         "next": ["closed"], "exit_conditions": [], "automations": [], "allowed_roles": OFFICE_ROLES + ["system"]},
        {"key": "closed", "label": "Closed", "owner": None, "sla_minutes": None,
         "next": [], "exit_conditions": [], "automations": [], "allowed_roles": ["admin", "dispatcher", "system"]},
        {"key": "on_hold", "label": "On hold", "owner": "dispatcher-1", "sla_minutes": 4320,
         "next": ["requested", "scheduled", "en_route", "on_site", "quoted", "cancelled"], "exit_conditions": [],
         "automations": [], "allowed_roles": FIELD_ROLES, "interruption": True},
        {"key": "cancelled", "label": "Cancelled", "owner": None, "sla_minutes": None,
         "next": [], "exit_conditions": [], "automations": ["notify_customer"], "allowed_roles": OFFICE_ROLES + ["customer"],
         "interruption": True},
    ],
}

# Whose time each step takes and how many minutes of it per visit (None: the whole time in the
# step, the technician's travel and work on site); a step not named takes nobody's time, the order
# only waits there. What each step costs follows (reviews.costs, at BUSINESS' cost per hour).
STAFF_TIME = {
    "requested": ("dispatcher", 10), "en_route": ("technician", None), "in_progress": ("technician", None),
    "on_site": ("technician", None), "completed": ("admin", 5), "invoiced": ("admin", 5), "paid": ("admin", 5),
}
for _step in PROCESS_MAP["steps"] + REPAIR_MAP["steps"] + ESTIMATE_MAP["steps"]:
    if _step["key"] in STAFF_TIME:
        _step["staff_role"], _step["staff_minutes"] = STAFF_TIME[_step["key"]]

# The kinds of work (label, map) besides the legacy `installation`, and each service's kind. The
# survey keeps its price for display, but its estimate map invoices nothing.
KINDS = {"estimate": ("Estimate", ESTIMATE_MAP), "repair": ("Repair", REPAIR_MAP)}
SERVICE_KINDS = {"survey": "estimate", "window-install": "installation", "door-install": "installation",
                 "glazing-repair": "repair"}


def load_staff_and_setup(now: datetime) -> None:
    catalog.save_business(BUSINESS)
    for item_id, name, cents, unit in PRICE_LIST:
        catalog.save_price_item(item_id, name, cents, unit)
    for service_id, data in SERVICES.items():
        services.save_service(service_id, data)
    for user_id, email, name, role in STAFF:
        directory.create(user_id, email, name, role, PASSWORD)
    for user_id, profile in TECHNICIANS.items():
        technicians.save_profile(user_id, profile)
    versions.publish(PROCESS_MAP, "admin-1", now, note="The demo business's process, from first call to paid invoice.")


def load_kinds(now: datetime) -> None:
    """The estimate and repair kinds with their maps, and each service in its kind."""
    for key, (label, document) in KINDS.items():
        versions.publish(document, "admin-1", now, note=f"The demo business's {label.lower()} process.",
                         kind=key, kind_label=label)
    known = kinds.keys()
    for service_id, kind in SERVICE_KINDS.items():
        services.save_service(service_id, {**SERVICES[service_id], "kind": kind}, known)


def _next_weekday(day):
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


# The waiting request came in by phone yesterday: past its step's four-hour SLA, so the daily
# review always has something to show its owner. The SLA counts business hours, so after a
# weekend "yesterday" is the last day with twice the SLA's business hours since (`waiting_since`).
WAITING_SINCE = timedelta(days=1)
WAITING_BUSINESS_MINUTES = 2 * 240


def waiting_since(now: datetime) -> datetime:
    """When the waiting request came in: a day before `now`, or as many days more as it takes
    for it to be well past its SLA in business hours (a week at most)."""
    calendar = Calendar(BUSINESS["opening_hours"], (), ZoneInfo(TIMEZONE))
    since = now - WAITING_SINCE
    for _ in range(7):
        if calendar.minutes_between(since, now) >= WAITING_BUSINESS_MINUTES:
            break
        since -= timedelta(days=1)
    return since


def load_orders(now: datetime) -> list[str]:
    """Today's demo job for tech1 and one on the next weekday for tech2, both booked by phone
    onto their calendars (whatever the hour, so the demo always has a job of the day), and one
    request still waiting to be booked, since yesterday. Each order is linked to its customer
    record: the second job is Margaret's again, for the flat she lets, her phone given in other
    formatting, so her record has two orders and two properties."""
    from chalicelib.booking import online

    dispatcher = Principal("dispatcher-1", "dispatcher", ("dispatcher",))
    tz = ZoneInfo(TIMEZONE)
    today = now.astimezone(tz).date()
    jobs = [
        ("tech-1", today, "window-install", "Margaret Holloway", "margaret.holloway@example.net", "+44 7700 900123",
         "7 Orchard Lane", "Bristol", "BS6 5AB", "Replace two casement windows, front bedroom."),
        ("tech-2", _next_weekday(today), "survey", "Margaret Holloway", "margaret.holloway@example.net", "07700 900123",
         "Flat 2, 18 Cotham Hill", "Bristol", "BS6 6JU", "Patio door survey and quote at the flat she lets."),
    ]
    ids = []
    for tech, day, service_id, name, email, phone, street, city, postcode, description in jobs:
        intake = orders_intake.Intake(
            {"name": name, "email": email, "phone": phone}, {"street": street, "city": city, "postcode": postcode},
            service_id=service_id, description=description, technician_id=tech,
            start=datetime.combine(day, time(10), tz), confirm=True,
        )
        ids.append(online.book(dispatcher, intake, now, source="phone", check_rules=False).order.order_id)
    waiting = service.create(dispatcher, orders_intake.Intake(
        {"name": "Helen Carter", "email": "helen.carter@example.net", "phone": "+44 7700 900789"},
        {"street": "3 Mill Road", "city": "Bath", "postcode": "BA1 2QT"},
        service_id="glazing-repair",
        description="Misted double-glazed unit in the kitchen; call to arrange a visit.",
    ), waiting_since(now))
    ids.append(waiting.order_id)
    return ids


def load(now: datetime, history: bool | None = None) -> list[str]:
    """The demo business (make run): with `history` (by default unless DEMO_HISTORY=0), six months
    of finished jobs and past reviews beside the live orders (infra/demo_history: the installation
    map's version 2 among them)."""
    if history is None:
        history = os.environ.get("DEMO_HISTORY", "1") != "0"
    load_staff_and_setup(now)
    load_kinds(now)
    from infra import demo_estimates  # the estimates in each state, with their quotes
    from infra import demo_history
    if history:
        demo_history.publish_versions(now)  # the live orders follow version 2 of the installation map
    ids = load_orders(now) + demo_estimates.load(now)
    if history:
        demo_history.load(now)  # beside the live orders' calendar days
    return ids

