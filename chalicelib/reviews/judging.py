"""The judging date of a map change: on the local date a publisher gave (`judge_on`, stored with the
version's expectation; a day missed is caught up within a week), the daily run compares the orders started on that version with those
started on the version before it (reviews.experiments) and emails the publisher and the owner of
the step the change was about (or of every step it changed) the verdict in plain words, with a
link to the office reports.

Reads by key only: the kinds' heads and their versions (`evaluation.all_versions`), the period's
orders through the evaluation's indexes (`evaluation.period_orders`), the recipients by
BatchGetItem. The "before" orders are those moved since the earlier of the old version's
publishing and as long before the new one as the new one has run, so both sides cover like
spans and a years-old version does not read years of orders.

Each email is sent once, whatever retries: Powertools Idempotency keyed on the version and the
recipient (a second run on the date finds it sent and sends nothing), and a Message-ID derived
from them (`experiment-judged.<workflow>.<version>.<recipient>`), like the other automated
emails."""
import re
from datetime import date, datetime, timedelta

from chalicelib.core import observability, settings
from chalicelib.core.once import once
from chalicelib.core.errors import NotFound
from chalicelib.data.models import StaffModel
from chalicelib.mail import messages
from chalicelib.reviews import digests, evaluation, experiments
from chalicelib.reviews.suggestions import human
from chalicelib.setup import business, catalog

# A judging date missed (no daily run that day) is caught up by the next run within a week; the
# emails sent are remembered for longer than that, so a later run never sends one again.
CATCH_UP_DAYS = 7
_IDEMPOTENCY_SECONDS = 30 * 24 * 3600
VERDICT_WORDS = {
    "better": "better: the change did what was hoped",
    "worse": "worse: the change made things worse",
    "cant_tell": "can't tell yet: the orders so far do not show a clear difference either way",
}
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_-]")


def due(versions: dict, today: date) -> list[tuple]:
    """(the version before, the version to judge) for each version whose `judge_on` is `today`, or
    one of the CATCH_UP_DAYS - 1 days before (a day without a daily run), never a later date
    (pure, over `evaluation.all_versions`)."""
    found = []
    days = {(today - timedelta(days=n)).isoformat() for n in range(CATCH_UP_DAYS)}
    for (workflow_id, number), pm in sorted(versions.items()):
        if (pm.expectation or {}).get("judge_on") not in days:
            continue
        earlier = [n for (w, n) in versions if w == workflow_id and n < number]
        if earlier:
            found.append((versions[(workflow_id, max(earlier))], pm))
    return found


def changed_steps(old, new) -> list[str]:
    """The steps the change added, removed or redefined, in the new map's order."""
    keys = [s.key for s in new.steps] + [s.key for s in old.steps if not new.has_step(s.key)]
    return [k for k in keys if (old.step(k).to_dict() if old.has_step(k) else None)
            != (new.step(k).to_dict() if new.has_step(k) else None)]


def people_to_tell(old, new) -> list[str]:
    """The publisher, then the owner of the step the expectation names (or of each changed step)."""
    named = (new.expectation or {}).get("step")
    steps = [named] if named else changed_steps(old, new)
    owners = []
    for key in steps:
        for pm in (new, old):
            if pm.has_step(key) and pm.step(key).owner:
                owners.append(pm.step(key).owner)
                break
    people = [new.published_by] + owners
    return [p for i, p in enumerate(people) if p and p not in people[:i]]


def _recipients(user_ids: list[str]) -> list[digests.Recipient]:
    members = {m.user_id: m for m in StaffModel.batch_get(user_ids)} if user_ids else {}
    found = [digests.Recipient(u, members[u].name, members[u].email, []) for u in user_ids
             if u in members and members[u].active and members[u].email]
    return found or digests.admin_recipients()


def reports_link(kind: str | None) -> str:
    """The office app's weekly evaluations (the experiments are in each), narrowed to the kind."""
    tail = f"?kind={kind}" if kind else ""
    return f"{settings.public_base_url()}/office/#/reports/weekly{tail}"


def _said(measure: str, value) -> str | None:
    """A measure's value as people read it: "3 h 20 min", "41.5 h", "92.0%"."""
    if value is None:
        return None
    if measure == "step_median_minutes":
        return human(value)
    return f"{value:g} h" if measure == "cycle_time_hours" else f"{value:g}%"


