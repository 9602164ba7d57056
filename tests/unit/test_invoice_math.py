"""Invoice totals in integer cents, the number series' format, ids, and the delivery backoff.

`invoicing.issue._snapshot` is the invoice as the order and the business are now: lines,
subtotal, tax (half up, once per invoice), total, due date. `issue.issue` is run with the reads
(`batch_get`) and the numbered write (`numbering.write_numbered`) replaced by plain functions,
so the number it gives is checked without a table."""
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings, strategies as st

from chalicelib.core import ids, observability
from chalicelib.data.models import Address, CatalogModel, Customer, InvoiceModel, LineItem, OrderModel, SequenceModel
from chalicelib.invoicing import delivery, issue, numbering
from chalicelib.invoicing.numbering import SeriesMoved
from chalicelib.setup import catalog
from infra.demo_data import BUSINESS

UTC = timezone.utc
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def line(quantity: int, cents: int, description: str = "Sealant") -> LineItem:
    return LineItem(item_id=ids.new_id("LI-"), description=description, quantity=quantity, unit_price_cents=cents,
                    added_by="tech-1", added_at=NOW)


def order(*items: LineItem, order_id: str = "WO-TEST", email: str | None = "jo@example.net") -> OrderModel:
    return OrderModel(order_id=order_id, workflow_id="default", workflow_version=1, step="completed",
                      customer=Customer(name="Jo Bloggs", email=email, phone="+44 7700 900111"),
                      address=Address(street="1 High St", city="Bristol", postcode="BS1 1AA"),
                      service_name="Window installation", description="Two casements", line_items=list(items))


def business(**changes) -> dict:
    return {**catalog.DEFAULT_SETTINGS, **BUSINESS, **changes}


def snapshot(o: OrderModel, now: datetime = NOW, **changes) -> InvoiceModel:
    return issue._snapshot(o, business(**changes), now, numbering.invoice_id_for(o.order_id))


def half_up(subtotal: int, basis_points: int) -> int:
    return int((Decimal(subtotal) * basis_points / 10000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- totals ------------------------------------------------------------------------------------------

def test_each_line_is_quantity_times_unit_price_and_the_subtotal_their_sum():
    invoice = snapshot(order(line(2, 42000, "Casement window"), line(3, 1200, "Sealant")))
    assert invoice.lines == [
        {"description": "Casement window", "quantity": 2, "unit_price_cents": 42000, "total_cents": 84000},
        {"description": "Sealant", "quantity": 3, "unit_price_cents": 1200, "total_cents": 3600},
    ]
    assert invoice.subtotal_cents == 87600
    # 20 % VAT
    assert (invoice.tax_rate_basis_points, invoice.tax_cents, invoice.total_cents) == (2000, 17520, 105120)


@pytest.mark.parametrize("subtotal, basis_points, tax", [
    (9000, 2000, 1800),  # exact
    (1234, 1750, 216),  # 215.95 rounds up
    (1231, 1750, 215),  # 215.425 rounds down
    (10, 2500, 3),  # 2.5: half rounds up
    (30, 500, 2),  # 1.5: half rounds up
    (2, 2500, 1),  # 0.5
    (1, 2500, 0),  # 0.25
    (99999, 0, 0),
    (100_000_000, 10000, 100_000_000),  # 100 %
])
def test_tax_is_rounded_half_up_once_on_the_subtotal(subtotal, basis_points, tax):
    invoice = snapshot(order(line(1, subtotal)), tax_rate_basis_points=basis_points)
    assert (invoice.subtotal_cents, invoice.tax_cents, invoice.total_cents) == (subtotal, tax, subtotal + tax)


def test_tax_is_rounded_on_the_invoice_not_per_line():
    # Given three lines of 1.5 cents' tax each (5 % of 30 cents)
    invoice = snapshot(order(line(1, 30), line(1, 30), line(1, 30)), tax_rate_basis_points=500)
    # Then the tax is 4.5 -> 5 cents, not 3 x 2 = 6
    assert invoice.tax_cents == 5


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 10000), st.integers(0, 100_000_000)), min_size=1, max_size=5),
       st.integers(0, 10000))
