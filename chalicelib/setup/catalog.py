"""Business setup: the business's settings and its price list.

Line items added from the price list take their description and price from here, never from
the client.
"""
import re

from pynamodb.exceptions import PutError

from chalicelib.core.errors import NotFound
from chalicelib.core.validation import Fields
from chalicelib.data.models import CatalogModel

SETTINGS_KIND, SETTINGS_ID = "settings", "business"
PRICE_ITEM = "price_item"

DEFAULT_SETTINGS = {
    "name": "Service business",
    "timezone": "UTC",
    "currency": "USD",
    "allow_free_text_items": True,
    # Invoicing: VAT or sales tax in basis points (2000 = 20 %), days to pay, how to pay.
    "tax_rate_basis_points": 0,
    "payment_terms_days": 14,
    "payment_instructions": "",
    # Quotes (setup/quote_settings.py): days valid, reminder days after sending, terms, deposit.
    "quotes": {"validity_days": 30, "reminder_days": [3, 7], "terms": "", "deposit": None},
}


def business() -> dict:
    try:
        return {**DEFAULT_SETTINGS, **CatalogModel.get(SETTINGS_KIND, SETTINGS_ID).data}
    except CatalogModel.DoesNotExist:
        return dict(DEFAULT_SETTINGS)


def save_business(data: dict) -> None:
    CatalogModel(SETTINGS_KIND, SETTINGS_ID, data=data).save()


def stored_business() -> dict | None:
    """The settings as stored (strongly consistent; None before the first save), for a change."""
    try:
        return CatalogModel.get(SETTINGS_KIND, SETTINGS_ID, consistent_read=True).data
    except CatalogModel.DoesNotExist:
        return None


def save_business_over(data: dict, previous: dict | None) -> bool:
    """Write the settings only if they are still `previous` as `stored_business` read them (the
    stored JSON text compared whole: json.dumps of what json.loads read is the same text); False
    when another write came in between."""
    unchanged = CatalogModel.data.does_not_exist() if previous is None else CatalogModel.data == previous
    try:
        CatalogModel(SETTINGS_KIND, SETTINGS_ID, data=data).save(condition=unchanged)
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def price_item(item_id: str) -> dict:
    try:
        item = CatalogModel.get(PRICE_ITEM, item_id)
    except CatalogModel.DoesNotExist:
        raise NotFound(f"No price list item '{item_id}'.")
    if not item.data.get("active", True):
        raise NotFound(f"Price list item '{item_id}' is no longer offered.")
    return {"id": item.item_id, **item.data}


def price_list() -> list[dict]:
    return [{"id": i.item_id, **i.data} for i in CatalogModel.query(PRICE_ITEM) if i.data.get("active", True)]


def save_price_item(item_id: str, name: str, unit_price_cents: int, unit: str = "each") -> None:
    CatalogModel(PRICE_ITEM, item_id, data={"name": name, "unit_price_cents": unit_price_cents, "unit": unit, "active": True}).save()


def save_price_item_from(item_id: str, body: dict) -> dict:
    """PUT /price-list/{item_id}: create or change a price list item (admin)."""


    fields = Fields(body)
    if not re.match(r"[a-z0-9][a-z0-9-]{0,63}\Z", item_id or ""):
        fields.error("item_id", "must be lowercase letters, digits and dashes")
    name = fields.text("name", 200)
    cents = fields.integer("unit_price_cents", 0, 100_000_000)
    unit = fields.text("unit", 20, required=False) or "each"
    active = body.get("active", True)
    if not isinstance(active, bool):
        fields.error("active", "must be true or false")
    fields.raise_if_errors()
    data = {"name": name, "unit_price_cents": cents, "unit": unit, "active": active}
    CatalogModel(PRICE_ITEM, item_id, data=data).save()
    return {"id": item_id, **data}
