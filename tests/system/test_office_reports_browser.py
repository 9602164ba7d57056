"""The reports pages of the office app (web/office/views/reports*.js, charts.js) in real Chromium
at 1280x800, against the local system, as the admin:

- a week of finished orders (the week just ended, and fewer, slower ones the week before; some on
  a second process-map version; paid invoices; booked technicians) is put into the local system's
  embedded AWS the way tests/api/test_reviews.py builds its history (orders moved by the map's
  own rules at given times): the API cannot backdate work, and an evaluation reviews a past week;
- the admin picks the weekly evaluation on #/reports and runs it with "Run now": the page shows
  the key figures, the bottleneck, the suggestions with their numbers, and the charts as inline SVG
  images with accessible names and their numbers as tables; staff by name, never by id; the two
  map versions side by side; "Download CSV" downloads the stored CSV;
- a dispatcher opening #/reports is told, politely, that reports are for admins.

axe-core finds nothing serious on any of the pages. With OFFICE_SCREENSHOTS=1:
docs/screenshots/office-reports.png (the whole weekly page) and office-reports-daily.png.
"""
import copy
import csv
import io
import json
import re
import subprocess
import sys
from datetime import datetime, time, timedelta

from tests.support.browser import browser, expect  # noqa: F401  (browser: a fixture)
from tests.support.office import (ROOT, ZONE, OfficeApi, axe_serious, no_sideways_scroll, office_page, office_system,
                                  shoot, sign_in)

system = office_system("reports")
page = office_page()

# Run in a child process with the local system's environment: chalicelib reads its table names
# and endpoint at import, and this test process must not point at the local system's AWS.
SEED = r'''
import sys
from datetime import datetime, timedelta
from chalicelib.data.models import CalendarDayModel, InvoiceModel, ReviewModel
from chalicelib.invoicing.numbering import invoice_id_for
from tests.support.helpers import order_through, timeline

week = datetime.fromisoformat(sys.argv[1])  # Monday 09:00 of the week to review
before = week - timedelta(days=7)


def paid(order):
    """The order's invoice, issued when it entered `invoiced` and paid when it entered `paid`."""
    at = {m.to_step: m.at for m in order.history}
    InvoiceModel(invoice_id_for(order.order_id), order_id=order.order_id, number=f"INV-{order.order_id[-6:]}",
                 status="paid", seller={"name": "Clearview Windows Ltd"}, customer={"name": "Rita Review"}, lines=[],
                 currency="GBP", subtotal_cents=10000, tax_rate_basis_points=2000, tax_cents=2000, total_cents=12000,
                 issued_at=at["invoiced"], due_date=(at["invoiced"] + timedelta(days=14)).date().isoformat(),
                 due_at=at["invoiced"] + timedelta(days=14), pdf_key="invoices/seeded.pdf", delivery="sent",
                 sent_at=at["invoiced"], paid_cents=12000, paid_at=at["paid"]).save()


for i in range(1, 9):  # version 1, the week reviewed: in progress over its 8 h SLA for three
    o = order_through(timeline(week + timedelta(minutes=7 * i), ("requested", 12 * i), ("scheduled", 1440), ("en_route", 2),
                               ("in_progress", 620 if i <= 3 else 150), ("completed", 25), ("invoiced", 420 * i),
                               ("paid", 60), ("closed", None)), f"tech-{1 + i % 3}", version=1)
    o.save()
    paid(o)
for i in range(1, 5):  # version 2 (no "on the way"), the same week
    o = order_through(timeline(week + timedelta(days=1, minutes=11 * i), ("requested", 25), ("scheduled", 1300),
                               ("in_progress", 170), ("completed", 20), ("invoiced", 900), ("paid", 60), ("closed", None)),
                      f"tech-{1 + i % 3}", version=2)
    o.save()
    paid(o)
for i in range(1, 6):  # the week before: fewer orders, slower
    o = order_through(timeline(before + timedelta(minutes=13 * i), ("requested", 150), ("scheduled", 2880), ("en_route", 3),
                               ("in_progress", 240), ("completed", 45), ("invoiced", 1500), ("paid", 60), ("closed", None)),
                      f"tech-{1 + i % 3}", version=1)
    o.save()
    paid(o)
booked = {"tech-1": 330, "tech-2": 260, "tech-3": 140}
for offset in range(5):
    for tech, minutes in booked.items():
        for start, share in ((week, 1), (before, 0.6)):
            day = (start + timedelta(days=offset)).date().isoformat()
            try:  # the demo's estimates booked some of these days already
                calendar = CalendarDayModel.get(tech, day)
                calendar.booked_minutes = int(calendar.booked_minutes or 0) + int(minutes * share)
            except CalendarDayModel.DoesNotExist:
                calendar = CalendarDayModel(tech, day, appointments=[], booked_minutes=int(minutes * share))
            calendar.save()
try:  # the hourly schedule may have reviewed the week before it had these orders
    ReviewModel.get("weekly", week.date().isoformat()).delete()
except ReviewModel.DoesNotExist:
    pass
'''


