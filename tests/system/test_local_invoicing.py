"""Invoicing in the local system (`python -m infra.local`): tech1 completes today's demo job, the
invoice email with its PDF lands in the outbox within seconds and the order is `invoiced`; the
office records the payment and the order is `paid`."""
import io
import time

import requests

from tests.support.helpers import TINY_PNG
from tests.system.test_local_system import local_system  # noqa: F401 - the fixture

TIMEOUT = 10


def _poll(check, seconds: float):
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() >= deadline:
            return found
        time.sleep(0.1)


def test_completing_the_demo_job_emails_the_invoice_and_paying_it_marks_the_order_paid(local_system):  # noqa: F811
    url = local_system.url
    office = {"Authorization": f"Bearer {local_system.login('dispatcher@example.com')}"}
    admin = {"Authorization": f"Bearer {local_system.login('admin@example.com')}"}
    tech = {"Authorization": f"Bearer {local_system.login('tech1@example.com')}"}
    orders = requests.get(f"{url}/orders", headers=office, timeout=TIMEOUT).json()["orders"]
    job = next(o for o in orders if (o["technician"] or {}).get("id") == "tech-1" and o["step"] == "scheduled")
    oid = job["order_id"]

    def move(order, to):
        r = requests.post(f"{url}/orders/{oid}/transitions", headers=tech, timeout=TIMEOUT,
                          json={"to": to, "expected_version": order["version"]})
        assert r.status_code == 200, r.text
        return r.json()

    order = move(job, "en_route")
    # The stream has caught up with the technician once the "on the way" email is out.
    assert _poll(lambda: [m for m in local_system.emails() if oid in str(m["Subject"]) and "on the way" in str(m["Subject"])], 30)
    order = move(order, "in_progress")
    r = requests.post(f"{url}/orders/{oid}/line-items", headers=tech, timeout=TIMEOUT,
                      json={"price_item_id": "window-casement", "quantity": 2})
    assert r.status_code == 201, r.text
    order = r.json()
    steps = {s["key"]: s for s in requests.get(f"{url}/workflow", headers=tech, timeout=TIMEOUT).json()["steps"]}
    if "has_signature" in steps["in_progress"]["exit_conditions"]:
        r = requests.post(f"{url}/orders/{oid}/signature", headers=tech, timeout=TIMEOUT,
                          json={"image_png_base64": TINY_PNG, "signed_by": "Margaret Holloway"})
        assert r.status_code == 201, r.text
        order = r.json()
    move(order, "completed")

    def invoice_email():
        return [m for m in local_system.emails() if oid in str(m["Subject"]) and "invoice INV-" in str(m["Subject"])]

    mails = _poll(invoice_email, 5)
    assert len(mails) == 1, f"no invoice email within 5 s:\n{local_system.log}"
    [mail] = mails
    assert "margaret.holloway@example.net" in str(mail["To"])
    [pdf] = [p for p in mail.iter_attachments() if p.get_content_type() == "application/pdf"]
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.get_content())).pages)
    assert "Casement window, supply and fit" in text and "£840.00" in text and "£1,008.00" in text

    def step():
        return requests.get(f"{url}/orders/{oid}", headers=office, timeout=TIMEOUT).json()["step"]

    assert _poll(lambda: step() == "invoiced", 5), step()
    invoice = requests.get(f"{url}/orders/{oid}/invoice", headers=office, timeout=TIMEOUT).json()
    assert (invoice["total_cents"], invoice["currency"], invoice["delivery"]) == (100800, "GBP", "sent")
    assert requests.get(invoice["pdf_url"], timeout=TIMEOUT).content[:5] == b"%PDF-"

    r = requests.post(f"{url}/invoices/{invoice['invoice_id']}/payments", headers=admin, timeout=TIMEOUT,
                      json={"amount_cents": invoice["total_cents"], "method": "bank_transfer", "reference": "HOLLOWAY"})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "paid"
    assert step() == "paid"
    assert "Traceback" not in local_system.log, local_system.log
