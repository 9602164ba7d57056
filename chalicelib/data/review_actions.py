"""The review actions table: what people did about the items the daily review flagged.

One item per review item key (`sla_breach:WO-123:requested`, `no_technician:WO-9:scheduled`...).
The key names the problem, not the day it was found, and the daily check gives the same problem
the same key every day it is still there; so a snooze recorded here holds for the next days'
reviews too, until its date, without copying anything from one review to the next.

- `acknowledged`: per review (`daily/2026-11-30`), who acknowledged the item and when. It answers
  for that review only: the next day's review asks again if the problem is still there.
- `snooze`: the current snooze (until a local date, the reason, who, when, in which review).
- `log`: every action in order, the newest last (at most `MAX_LOG`), for the record.

Every write is conditional on `version` (optimistic locking), so two people acting on the same item
at once both land or the later one reads again.
"""
from pynamodb.attributes import JSONAttribute, UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute
from pynamodb.models import Model

from chalicelib.core import settings

MAX_LOG = 100  # actions kept per item key (older ones are dropped first)
MAX_ACKNOWLEDGED = 90  # reviews whose acknowledgement is kept per item key


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