def local_env(system) -> dict:
    from infra.local.environment import local_environment
    from tests.support.local_system import child_env

    moto_url = re.search(r"embedded AWS: (http://[^)\s]+)\)", system.log).group(1)
    created = json.loads((system.local_dir / "state" / "environment.json").read_text())
    return {**child_env(system.local_dir), **local_environment(moto_url, system.url), **created}


def version_two(admin: OfficeApi) -> None:
    """Publish version 2 of the demo map: "on the way" dropped, scheduled leads to in progress."""
    from infra.demo_data import PROCESS_MAP

    document = copy.deepcopy(PROCESS_MAP)
    document["steps"] = [s for s in document["steps"] if s["key"] != "en_route"]
    for step in document["steps"]:
        step["next"] = [n for n in step["next"] if n != "en_route"]
    next(s for s in document["steps"] if s["key"] == "scheduled")["next"].insert(0, "in_progress")
    admin.put("/workflow", {**document, "note": "Technicians set off from the job list: no separate step."}, status=201)


def last_week_monday() -> datetime:
    today = datetime.now(ZONE).date()
    monday = today - timedelta(days=today.weekday() + 7)
    return datetime.combine(monday, time(9), ZONE)


def test_the_admin_runs_the_weekly_evaluation_and_reads_it_as_charts(page, system):
    admin = OfficeApi(system, "admin@example.com")
    version_two(admin)
    week = last_week_monday()
    seeded = subprocess.run([sys.executable, "-c", SEED, week.isoformat()], cwd=ROOT, env=local_env(system),
                            capture_output=True, text=True, timeout=120)
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr

    sign_in(page, system, "admin@example.com", then="reports")
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_focused()
    page.get_by_label("Period").select_option("weekly")
    page.get_by_role("button", name="Run the weekly evaluation now").click()

    monday = week.date().isoformat()
    expect(page).to_have_url(re.compile(f"#/reports/weekly/{monday}$"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^Weekly evaluation: \d+.*\d{4}$"))
    expect(heading).to_be_focused()
    review = admin.get("/reports/reviews", period="weekly", date=monday)
    assert review["status"] == "done"
    report = review["report"]

    # the charts: inline SVG images, each named by its title and described in words
    for name in ("Time in each step against its SLA", "SLA compliance per step", "Utilisation per technician",
                 "Median time per step, this period against the one before",
                 "Median time per step in each process map version"):
        expect(page.get_by_role("img", name=re.compile(f"^{re.escape(name)}"))).to_be_visible()
    time_chart = page.get_by_role("img", name=re.compile("^Time in each step"))
    assert time_chart.evaluate("n => n.tagName") == "svg"
    assert "Over the SLA at the 90th percentile: In progress" in time_chart.locator("desc").text_content()
    expect(page.locator(".of-chart-row--highlight .of-chart-tag")).to_have_text("Bottleneck")

    # the key figures, the bottleneck and the suggestions with their numbers
    expect(page.get_by_role("region", name="Key figures")).to_contain_text("First-visit completion")
    expect(page.locator(".of-reports-bottleneck")).to_contain_text(f"Bottleneck: {report['bottleneck']['label']}.")
    suggestions = page.get_by_role("region", name="What the figures suggest")
    assert {s["kind"] for s in report["suggestions"]} >= {"bottleneck", "add_step_or_owner"}
    for suggestion in report["suggestions"]:
        expect(suggestions).to_contain_text(suggestion["text"])
    expect(suggestions).to_contain_text("SLA breaches pile up in 'In progress'")
    expect(suggestions.get_by_text("SLA breaches in the step")).to_be_visible()

    # a chart's numbers as a table, and staff by name, never by id
    details = page.locator("details", has_text="The numbers as a table").first
    details.locator("summary").click()
    numbers = details.get_by_role("table")
    expect(numbers.get_by_role("row", name=re.compile("^In progress Dana Whitfield"))).to_be_visible()
    utilisation = page.locator("figure", has=page.get_by_role("img", name=re.compile("^Utilisation")))
    expect(utilisation.get_by_role("img")).to_contain_text("Sam Fischer")
    text = page.locator("main").inner_text()
    assert not re.search(r"\b(admin|dispatcher|tech)-\d\b", text), "a staff id is shown"

    # the versions side by side
    versions = page.get_by_role("region", name="Process map versions side by side")
    expect(versions.get_by_role("heading", name="Version 1")).to_be_visible()
    expect(versions.get_by_role("heading", name="Version 2")).to_be_visible()
    expect(versions).to_contain_text("by Alex Morgan")

    assert axe_serious(page) == []
    no_sideways_scroll(page)
    page.locator("details").first.evaluate("n => n.open = false")
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "reports", full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"weekly-review-{monday}.csv"
    rows = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    steps = {(r["workflow_version"], r["step"]) for r in rows}
    assert {("all", "in_progress"), ("1", "en_route"), ("2", "in_progress")} <= steps
    assert page.errors == []

    # the list of the period's reviews, to pick another date
    page.goto(f"{system.url}/office/#/reports?period=weekly")
    expect(page.get_by_role("link", name=re.compile(r"\d{4}$")).first).to_be_visible()
    assert axe_serious(page) == []

    # the daily check: the demo's request, waiting since yesterday, is past its SLA (the dispatcher's)
    daily = admin.call("GET", "/reports/reviews/list", params={"period": "daily"})["reviews"]
    if not daily:
        admin.post("/reviews/run", {"period": "daily"}, status=201)
        daily = admin.call("GET", "/reports/reviews/list", params={"period": "daily"})["reviews"]
    page.goto(f"{system.url}/office/#/reports/daily/{daily[0]['date']}")
    expect(page.get_by_role("img", name=re.compile("^Items by kind Past the step"))).to_be_visible()
    items = page.get_by_role("table", name="The items the daily check flagged")
    expect(items.get_by_role("row", name=re.compile("Requested Dana Whitfield")).first).to_be_visible()  # the demo has several
    assert axe_serious(page) == []
    shoot(page, "reports-daily")
    assert page.errors == []


def test_a_dispatcher_is_told_reports_are_for_admins(page, system):
    sign_in(page, system, "dispatcher@example.com", then="reports")
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_focused()
    expect(page.get_by_role("group", name="Reports are for admins")).to_be_visible()
    expect(page.get_by_role("link", name="your review inbox")).to_have_attribute("href", "#/reviews")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports")).to_have_count(0)
    assert axe_serious(page) == []


# Estimates and quotes for the week just ended and the one before (tests/support/estimates.py),
# then the weekly review again: the hourly schedule or the test above may have stored it already.
CONVERSION_SEED = r'''
import sys
from datetime import datetime
from chalicelib.data.models import ReviewModel
from tests.support.estimates import seed_conversion_weeks

week = datetime.fromisoformat(sys.argv[1])
seed_conversion_weeks(week)
try:
    ReviewModel.get("weekly", week.date().isoformat()).delete()
except ReviewModel.DoesNotExist:
    pass
'''


def test_the_weekly_evaluation_shows_quotes_and_conversion_and_each_kind_of_work(page, system):
    admin = OfficeApi(system, "admin@example.com")
    week = last_week_monday()
    seeded = subprocess.run([sys.executable, "-c", CONVERSION_SEED, week.isoformat()], cwd=ROOT, env=local_env(system),
                            capture_output=True, text=True, timeout=120)
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    admin.post("/reviews/run", {"period": "weekly"}, status=201)
    monday = week.date().isoformat()
    report = admin.get("/reports/reviews", period="weekly", date=monday)["report"]
    conversion = report["conversion"]
    assert conversion["sent"] >= 13 and "estimate" in report["kinds"]

    sign_in(page, system, "admin@example.com", then=f"reports/weekly/{monday}")
    section = page.get_by_role("region", name="Quotes and conversion")
    expect(section).to_be_visible()
    numbers = section.get_by_role("table", name="Quotes and conversion, this period against the one before")
    expect(numbers.get_by_role("row", name=re.compile(f"^Quotes sent {conversion['sent']} {conversion['previous']['sent']}$"))).to_be_visible()
    expect(numbers.get_by_role("row", name=re.compile("^Conversion: accepted of decided"))).to_contain_text(
        f"{conversion['accepted_of_decided_percent']:g}%")
    chart = section.get_by_role("img", name=re.compile("^Quotes sent, accepted, declined, expired and still open"))
    expect(chart).to_be_visible()
    assert chart.evaluate("n => n.tagName") == "svg"
    assert f"Quotes sent: {conversion['sent']} (before: {conversion['previous']['sent']})" in chart.locator("desc").text_content()
    reasons = section.get_by_role("table", name="Decline reasons, as the customers gave them")
    expect(reasons.get_by_role("row", name=re.compile("^Too expensive \\d+$"))).to_be_visible()
    senders = section.get_by_role("table", name="Quotes per technician who sent them")
    expect(senders).to_contain_text("Priya Patel")
    assert "late_quotes" in {s["kind"] for s in conversion["suggestions"]}
    suggested = section.get_by_role("region", name="What the quotes suggest")
    for suggestion in conversion["suggestions"]:
        expect(suggested).to_contain_text(suggestion["text"])
    kinds = page.get_by_role("region", name="Kinds of work side by side")
    expect(kinds.get_by_role("link", name="Estimate")).to_be_visible()
    assert axe_serious(page) == []
    no_sideways_scroll(page)
    page.locator("#of-reports-conversion-title").evaluate("n => window.scrollTo(0, n.getBoundingClientRect().top + window.scrollY - 16)")
    shoot(page, "reports-conversion")

    # one kind of work: its own steps, the conversion still beside them
    page.get_by_label("Kind of work").select_option("estimate")
    expect(page).to_have_url(re.compile(f"#/reports/weekly/{monday}\\?kind=estimate$"))
    estimate = report["kinds"]["estimate"]
    time_chart = page.get_by_role("img", name=re.compile("^Time in each step"))
    on_site = next(s for s in estimate["steps"] if s["step"] == "on_site")
    expect(time_chart).to_contain_text(on_site["label"])
    expect(page.get_by_role("region", name="Quotes and conversion")).to_be_visible()
    expect(page.get_by_role("region", name="Kinds of work side by side")).to_have_count(0)
    assert axe_serious(page) == []
    assert page.errors == []
