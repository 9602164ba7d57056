"""The daily review against a long history: 200 open orders, with and without 50,000 closed
orders (and their 45,000 paid invoices), measured side by side in one in-process moto world.

The closed orders are written straight into moto's tables (no request, no stream records) and
taken out and put back between runs, so both variants run against the same open work, alternately.
Each run is a whole daily review (claim, check, digests through SES, report to S3, metrics); the
reviews table is emptied before each run so every run does the full work.

Time is wall-clock time (`review_time_ratio`) and this process's CPU time (`review_cpu_time_ratio`,
which other work on a shared machine does not inflate), medians of interleaved runs.

Items read are counted at botocore's entry point from DynamoDB's answers: ScannedCount for each
Query (what DynamoDB reads and bills, before filters), one per GetItem that found an item, and
the items of each BatchGetItem. Time is measured twice: with moto's own Query, which looks at every
item of a table whatever the key (so every index Query costs a Scan), and with `moto_partitions`,
which reads only the partition asked for, as DynamoDB does.
"""
import json
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import use_in_process_moto  # noqa: E402
from tests.support.helpers import order_through, timeline  # noqa: E402

use_in_process_moto()

UTC = timezone.utc
NOW = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # a Monday afternoon in London
ACCOUNT, REGION = "123456789012", "us-east-1"
CLOSED, CANCELLED = 45_000, 5_000
RUNS, STOCK_RUNS = 15, 3


class ReadCounter:
    def __init__(self):
        self.items = 0
        self.calls = 0
        self.active = False

    def install(self):
        import botocore.client

        original = botocore.client.BaseClient._make_api_call
        counter = self

        def counted(client, operation, params):
            answer = original(client, operation, params)
            if counter.active and client.meta.service_model.service_name == "dynamodb":
                counter.calls += 1
                counter.items += answer.get("ScannedCount", 0) + (1 if answer.get("Item") else 0)
                counter.items += sum(len(v) for v in answer.get("Responses", {}).values())
            return answer

        botocore.client.BaseClient._make_api_call = counted


# --- the world ----------------------------------------------------------------------------------

def _invoice(order, due_at, delivery="sent", paid_at=None):
    from chalicelib.invoicing.numbering import invoice_id_for
    from chalicelib.data.models import InvoiceModel

    return InvoiceModel(
        invoice_id_for(order.order_id), order_id=order.order_id, number=f"INV-B-{order.order_id[-6:]}",
        seller={"name": "Clearview Windows Ltd"}, customer={"name": "Bench Customer", "email": "bench@example.net"},
        lines=[{"description": "Sealant", "quantity": 1, "unit_price_cents": 1200, "total_cents": 1200}],
        currency="GBP", subtotal_cents=1200, tax_rate_basis_points=2000, tax_cents=240, total_cents=1440,
        issued_at=due_at - timedelta(days=14), due_date=due_at.date().isoformat(), due_at=due_at,
        open_status=None if paid_at else "open", pdf_key="invoices/bench.pdf", delivery=delivery,
        status="paid" if paid_at else "issued", paid_at=paid_at, paid_cents=1440 if paid_at else 0,
    )


def open_work() -> tuple[list, list]:
    """200 open orders across the map, a fair share of them needing someone today."""
    today = NOW.replace(hour=9)
    found, invoices = [], []
    for i in range(40):  # half past the 4-hour SLA
        found.append(order_through([("requested", NOW - timedelta(hours=1 + i % 2 * 5 + i / 10))]))
    for i in range(40):
        if i < 5:  # today's appointments not started
            found.append(order_through(timeline(NOW - timedelta(days=1), ("requested", 60), ("scheduled", 0)), appointment=today))
        elif i < 10:  # fell through the cracks: no technician
            found.append(order_through(timeline(NOW - timedelta(days=1), ("requested", 10), ("on_hold", 10), ("scheduled", 0)),
                                technician=None))
        else:
            found.append(order_through(timeline(NOW - timedelta(days=1), ("requested", 60), ("scheduled", 0)),
                                appointment=NOW + timedelta(days=1 + i % 5)))
    for i in range(20):
        found.append(order_through(timeline(NOW - timedelta(hours=1 + i % 4), ("requested", 10), ("scheduled", 10), ("en_route", 0)),
                            appointment=today.replace(hour=10)))
    for i in range(30):
        found.append(order_through(timeline(NOW - timedelta(hours=2 + i % 3 * 4), ("requested", 10), ("scheduled", 10),
                                     ("en_route", 10), ("in_progress", 0)), appointment=today.replace(hour=8)))
    for i in range(20):
        found.append(order_through(timeline(NOW - timedelta(hours=1 + i % 2 * 3), ("requested", 10), ("scheduled", 10),
                                     ("en_route", 10), ("in_progress", 30), ("completed", 0)), appointment=today.replace(hour=7)))
    for i in range(30):
        order = order_through(timeline(NOW - timedelta(days=20 - i % 10), ("requested", 10), ("scheduled", 10), ("en_route", 10),
                                ("in_progress", 30), ("completed", 1), ("invoiced", 0)))
        found.append(order)
        invoices.append(_invoice(order, NOW + timedelta(days=10 - i), delivery="send_failed" if i < 3 else "sent"))
    for i in range(10):
        found.append(order_through(timeline(NOW - timedelta(days=9), ("requested", 10), ("scheduled", 10), ("en_route", 10),
                                     ("in_progress", 30), ("completed", 1), ("invoiced", 60), ("paid", 0))))
    for i in range(10):
        found.append(order_through(timeline(NOW - timedelta(days=2 + i % 4), ("requested", 10), ("on_hold", 0))))
    return found, invoices


