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
from urllib.parse import urlparse

from tests.support import report_fixture
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
    # a bottleneck is named only on enough evidence (issue 17): with a dozen orders a week, the API
    # may name none; the page shows what the report says either way
    if report["bottleneck"]:
        expect(page.locator(".of-chart-row--highlight .of-chart-tag")).to_have_text("Bottleneck")
    else:
        expect(page.locator(".of-chart-row--highlight")).to_have_count(0)

    # the key figures, the bottleneck and the suggestions with their numbers
    expect(page.get_by_role("region", name="Key figures")).to_contain_text("First-visit completion")
    expect(page.locator(".of-reports-bottleneck")).to_have_count(1 if report["bottleneck"] else 0)
    if report["bottleneck"]:
        expect(page.locator(".of-reports-bottleneck")).to_contain_text(f"Bottleneck: {report['bottleneck']['label']}.")
    suggestions = page.get_by_role("region", name="What the figures suggest")
    for suggestion in report["suggestions"]:
        expect(suggestions).to_contain_text(suggestion["text"])
    if "not_enough_data" not in report:  # the API from before issue 17 suggested on any number of orders
        assert {s["kind"] for s in report["suggestions"]} >= {"bottleneck", "add_step_or_owner"}
        expect(suggestions).to_contain_text("SLA breaches pile up in 'In progress'")
        expect(suggestions.get_by_text("SLA breaches in the step")).to_be_visible()
    else:  # twelve orders in the week: too few for some of the judgements, said plainly
        assert report["not_enough_data"], "a dozen orders should leave something without enough data"
        expect(suggestions.get_by_role("group", name="Not enough data yet")).to_be_visible()
    # issue 17's parts, as far as the API gives them for this week (the fixture tests below check them all)
    for entry in report.get("not_enough_data") or []:
        expect(suggestions).to_contain_text(entry["text"])
    with_evidence = [s for s in report["suggestions"] if (s.get("evidence") or {}).get("sample_size")]
    expect(suggestions.locator(".of-reports-evidence")).to_have_count(len(with_evidence))
    experiments = page.get_by_role("region", name="Map changes as experiments")
    expect(experiments).to_have_count(1 if report.get("experiments") else 0)
    if report.get("experiments"):
        expect(experiments.get_by_role("article")).to_have_count(len(report["experiments"]))
    owners = page.get_by_role("table", name="Owners’ review records")
    if report.get("owners"):
        expect(owners.locator("tbody tr")).to_have_count(len(report["owners"]))
    expect(page.get_by_role("region", name="What each step costs")).to_have_count(1 if report.get("costs") else 0)
    checks = page.get_by_role("table", name="The checks: expected, ran and read")
    expect(checks.locator("tbody tr")).to_have_count(len(report.get("checks") or []))

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


# --- issue 17: the evaluation as an owner can trust and act on it -----------------------------------
# A quarterly review shaped exactly as the contract says (tests/support/report_fixture.py) is routed
# into the page in place of GET /reports/reviews's answer: the page is checked against known numbers,
# whatever history the local system holds. The real API's answer is checked in the first test above.

def route_review(page, answer: dict) -> None:
    """GET /reports/reviews answers `answer`, and its list names the fixture quarter; the rest is the API's."""
    def handle(route):
        path = urlparse(route.request.url).path
        if path.endswith("/reports/reviews"):
            route.fulfill(json=answer)
        elif path.endswith("/reports/reviews/list"):
            route.fulfill(json=report_fixture.review_list())
        else:
            route.continue_()
    page.route(re.compile(r"/reports/reviews(/list)?(\?|$)"), handle)