def test_totals_are_whole_cents_and_add_up(items, basis_points):
    invoice = snapshot(order(*(line(q, c) for q, c in items)), tax_rate_basis_points=basis_points)
    subtotal = sum(q * c for q, c in items)
    assert invoice.subtotal_cents == subtotal
    assert invoice.tax_cents == half_up(subtotal, basis_points)
    assert invoice.total_cents == invoice.subtotal_cents + invoice.tax_cents
    assert all(isinstance(v, int) for v in (invoice.subtotal_cents, invoice.tax_cents, invoice.total_cents))


def test_a_business_without_a_tax_rate_charges_none():
    invoice = snapshot(order(line(1, 5000)), tax_rate_basis_points=None)
    assert (invoice.tax_rate_basis_points, invoice.tax_cents, invoice.total_cents) == (0, 0, 5000)


# --- what the invoice keeps --------------------------------------------------------------------------------

def test_the_invoice_keeps_seller_customer_and_work_as_they_are_now():
    invoice = snapshot(order(line(1, 100)))
    assert invoice.seller == {"name": "Clearview Windows Ltd", "address": "12 Glazier Row, Bristol BS1 4DJ",
                              "email": "office@example.com", "phone": "+44 117 496 0000", "timezone": "Europe/London",
                              "payment_instructions": BUSINESS["payment_instructions"], "country": "GB",
                              "tax_name": "VAT", "tax_registration_number": "GB123456789", "company_number": "01234567",
                              "registered_office": "12 Glazier Row, Bristol BS1 4DJ", "prices_include_tax": False}
    # the address in the country's order: the town, then the postcode
    assert invoice.customer == {"name": "Jo Bloggs", "email": "jo@example.net", "phone": "+44 7700 900111",
                                "address": "1 High St, Bristol BS1 1AA", "address_lines": ["1 High St", "Bristol BS1 1AA"]}
    assert invoice.work == "Window installation - Two casements"
    assert invoice.currency == "GBP" and invoice.number == "" and invoice.order_id == "WO-TEST"
    assert (invoice.status, invoice.delivery, invoice.open_status, invoice.send_status) == ("issued", "issued", "open", "pending")
    assert invoice.next_attempt_at == NOW + timedelta(minutes=5)


def test_the_currency_is_written_in_capitals_and_defaults_to_dollars():
    assert snapshot(order(line(1, 100)), currency="eur").currency == "EUR"
    assert snapshot(order(line(1, 100)), currency=None).currency == "USD"


def test_payment_is_due_at_the_end_of_the_local_day_the_terms_end():
    # 14 days from Monday 30 November: Monday 14 December, until 23:59:59 GMT
    invoice = snapshot(order(line(1, 100)))
    assert invoice.due_date == "2026-12-14"
    assert invoice.due_at == datetime(2026, 12, 14, 23, 59, 59, tzinfo=UTC)
    # in summer London is an hour ahead: the day ends at 22:59:59 UTC
    summer = snapshot(order(line(1, 100)), now=datetime(2026, 7, 1, 12, tzinfo=UTC))
    assert (summer.due_date, summer.due_at) == ("2026-07-15", datetime(2026, 7, 15, 22, 59, 59, tzinfo=UTC))


def test_the_due_date_counts_from_the_seller_s_local_date():
    # 11:30 UTC on 30 November is already 1 December in Auckland
    invoice = snapshot(order(line(1, 100)), now=datetime(2026, 11, 30, 11, 30, tzinfo=UTC),
                       timezone="Pacific/Auckland", payment_terms_days=0)
    assert invoice.due_date == "2026-12-01"
    assert invoice.due_at == datetime(2026, 12, 1, 10, 59, 59, tzinfo=UTC)  # 23:59:59 NZDT


# --- issuing: the number ----------------------------------------------------------------------------------