def closed_history() -> tuple[list, list]:
    """50,000 closed orders (45,000 closed after payment, 5,000 cancelled) spread over two years,
    and the 45,000 paid invoices: (raw template item, the attributes that differ) pairs."""
    from chalicelib.invoicing.numbering import invoice_id_for

    start = NOW - timedelta(days=730)
    paid = order_through(timeline(start, ("requested", 60), ("scheduled", 1440), ("en_route", 40), ("in_progress", 180),
                           ("completed", 1), ("invoiced", 20160), ("paid", 60), ("closed", 0)))
    cancelled = order_through(timeline(start, ("requested", 60), ("scheduled", 600), ("cancelled", 0)))
    invoice_raw = _invoice(paid, start + timedelta(days=14), paid_at=start + timedelta(days=15)).serialize()
    orders, invoices = [], []
    for i in range(CLOSED + CANCELLED):
        template = paid if i < CLOSED else cancelled
        shift = timedelta(minutes=(i * 20) % (700 * 1440))
        closed_at = template.step_entered_at + shift
        order_id = f"WO-B{i:09d}"
        orders.append((template, {
            "order_id": {"S": order_id},
            "step_entered_at": {"S": _stamp(closed_at)},
            "updated_at": {"S": _stamp(closed_at)},
            "created_at": {"S": _stamp(template.created_at + shift)},
            "appointment_start": {"S": _stamp(template.appointment_start + shift)},
            "appointment_end": {"S": _stamp(template.appointment_end + shift)},
            "closed_month": {"S": closed_at.strftime("%Y-%m")},
        }))
        if i < CLOSED:
            invoices.append((invoice_raw, {"invoice_id": {"S": invoice_id_for(order_id)}, "order_id": {"S": order_id}}))
    raws = {id(paid): paid.serialize(), id(cancelled): cancelled.serialize()}
    return [(raws[id(t)], changed) for t, changed in orders], invoices


def _stamp(moment: datetime) -> str:
    from pynamodb.attributes import UTCDateTimeAttribute

    return UTCDateTimeAttribute().serialize(moment)


class History:
    """The closed orders and paid invoices, put into and taken out of moto's tables directly."""

    def __init__(self, orders, invoices):
        from moto.dynamodb.models import dynamodb_backends
        from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

        from bench import moto_partitions
        from chalicelib.data.models import InvoiceModel, OrderModel

        self._touched, self._switch = moto_partitions.touched, moto_partitions.switch
        backend = dynamodb_backends[ACCOUNT][REGION]
        self.tables = [backend.get_table(OrderModel.Meta.table_name), backend.get_table(InvoiceModel.Meta.table_name)]
        for table in self.tables:
            self._touched(table)  # the bulk load: every grouping so far is stale
        self.stored = [{}, {}]
        built = {}  # one moto Item per template, built (and size-checked) by moto itself
        for table, stored, entries in zip(self.tables, self.stored, (orders, invoices)):
            for raw, changed in entries:  # straight into the table: no request, no stream record
                if id(raw) not in built:
                    built[id(raw)] = Item(DynamoType(raw[table.hash_key_attr]), None, raw)
                item = Item.__new__(Item)  # a copy sharing the unchanged values, which nothing writes
                item.hash_key, item.range_key = DynamoType(changed[table.hash_key_attr]), None
                item.attrs = LimitedSizeDict()
                dict.update(item.attrs, built[id(raw)].attrs)
                dict.update(item.attrs, {name: DynamoType(value) for name, value in changed.items()})
                stored[item.hash_key] = item
        self.put_back()

    def put_back(self):
        for table, stored in zip(self.tables, self.stored):
            table.items.update(stored)
            self._switch(table, "with history")
        self.present = True

    def take_out(self):
        for table, stored in zip(self.tables, self.stored):
            for key in stored:
                table.items.pop(key, None)
            self._switch(table, "without history")
        self.present = False


def _clear_reviews():
    from moto.dynamodb.models import dynamodb_backends

    from bench import moto_partitions
    from chalicelib.data.models import ReviewModel

    table = dynamodb_backends[ACCOUNT][REGION].get_table(ReviewModel.Meta.table_name)
    table.items.clear()
    moto_partitions.touched(table)


