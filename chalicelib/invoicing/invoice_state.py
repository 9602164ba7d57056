"""The invoice's stored state: the sparse index markers, the seller's timezone, and the one
conditional update every change of state goes through."""
from datetime import timedelta
from zoneinfo import ZoneInfo

from pynamodb.exceptions import UpdateError

from chalicelib.data.models import InvoiceModel

PENDING, OPEN = "pending", "open"
# The stream normally finishes a fresh invoice within seconds; after this the reconciler may.
DELIVERY_GRACE = timedelta(minutes=5)


def seller_zone(seller: dict) -> ZoneInfo:
    return ZoneInfo(seller.get("timezone") or "UTC")


def update_invoice(invoice: InvoiceModel, actions: list, condition) -> bool:
    """Apply `actions` if `condition` holds; else refresh `invoice` and return False."""
    try:
        invoice.update(actions=actions, condition=condition)
        return True
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        invoice.refresh(consistent_read=True)
        return False