class Store:
    """What `issue` reads (one BatchGetItem) and the numbered writes it makes."""

    def __init__(self, o: OrderModel | None, counters: dict[str, int] | None = None, settings_data: dict | None = None,
                 existing: InvoiceModel | None = None):
        self.order, self.counters, self.existing = o, dict(counters or {}), existing
        self.settings = CatalogModel(catalog.SETTINGS_KIND, catalog.SETTINGS_ID, data=settings_data or dict(BUSINESS))
        self.writes: list[tuple] = []
        self.refuse: list = []  # (the counter someone else moved it to, the exception) for the next writes
        self.saved: list = []

    def batch_get(self, keys):
        found = {}
        for key in keys:
            model, hash_key, _ = key
            if model is OrderModel and self.order is not None and hash_key == self.order.order_id:
                found[key] = self.order
            elif model is InvoiceModel and self.existing is not None:
                found[key] = self.existing
            elif model is CatalogModel:
                found[key] = self.settings
            elif model is SequenceModel and hash_key in self.counters:
                found[key] = SequenceModel(hash_key, last=self.counters[hash_key])
        return found

    def write_numbered(self, series, last, counter_exists, write_document):
        self.writes.append((series, last, counter_exists))
        if self.refuse:
            moved_to, refusal = self.refuse.pop(0)
            self.counters[series] = moved_to
            raise refusal
        assert self.counters.get(series) == (last if counter_exists else None)
        write_document(self)
        self.counters[series] = last + 1

    def save(self, item, condition=None):
        self.saved.append(item)

    def last_number(self, series):
        return self.counters.get(series)


@pytest.fixture
def store(monkeypatch):
    def install(s: Store) -> Store:
        monkeypatch.setattr(issue, "batch_get", s.batch_get)
        monkeypatch.setattr(numbering, "write_numbered", s.write_numbered)
        monkeypatch.setattr(numbering, "last_number", s.last_number)
        monkeypatch.setattr(numbering, "pause", lambda attempt: None)
        monkeypatch.setattr(observability, "count", lambda name, value=1: None)
        return s
    return install


def test_the_first_invoice_of_the_year_is_number_one_padded_to_six_digits(store):
    s = store(Store(order(line(2, 4500))))
    invoice = issue.issue("WO-TEST", NOW)
    assert invoice.number == "INV-2026-000001"
    assert invoice.pdf_key == "invoices/2026/INV-2026-000001.pdf"
    assert s.writes == [("INV-2026", 0, False)] and s.saved == [invoice]
    assert invoice.invoice_id == numbering.invoice_id_for("WO-TEST")


def test_the_next_invoice_takes_the_next_number(store):
    s = store(Store(order(line(1, 100)), counters={"INV-2026": 41}))
    assert issue.issue("WO-TEST", NOW).number == "INV-2026-000042"
    assert s.writes == [("INV-2026", 41, True)]


def test_the_number_series_is_the_seller_s_local_year(store):
    # Given noon UTC on 31 December: already 2027 in Auckland
    settings_data = {**BUSINESS, "timezone": "Pacific/Auckland"}
    s = store(Store(order(line(1, 100)), counters={"INV-2027": 7}, settings_data=settings_data))
    invoice = issue.issue("WO-TEST", datetime(2026, 12, 31, 12, 0, tzinfo=UTC))
    assert invoice.number == "INV-2027-000008" and invoice.pdf_key.startswith("invoices/2027/")
    assert s.writes == [("INV-2027", 7, True)]


def test_a_number_someone_else_took_is_retried_with_the_counter_as_it_is_now(store):
    s = store(Store(order(line(1, 100)), counters={"INV-2026": 3}))
    # Given another invoice takes number 4 (DynamoDB says so), then 5 (a transaction conflict
    # that says nothing, so the counter is read again) just before each of our writes
    s.refuse = [(4, SeriesMoved(4)), (5, SeriesMoved(None))]
    # When the order is invoiced
    invoice = issue.issue("WO-TEST", NOW)
    # Then it tried 4, then 5, and got 6
    assert [last for _, last, _ in s.writes] == [3, 4, 5]
    assert invoice.number == "INV-2026-000006" and s.counters["INV-2026"] == 6


def test_an_order_that_has_its_invoice_gets_the_same_one_back(store):
    earlier = snapshot(order(line(1, 100)))
    earlier.number = "INV-2026-000009"
    s = store(Store(order(line(1, 100)), existing=earlier))
    assert issue.issue("WO-TEST", NOW) is earlier
    assert s.writes == []


def test_an_order_without_line_items_is_not_invoiced(store):
    s = store(Store(order()))
    assert issue.issue("WO-TEST", NOW) is None and s.writes == []


# --- ids ------------------------------------------------------------------------------------------------

def test_the_id_alphabet_has_no_characters_that_read_alike():
    assert len(ids.ALPHABET) == len(set(ids.ALPHABET)) == 32
    assert not set("01IO") & set(ids.ALPHABET)
    assert ids.ALPHABET == ids.ALPHABET.upper()


