"""Who hears of a review and what they read: one digest per step owner (its deputy while the owner
is on time off), the admins for the rest, the evaluation email with its chart. Items snoozed in
the review inbox stay out of the digests until their date; every link opens the office app."""
from dataclasses import dataclass
from datetime import datetime
from html import escape

from chalicelib.core import clock, settings
from chalicelib.data.models import StaffModel
from chalicelib.mail import messages
from chalicelib.reviews import item_actions, links
from chalicelib.reviews.daily_check import KINDS
from chalicelib.reviews.suggestions import human
from chalicelib.setup import business, technicians


@dataclass
class Recipient:
    key: str  # the staff user id, or "office" (the sender address) when there is nobody else
    name: str
    email: str
    items: list

    def mailbox(self):
        return messages.mailbox(self.email, self.name)


def _reachable(member) -> bool:
    return member is not None and member.active and bool(member.email)


def admin_recipients() -> list[Recipient]:
    admins = [Recipient(m.user_id, m.name, m.email, []) for m in StaffModel.by_role.query("admin") if _reachable(m)]
    return admins or [Recipient("office", "", settings.sender_email(), [])]


def daily_audience(items: list[dict]) -> list[Recipient]:
    """Who gets a digest of `items`, and with what (`audience`), leaving out the items someone
    snoozed (`item_actions`) until a later local date: they come back on that date."""
    return audience(item_actions.awake(items, clock.now().astimezone(business.zone()).date()))


def away_until(member, now):
    """The end of the time off `member` is on at `now` (technicians and office staff alike), or None."""
    for entry in technicians.profile(member)["time_off"] if member is not None else []:
        start, end = datetime.fromisoformat(entry["start"]), datetime.fromisoformat(entry["end"])
        if start <= now < end:
            return end
    return None


def audience(items: list[dict], now=None) -> list[Recipient]:
    """One recipient per person: each item goes to its step's owner; while the owner is on time
    off, to the step's deputy instead (or the admins when there is none, or the deputy is away or
    cannot be reached), saying whom they cover for; to the admins when the step has no owner (or
    the owner cannot be reached), and to the admins as well once escalated."""
    now = now or clock.now()
    owners = sorted({i["owner"] for i in items if i["owner"]})
    members = {m.user_id: m for m in StaffModel.batch_get(owners)} if owners else {}
    away = {key: until for key, m in members.items() if _reachable(m) and (until := away_until(m, now))}
    deputies = sorted({i.get("deputy") for i in items if i["owner"] in away and i.get("deputy")} - set(members))
    if deputies:
        members.update({m.user_id: m for m in StaffModel.batch_get(deputies)})
    zone = business.zone() if away else None
    people: dict[str, Recipient] = {}
    admins: list[Recipient] = []

    def everyone_admin() -> list[Recipient]:
        if not admins:
            admins.extend(admin_recipients())
        return admins

    for item in items:
        member = members.get(item["owner"])
        deliveries = []
        if _reachable(member) and member.user_id in away:
            back = away[member.user_id].astimezone(zone).strftime("%Y-%m-%d %H:%M")
            why = f"covering for {member.name}, on time off until {back}"
            deputy = members.get(item.get("deputy"))
            if _reachable(deputy) and away_until(deputy, now) is None:
                deliveries.append((Recipient(deputy.user_id, deputy.name, deputy.email, []), why))
            else:
                cover = [a for a in everyone_admin() if a.key != member.user_id] or everyone_admin()
                deliveries += [(admin, why) for admin in cover]
        elif _reachable(member):
            deliveries.append((Recipient(member.user_id, member.name, member.email, []), None))
        else:
            why = "the step has no owner" if not item["owner"] else f"the owner {item['owner']} cannot be reached"
            deliveries += [(admin, why) for admin in everyone_admin()]
        if item["escalated"]:
            note = f"escalated: flagged in {item['checks']} checks in a row"
            deliveries += [(admin, note) for admin in everyone_admin()]
        for target, note in deliveries:
            person = people.setdefault(target.key, Recipient(target.key, target.name, target.email, []))
            entry = next((e for e in person.items if e["item"]["key"] == item["key"]), None)
            if entry is None:
                person.items.append({"item": item, "note": note})
            elif note and note != entry["note"]:
                entry["note"] = "; ".join(n for n in (entry["note"], note) if n)
    return [people[key] for key in sorted(people)]