def reviews_found() -> list[dict]:
    from chalicelib.reviews import daily_check

    return daily_check.find_items(NOW)


def _one_run(history: History, with_closed: bool, counter: ReadCounter) -> tuple[float, float, int, int, dict]:
    """(wall seconds, CPU seconds of this process, items read, DynamoDB calls, the review)."""
    from chalicelib.reviews import runs as reviews_runs

    (history.put_back if with_closed else history.take_out)()
    _clear_reviews()
    counter.items = counter.calls = 0
    counter.active = True
    started, cpu = time.perf_counter(), time.process_time()
    review, ran = reviews_runs.run("daily", NOW, "bench")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    counter.active = False
    assert ran
    return elapsed, cpu, counter.items, counter.calls, review


def measure() -> dict:
    from moto import mock_aws

    from bench import moto_partitions
    from infra import moto_atomic
    from tests.support import speedups

    speedups.install()
    moto_atomic.install()
    moto_partitions.install()
    counter = ReadCounter()
    counter.install()

    from chalicelib.data.models import InvoiceModel, OrderModel
    from infra import bootstrap, demo_data
    from tests.support.world import reset_caches

    with mock_aws():
        reset_caches()
        bootstrap.create_all()
        demo_data.load_staff_and_setup(NOW - timedelta(days=800))
        loaded = time.perf_counter()
        open_orders, open_invoices = open_work()
        with OrderModel.batch_write() as batch:
            for order in open_orders:
                batch.save(order)
        with InvoiceModel.batch_write() as batch:
            for invoice in open_invoices:
                batch.save(invoice)
        history = History(*closed_history())
        load_seconds = time.perf_counter() - loaded
        print(f"reviews_scale: loaded in {load_seconds:.0f} s", file=sys.stderr)

        # The emulation changes how fast moto answers, never what: the same findings either way.
        history.put_back()
        found = []
        for partitioned in (True, False):
            moto_partitions.enabled = partitioned
            found.append(reviews_found())
        assert found[0] == found[1], "moto_partitions changed an answer"

        results = {}
        for mode, runs in (("partitioned", RUNS), ("stock", STOCK_RUNS)):
            moto_partitions.enabled = mode == "partitioned"
            _one_run(history, True, counter)  # warm both paths once
            _one_run(history, False, counter)
            times, cpu_times = {True: [], False: []}, {True: [], False: []}
            reads, calls, flagged = {}, {}, {}
            for i in range(runs):
                for with_closed in ((True, False) if i % 2 == 0 else (False, True)):
                    elapsed, cpu, items, n, review = _one_run(history, with_closed, counter)
                    times[with_closed].append(elapsed)
                    cpu_times[with_closed].append(cpu)
                    reads.setdefault(with_closed, set()).add(items)
                    calls[with_closed] = n
                    flagged[with_closed] = len(review["report"]["items"])
            results[mode] = {"times": times, "cpu": cpu_times, "reads": reads, "calls": calls, "flagged": flagged}
            print(f"reviews_scale: {mode} moto done", file=sys.stderr)
        moto_partitions.enabled = False
    reset_caches()

    part, stock = results["partitioned"], results["stock"]
    assert all(len(r) == 1 for r in part["reads"].values()), part["reads"]  # the same count every run

    def ms(values):
        return round(statistics.median(values) * 1000, 1)

    reads_with, reads_without = next(iter(part["reads"][True])), next(iter(part["reads"][False]))
    return {
        "review_reads_ratio": round(reads_with / reads_without, 3),
        "review_time_ratio": round(statistics.median(part["times"][True]) / statistics.median(part["times"][False]), 3),
        "review_cpu_time_ratio": round(statistics.median(part["cpu"][True]) / statistics.median(part["cpu"][False]), 3),
        "review_time_ratio_stock_moto": round(statistics.median(stock["times"][True]) / statistics.median(stock["times"][False]), 3),
        "review_scale": {
            "open_orders": len(open_orders),
            "closed_orders": CLOSED + CANCELLED,
            "paid_invoices_of_closed_orders": CLOSED,
            "items_read": {"with_closed": reads_with, "without_closed": reads_without},
            "dynamodb_calls": {"with_closed": part["calls"][True], "without_closed": part["calls"][False]},
            "items_flagged": {"with_closed": part["flagged"][True], "without_closed": part["flagged"][False]},
            "median_ms": {"with_closed": ms(part["times"][True]), "without_closed": ms(part["times"][False])},
            "median_cpu_ms": {"with_closed": ms(part["cpu"][True]), "without_closed": ms(part["cpu"][False])},
            "median_ms_stock_moto": {"with_closed": ms(stock["times"][True]), "without_closed": ms(stock["times"][False])},
            "runs": {"partitioned": RUNS, "stock_moto": STOCK_RUNS},
            "load_seconds": round(load_seconds, 1),
        },
    }


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