def test_a_new_id_is_the_prefix_and_ten_characters_of_the_alphabet():
    made = {ids.new_id("WO-") for _ in range(200)}
    assert len(made) == 200  # 32^10 possibilities: no repeats in 200
    for value in made:
        assert value.startswith("WO-") and len(value) == 13 and set(value[3:]) <= set(ids.ALPHABET)


def test_an_id_for_a_key_is_the_same_for_the_same_scope_and_key():
    first = ids.id_for_key("LI-", "WO-1", "key-123")
    assert first == ids.id_for_key("LI-", "WO-1", "key-123")
    assert first.startswith("LI-") and len(first) == 3 + 12 and set(first[3:]) <= set(ids.ALPHABET)
    assert ids.id_for_key("LI-", "WO-2", "key-123") != first  # another order
    assert ids.id_for_key("LI-", "WO-1", "key-124") != first  # another key
    assert ids.id_for_key("NT-", "WO-1", "key-123")[3:] == first[3:]  # the prefix only labels it


def test_an_id_for_a_key_is_the_sha256_of_scope_and_key_read_in_the_alphabet():
    import hashlib

    digest = hashlib.sha256(b"WO-1:key-123").digest()
    assert ids.id_for_key("LI-", "WO-1", "key-123") == "LI-" + "".join(ids.ALPHABET[b % 32] for b in digest[:12])


@pytest.mark.parametrize("key", [None, ""])
def test_without_a_key_an_id_is_fresh(key):
    a, b = ids.id_for_key("LI-", "WO-1", key), ids.id_for_key("LI-", "WO-1", key)
    assert a != b and len(a) == 13


def test_an_order_has_one_invoice_id_whoever_asks():
    assert numbering.invoice_id_for("WO-ABC") == numbering.invoice_id_for("WO-ABC") == ids.id_for_key("IV-", "invoice", "WO-ABC")
    assert numbering.invoice_id_for("WO-ABC") != numbering.invoice_id_for("WO-ABD")
    assert numbering.invoice_id_for("WO-ABC").startswith("IV-")


# --- the delivery backoff ----------------------------------------------------------------------------------

@pytest.mark.parametrize("attempt, minutes", [
    (0, 5), (1, 5), (2, 10), (3, 20), (4, 40), (5, 80), (6, 160), (7, 320), (8, 360), (30, 360),
])
def test_retries_wait_five_minutes_doubling_up_to_six_hours(attempt, minutes):
    assert delivery.backoff(attempt) == timedelta(minutes=minutes)


def test_the_backoff_never_shrinks():
    waits = [delivery.backoff(a) for a in range(1, 40)]
    assert waits == sorted(waits) and waits[-1] == delivery.RETRY_CAP == timedelta(hours=6)


def test_a_send_claimed_longer_than_lambda_can_run_is_stale():
    assert delivery.SENDING_STALE > timedelta(minutes=15)


@pytest.mark.parametrize("value, expected", [(None, 5), ("3", 3), ("0", 1), ("-2", 1)])
def test_at_least_one_send_is_attempted(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("INVOICE_MAX_SEND_ATTEMPTS", raising=False)
    else:
        monkeypatch.setenv("INVOICE_MAX_SEND_ATTEMPTS", value)
    assert delivery.max_send_attempts() == expected


def test_an_unknown_or_missing_customer_email_has_no_recipient():
    invoice = snapshot(order(line(1, 100), email=None))
    assert delivery.recipient(invoice) is None
    invoice.customer = {**invoice.customer, "email": "not an address"}
    assert delivery.recipient(invoice) is None
    invoice.customer = {**invoice.customer, "email": "jo@example.net", "name": "Jo\r\nBcc: x@evil.test"}
    to = delivery.recipient(invoice)  # a name no header may carry: the address alone
    assert (to.addr_spec, to.display_name) == ("jo@example.net", "")


def test_issued_dates_are_written_as_people_read_them():
    from zoneinfo import ZoneInfo

    from chalicelib.invoicing import documents

    assert documents.long_date("2026-12-14") == "14 December 2026"
    assert documents.local_date(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), ZoneInfo("Pacific/Auckland")) == "1 January 2027"
    assert date.fromisoformat(snapshot(order(line(1, 1))).due_date) == date(2026, 12, 14)