def test_the_quarterly_evaluation_shows_the_evidence_experiments_owners_checks_and_costs(page, system):
    route_review(page, report_fixture.quarterly_review())
    quarter = report_fixture.QUARTER["from"]
    sign_in(page, system, "admin@example.com", then=f"reports/quarterly/{quarter}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Quarterly evaluation: 1 July – 30 September 2026")

    # the suggestions with their evidence, their saving and a draft to open
    suggestions = page.get_by_role("region", name="What the figures suggest")
    for suggestion in report_fixture.SUGGESTIONS:
        expect(suggestions).to_contain_text(suggestion["text"])
    bottleneck = suggestions.get_by_role("listitem").filter(has_text="The bottleneck: Requested")
    expect(bottleneck.locator(".of-reports-evidence")).to_have_text(
        "Evidence: median 3 h 10 min, 90% interval 2 h 40 min to 3 h 50 min, 148 orders"
        " (bootstrap percentile interval of the median (1000 resamples); at least 20 needed)")
    expect(bottleneck.get_by_role("link", name=re.compile("^Open as a draft"))).to_have_count(0)
    expect(bottleneck.get_by_text("Share of cycle time")).to_be_visible()
    remove = suggestions.get_by_role("listitem").filter(has_text="Remove a step: On the way")
    expect(remove.locator(".of-reports-evidence")).to_contain_text(
        "100% went on to the same next step, 90% interval 97.2% to 100%, 96 orders")
    expect(remove.locator(".of-reports-saving")).to_have_text("Staff time saved a month11.7 hCost saved a month£409.50")
    owner = suggestions.get_by_role("listitem").filter(has_text="Change an owner: Sam Fischer")
    expect(owner.locator(".of-reports-evidence")).to_contain_text(
        "21.4% acted on within a day, 90% interval 9.6% to 41%, 14 flagged items")
    sla = suggestions.get_by_role("listitem").filter(has_text="Change an SLA: Requested")
    expect(sla.locator(".of-reports-evidence")).to_contain_text("58.8% breached, 90% interval 52.1% to 65.2%, 148 orders")
    expect(sla).to_contain_text("Suggested SLA1 d 1 h")
    check = suggestions.get_by_role("listitem").filter(has_text="Add a check: Quoted")
    expect(check.locator(".of-reports-evidence")).to_contain_text("24% sent back, 90% interval 15.1% to 35.2%, 50 orders")
    expect(check).to_contain_text("(Estimate)")
    expect(suggestions.get_by_role("link", name=re.compile("^Open as a draft"))).to_have_count(1)

    # not enough data yet, plainly
    not_enough = suggestions.get_by_role("group", name="Not enough data yet")
    for entry in report_fixture.NOT_ENOUGH:
        expect(not_enough).to_contain_text(entry["text"])

    # the steps: the median's interval, the share of cycle time and the SLA's clock
    expect(page.locator(".of-reports-bottleneck")).to_contain_text(
        "a median of 3 h 10 min (90% interval 2 h 40 min to 3 h 50 min)")
    expect(page.locator(".of-reports-bottleneck")).to_contain_text("41.5% of the cycle time")
    page.locator("details").evaluate_all("nodes => nodes.forEach((n) => { n.open = true; })")
    steps = page.get_by_role("table", name="Time in each step")
    expect(steps.get_by_role("row", name=re.compile(
        r"^Requested \(bottleneck\) Dana Whitfield 4 h \(business hours\) 148 148 3 h 10 min \(2 h 40 min to 3 h 50 min\) 1 d 41.5%"
    ))).to_have_count(1)
    expect(steps.get_by_role("row", name=re.compile(r"^Scheduled .* 2 d \(calendar time\)"))).to_have_count(1)

    # the experiment: version against version, each measure with its verdict in words and an icon
    experiments = page.get_by_role("region", name="Map changes as experiments")
    card = experiments.get_by_role("article", name="Installation: version 2 against version 1")
    expect(card).to_contain_text("Technicians set off from the job list: no separate step.")
    expect(card).to_contain_text("Shorter time from scheduled to in progress.")
    expect(card).to_contain_text("Judged on Monday 14 September 2026.")
    expect(card.locator(".of-reports-experiment-head .of-reports-verdict")).to_have_text("\u2714 Better")
    measures = card.get_by_role("table")
    expect(measures.get_by_role("row", name=re.compile(
        r"^Cycle time 2 d 23 h \(2 d 16 h to 3 d 7 h, 58 orders\) 2 d 14 h \(2 d 10 h to 2 d 19 h, 80 orders\) "
        r"down 8 h 30 min \(\u221215 h to \u22122 h 30 min\) Better$"))).to_have_count(1)
    expect(measures.get_by_role("row", name=re.compile(r"^SLA compliance 78% .* down 7 points .*Worse$"))).to_have_count(1)
    expect(measures.get_by_role("row", name=re.compile(r"^Rework .* Can\u2019t tell yet$"))).to_have_count(1)
    colours = {v: card.locator(f".of-reports-verdict--{v}").first.evaluate("n => getComputedStyle(n).color")
               for v in ("better", "worse", "cant_tell")}
    assert len(set(colours.values())) == 3, colours
    assert card.locator(".of-reports-verdict-icon").first.get_attribute("aria-hidden") == "true"

    # the owners' review records, by name
    owners = page.get_by_role("table", name="Owners\u2019 review records")
    expect(owners.get_by_role("row", name="Sam Fischer 14 3 (21.4%) 2 6 9 8 6 1 d 6 h")).to_have_count(1)
    expect(owners.get_by_role("row", name=re.compile("^Alex Morgan 4 4 .* –$"))).to_have_count(1)

    # the checks: expected, ran, read, and the days missed or unread
    checks = page.get_by_role("table", name="The checks: expected, ran and read")
    expect(checks.get_by_role("row", name=re.compile(
        r"^Daily check 65 63 58 Fri 14 Aug, Mon 17 Aug Mon 6 Jul, Mon 20 Jul, Mon 3 Aug, Tue 1 Sept?, Mon 21 Sept?$"))).to_have_count(1)
    expect(checks.get_by_role("row", name="Monthly evaluation 3 3 3 none none")).to_have_count(1)

    # the costs per step and month in the business's currency, and the customers' waits
    costs = page.get_by_role("table", name="Staff time and cost per step, in the period and a month")
    expect(costs.get_by_role("row", name="On the way Technician 96 22 min 35.2 £1,232.00 32 11.7 £409.50")).to_have_count(1)
    expect(costs.get_by_role("row", name=re.compile("^In progress Technician 144 the whole step 420 £14,700.00"))).to_have_count(1)
    expect(costs.get_by_role("row", name="All steps, a month 156.6 £5,427.90")).to_have_count(1)
    waits = page.get_by_role("table", name="How long customers wait")
    expect(waits.get_by_role("row", name="From the invoice to the payment 138 orders 7 d 22 h 16 d 16 h")).to_have_count(1)
    expect(page.get_by_role("region", name="What each step costs")).to_contain_text("technician £35.00")

    text = page.locator("main").inner_text()
    assert not re.search(r"\b(admin|dispatcher|tech)-\d\b", text), "a staff id is shown"
    assert axe_serious(page) == []
    no_sideways_scroll(page)
    shoot(page, "reports-evaluation-evidence", full_page=True)
    assert page.errors == []

    # one kind of work: only its suggestions, not-enough entries, experiments and costs
    page.get_by_label("Kind of work").select_option("estimate")
    expect(page).to_have_url(re.compile(f"#/reports/quarterly/{quarter}\\?kind=estimate$"))
    suggestions = page.get_by_role("region", name="What the figures suggest")
    expect(suggestions.get_by_role("listitem").filter(has_text="Add a check: Quoted")).to_have_count(1)
    expect(suggestions).not_to_contain_text("Remove a step")
    expect(suggestions).to_contain_text(report_fixture.NOT_ENOUGH[1]["text"])
    expect(suggestions).not_to_contain_text(report_fixture.NOT_ENOUGH[0]["text"])
    expect(page.get_by_role("region", name="Map changes as experiments")).to_have_count(0)
    expect(page.get_by_role("region", name="What each step costs")).to_contain_text("No step of this kind of work has a staff role")
    expect(page.get_by_role("table", name="Owners\u2019 review records")).to_be_visible()
    assert axe_serious(page) == []
    assert page.errors == []

    # "Open as a draft": the map editor opens with the suggestion's draft (handed over by process-draft.js)
    page.get_by_label("Kind of work").select_option("")
    expect(page).to_have_url(re.compile(f"#/reports/quarterly/{quarter}$"))
    draft = page.get_by_role("link", name="Open as a draft: On the way")
    expect(draft).to_have_attribute("href", re.compile(
        r"^#/process/edit\?(kind=installation&)?draft=remove_step%3Ainstallation%3Aen_route&period=quarterly&date=2026-07-01$"))
    draft.click()
    expect(page).to_have_url(re.compile(r"#/process/edit\?.*draft=remove_step%3Ainstallation%3Aen_route"))
    notice = page.locator("[data-draft-notice]")
    expect(notice).to_contain_text("A draft from a suggestion of the process evaluation")
    expect(notice).to_contain_text(report_fixture.SUGGESTIONS[1]["draft"]["note"])
    assert page.errors == []


