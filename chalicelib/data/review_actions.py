"""The review actions table: what people did about the items the daily review flagged.

One item per review item key (`sla_breach:WO-123:requested`, `no_technician:WO-9:scheduled`...).
The key names the problem, not the day it was found, and the daily check gives the same problem
the same key every day it is still there; so a snooze recorded here holds for the next days'
reviews too, until its date, without copying anything from one review to the next.

- `acknowledged`: per review (`daily/2026-11-30`), who acknowledged the item and when. It answers
  for that review only: the next day's review asks again if the problem is still there.
- `snooze`: the current snooze (until a local date, the reason, who, when, in which review).
- `log`: every action in order, the newest last (at most `MAX_LOG`), for the record.

The accountability record (`reviews.accountability` writes it from every daily run): whose item it
is (`owner`, `step`, `work_kind`, `order_id`, `kind`), when the daily check first and last flagged
it and on how many days (`first_flagged_at`, `last_flagged_at`, `last_flagged_day`,
`days_flagged`: a day counts once however often its run is retried), when a person first acted
(`first_action_at`: acknowledge, snooze, or the order moved on), when it was escalated
(`escalated_at`), and when and how it was resolved (`resolved_at`, `resolution`: acknowledged |
snoozed | order_moved | gone). `month_key` keys the `by-flagged-month` index (range
`first_flagged_at`): "open" while the record is unresolved (the daily run reads that partition to
resolve what it no longer flags), then "YYYY-MM" of `first_flagged_at` (UTC); a period's report
reads its months and the open partition. One index: CloudFormation adds one per stack update.

Every write is conditional on `version` (optimistic locking), so two people acting on the same item
at once both land or the later one reads again.
"""
from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core import settings

MAX_LOG = 100  # actions kept per item key (older ones are dropped first)
MAX_ACKNOWLEDGED = 90  # reviews whose acknowledgement is kept per item key


RESOLUTIONS = ("acknowledged", "snoozed", "order_moved", "gone")
OPEN = "open"  # `month_key` while a record is unresolved


class ActionsByFlaggedMonth(GlobalSecondaryIndex):
    """The unresolved records ("open"), and the resolved ones by the month (UTC) they were first
    flagged in, by when: the daily run's open items, a period's owner figures."""

    class Meta:
        index_name = "by-flagged-month"
        projection = AllProjection()

    month_key = UnicodeAttribute(hash_key=True)
    first_flagged_at = UTCDateTimeAttribute(range_key=True)


class ReviewActionModel(Model):
    """The actions on one review item key (see the module's docstring)."""

    class Meta:
        table_name = settings.REVIEW_ACTIONS_TABLE
        billing_mode = "PAY_PER_REQUEST"

    item_key = UnicodeAttribute(hash_key=True)
    version = VersionAttribute()
    order_id = UnicodeAttribute(null=True)
    acknowledged = JSONAttribute(default=dict)  # {"daily/2026-11-30": {"by": user id, "at": ISO time}}
    snooze = JSONAttribute(null=True)  # {"until": "YYYY-MM-DD", "reason", "by", "at", "review"}
    log = JSONAttribute(default=list)  # [{"action": "acknowledge"|"snooze", "by", "at", "review", ...}]
    updated_at = UTCDateTimeAttribute(null=True)
    # The accountability record (see the module's docstring).
    kind = UnicodeAttribute(null=True)
    owner = UnicodeAttribute(null=True)
    step = UnicodeAttribute(null=True)
    work_kind = UnicodeAttribute(null=True)
    first_flagged_at = UTCDateTimeAttribute(null=True)
    last_flagged_at = UTCDateTimeAttribute(null=True)
    last_flagged_day = UnicodeAttribute(null=True)  # the local date of the last daily review that flagged it
    days_flagged = NumberAttribute(null=True)
    first_action_at = UTCDateTimeAttribute(null=True)
    escalated_at = UTCDateTimeAttribute(null=True)
    resolved_at = UTCDateTimeAttribute(null=True)
    resolution = UnicodeAttribute(null=True)  # one of RESOLUTIONS
    month_key = UnicodeAttribute(null=True)  # OPEN while unresolved, then "YYYY-MM" of first_flagged_at
    by_flagged_month = ActionsByFlaggedMonth()
