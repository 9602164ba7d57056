"""Where the review emails send people: pages of the office app (`/office/`), never the JSON API
(which answers a browser with 401)."""
from chalicelib.core import settings


def order_link(order_id: str) -> str:
    """An order's page in the office app."""
    return f"{settings.public_base_url()}/office/#/orders/{order_id}"


def review_link(period: str, day: str) -> str:
    """A whole review's page in the office app (`day`: the period's first local date)."""
    return f"{settings.public_base_url()}/office/#/reviews/{period}/{day}"


def inbox_link() -> str:
    """The signed-in person's review inbox, where items are acknowledged or snoozed."""
    return f"{settings.public_base_url()}/office/#/reviews"


def item_link(item: dict) -> str:
    """A review item's page: its order's (an invoice item's order too), else the API's link."""
    return order_link(item["order_id"]) if item.get("order_id") else item.get("link")