def test_a_report_stored_before_the_evidence_is_still_shown(page, system):
    route_review(page, report_fixture.older_review())
    quarter = report_fixture.QUARTER["from"]
    sign_in(page, system, "admin@example.com", then=f"reports/quarterly/{quarter}")
    suggestions = page.get_by_role("region", name="What the figures suggest")
    expect(suggestions).to_contain_text("'Requested' is the bottleneck: orders wait there longest.")
    expect(suggestions.locator(".of-reports-evidence")).to_have_count(0)
    expect(suggestions.get_by_role("group", name="Not enough data yet")).to_have_count(0)
    page.locator("details").evaluate_all("nodes => nodes.forEach((n) => { n.open = true; })")
    steps = page.get_by_role("table", name="Time in each step")
    expect(steps.get_by_role("row", name=re.compile(r"^Requested \(bottleneck\) Dana Whitfield 4 h 148 148 3 h 10 min 1 d – 0$"))).to_have_count(1)
    expect(steps.get_by_role("columnheader", name="Median", exact=True)).to_have_count(1)
    for name in ("Map changes as experiments", "What each step costs"):
        expect(page.get_by_role("region", name=name)).to_have_count(0)
    expect(page.get_by_role("table", name="Owners\u2019 review records")).to_have_count(0)
    expect(page.get_by_role("img", name=re.compile("^Time in each step"))).to_be_visible()
    assert axe_serious(page) == []
    assert page.errors == []