def digest(recipient: Recipient, report: dict, business_name: str):
    groups = []
    for kind, title in KINDS.items():
        entries = [e for e in recipient.items if e["item"]["kind"] == kind]
        if entries:
            groups.append({"title": title, "items": [
                {**e["item"], "ref": e["item"]["order_id"] or e["item"]["invoice_id"], "note": e["note"],
                 "for": human(e["item"]["minutes"]), "link": links.item_link(e["item"])}
                for e in entries
            ]})
    count = len(recipient.items)
    text, html = messages.render(
        "review_digest", name=recipient.name, date=report["date"], count=count, groups=groups,
        business_name=business_name, report_link=links.review_link("daily", report["date"]),
        inbox_link=links.inbox_link(),
    )
    subject = f"Daily review {report['date']}: {count} item{'s' if count != 1 else ''} for you"
    return messages.build(recipient.mailbox(), subject, text, html)


def evaluation_email(recipient: Recipient, report: dict, business_name: str):
    # Deferred for cold start, like Jinja2 itself (mail.messages): only the evaluation email needs it.
    from markupsafe import Markup

    steps = [s for s in report["steps"] if not s["end_step"]]
    text, html = messages.render(
        "review_report", name=recipient.name, period=report["period"], first_day=report["from"], last_day=report["to"],
        steps=[{**s, "median": human(s["median_minutes"]), "p90": human(s["p90_minutes"])} for s in steps],
        chart=Markup(time_per_step_chart(steps)), suggestions=report["suggestions"], report=report,
        versions=[v["workflow_version"] for v in report["versions"]], business_name=business_name,
        report_link=links.review_link(report["period"], report["date"]),
    )
    subject = f"{report['period'].capitalize()} process review {report['from']} to {report['to']}"
    return messages.build(recipient.mailbox(), subject, text, html)


def time_per_step_chart(steps: list[dict]) -> str:
    """A horizontal bar chart as inline SVG: per step, the median (dark) and the 90th percentile
    (light) of the time orders spent in it. Every label is escaped."""
    rows = [s for s in steps if s["median_minutes"] is not None]
    if not rows:
        return ""
    width, label_width, value_width, row_height, top = 640, 170, 120, 26, 28
    bar_width = width - label_width - value_width
    longest = max(max(s["p90_minutes"] or 0, s["median_minutes"] or 0) for s in rows) or 1
    height = top + row_height * len(rows) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'role="img" aria-label="Time per step: median and 90th percentile" font-family="Arial, sans-serif">',
        "<title>Time per step: median and 90th percentile</title>",
        f'<rect x="{label_width}" y="6" width="12" height="10" fill="#2171b5"/>'
        f'<text x="{label_width + 16}" y="15" font-size="11">median</text>'
        f'<rect x="{label_width + 70}" y="6" width="12" height="10" fill="#c6dbef"/>'
        f'<text x="{label_width + 86}" y="15" font-size="11">90th percentile</text>',
    ]
    for i, s in enumerate(rows):
        y = top + i * row_height
        p90_width = bar_width * (s["p90_minutes"] or 0) / longest
        median_width = bar_width * (s["median_minutes"] or 0) / longest
        parts.append(f'<text x="{label_width - 8}" y="{y + 14}" font-size="12" text-anchor="end">{escape(s["label"])}</text>')
        parts.append(f'<rect x="{label_width}" y="{y + 2}" width="{p90_width:.1f}" height="16" fill="#c6dbef"/>')
        parts.append(f'<rect x="{label_width}" y="{y + 6}" width="{median_width:.1f}" height="8" fill="#2171b5"/>')
        parts.append(f'<text x="{label_width + max(p90_width, median_width) + 6:.1f}" y="{y + 14}" font-size="11">'
                     f'{escape(human(s["median_minutes"]))} / {escape(human(s["p90_minutes"]))}</text>')
    parts.append("</svg>")
    return "".join(parts)