def _measure_rows(experiment: dict) -> list[dict]:
    judged = set(experiment.get("judged_by") or [])
    rows = []
    for m in experiment["measures"]:
        name = f"{m['measure']}:{m['step']}" if m.get("step") else m["measure"]
        if judged and name not in judged:
            continue
        rows.append({"label": m["label"], "before": _said(m["measure"], m["before"]["value"]),
                     "after": _said(m["measure"], m["after"]["value"]),
                     "n_before": m["before"]["n"], "n_after": m["after"]["n"],
                     "verdict": m["verdict"].replace("_", " ").replace("cant", "can't")})
    return rows


def message_id(experiment: dict, user_id: str) -> str:
    return ".".join(["experiment-judged", _UNSAFE_ID.sub("-", str(experiment["workflow_id"])),
                     str(experiment["to_version"]), _UNSAFE_ID.sub("-", user_id)])


def email(recipient: digests.Recipient, experiment: dict, new, business_name: str):
    """The verdict for one person: plain words, the measures it rests on, the reports link."""
    expectation = new.expectation or {}
    verdict = experiment["verdict"]
    text, html = messages.render(
        "experiment_judged", name=recipient.name, kind=experiment["work_kind"], version=experiment["to_version"],
        from_version=experiment["from_version"], published_at=(experiment.get("published_at") or "")[:10],
        note=new.note or "", expected=expectation.get("text") or "", judge_on=expectation.get("judge_on") or "",
        verdict=verdict,
        verdict_words=VERDICT_WORDS[verdict], summary=experiment["text"], rows=_measure_rows(experiment),
        orders=experiment["orders"], link=reports_link(experiment["work_kind"]), business_name=business_name,
    )
    subject = f"Map change judged: {experiment['work_kind']} version {experiment['to_version']} - " \
              f"{'better' if verdict == 'better' else 'worse' if verdict == 'worse' else 'cannot tell yet'}"
    return messages.build(recipient.mailbox(), subject, text, html, message_id=message_id(experiment, recipient.key))


def _send(task: dict, message) -> dict:
    return {"message_id": messages.send(message)}


_send_once = once(_send, _IDEMPOTENCY_SECONDS)


def _orders(old, new, versions: dict, now: datetime) -> tuple[list, list]:
    """The orders started on `old` and on `new` (of their map), as `evaluation.period_orders` reads them."""
    new_at = new.published_at or now
    since = max(old.published_at or new_at, new_at - (now - new_at))
    found = evaluation.period_orders(min(since, new_at), now, versions)
    mine = [o for o in found if (o.workflow_id or "default") == new.workflow_id]
    return ([o for o in mine if int(o.workflow_version) == old.version],
            [o for o in mine if int(o.workflow_version) == new.version])


def judge(old, new, versions: dict, now: datetime) -> dict:
    """The experiment of `new` against `old` on the orders started on each, up to now."""
    before, after = _orders(old, new, versions, now)
    kind = new.kind or old.kind or new.workflow_id
    return experiments.compare(before, after, old, new, now, business.calendar(), kind)


def tell_due(today: date, now: datetime) -> list[dict]:
    """Judge each version due `today` (`due`) and tell its people, each once: what was sent, per
    recipient ({"workflow_id", "version", "verdict", "to", "status", "message_id"|"error"})."""
    try:
        versions = evaluation.all_versions()
    except NotFound:
        return []
    sent = []
    business_name = catalog.business().get("name") or ""
    for old, new in due(versions, today):
        try:
            experiment = judge(old, new, versions, now)
            audience = _recipients(people_to_tell(old, new))
        except Exception:  # noqa: BLE001 - one version's failure leaves the daily run and the others alone
            observability.logger().exception("judging failed", extra={"workflow_id": new.workflow_id, "version": new.version})
            continue
        for recipient in audience:
            entry = {"workflow_id": new.workflow_id, "version": new.version, "verdict": experiment["verdict"],
                     "to": recipient.key}
            task = {"automation": "experiment_judged", "workflow_id": new.workflow_id, "version": new.version,
                    "judge_on": new.expectation["judge_on"], "to": recipient.key}
            try:
                result = _send_once(task=task, message=email(recipient, experiment, new, business_name))
                entry.update(status="sent", message_id=result["message_id"])
            except Exception as exc:  # noqa: BLE001 - in progress elsewhere, or SES failed: the next run retries
                observability.logger().exception("judging email failed", extra={"to": recipient.key})
                entry.update(status="failed", error=str(exc)[:300])
            sent.append(entry)
    observability.count("ExperimentsJudgedEmails", sum(1 for e in sent if e["status"] == "sent"))
    return sent
