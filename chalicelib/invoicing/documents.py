"""The invoice's and credit note's PDF in the private bucket: what they say (rendering it once,
storing it, links to it; a final invoice with the deposit it deducts), and the totals and seller
contact their emails repeat."""
from datetime import datetime
from zoneinfo import ZoneInfo

from chalicelib.core import settings
from chalicelib.core.aws import client
from chalicelib.data.models import InvoiceModel
from chalicelib.invoicing import invoice_pdf, invoice_state
from chalicelib.setup import tax

PDF_URL_SECONDS = 900


def pdf_document(invoice: InvoiceModel, credit: bool = False) -> dict:
    tz = invoice_state.seller_zone(invoice.seller)
    doc = {
        "title": "Credit note" if credit else "Invoice",
        "number": invoice.credit_note["number"] if credit else invoice.number,
        "issued": local_date(datetime.fromisoformat(invoice.credit_note["issued_at"]) if credit else invoice.issued_at, tz),
        "due": None if credit else long_date(invoice.due_date),
        "order_id": invoice.order_id,
        "seller": invoice.seller,
        "customer": invoice.customer,
        "work": invoice.work,
        "lines": invoice.lines,
        "currency": invoice.currency,
        "subtotal_cents": int(invoice.subtotal_cents),
        "tax_rate_basis_points": int(invoice.tax_rate_basis_points),
        "tax_cents": int(invoice.tax_cents),
        "total_cents": int(invoice.total_cents),
        "payment_instructions": None if credit else invoice.seller.get("payment_instructions"),
        "note": None,
    }
    if credit:
        reason = invoice.credit_note.get("reason")
        doc["note"] = f"This credit note cancels invoice {invoice.number} in full." + (f" Reason: {reason}" if reason else "")
    else:
        doc.update(_deduction(invoice))
        if invoice.kind == "deposit":
            doc["note"] = "The deposit on the quote you accepted; the balance is invoiced when the work is done."
    return doc


def _deduction(invoice: InvoiceModel) -> dict:
    """A final invoice that deducts a deposit: the work's totals and the deposit (`invoice_pdf`)."""
    deducted = invoice.deposit_deducted
    if not deducted:
        return {}
    return {"subtotal_cents": int(deducted["work_subtotal_cents"]), "tax_cents": int(deducted["work_tax_cents"]),
            "total_cents": int(deducted["work_total_cents"]),
            "deposit": {key: deducted[key] if key == "number" else int(deducted[key])
                        for key in ("number", "subtotal_cents", "tax_cents", "total_cents")}}


def total_rows(invoice: InvoiceModel) -> list[dict]:
    """The invoice's totals as the PDF words them, for its email: [{label, amount}], amount
    None for the sentence under an inclusive total."""
    doc = {"title": "Invoice", "seller": invoice.seller, "currency": invoice.currency,
           "subtotal_cents": int(invoice.subtotal_cents), "tax_rate_basis_points": int(invoice.tax_rate_basis_points),
           "tax_cents": int(invoice.tax_cents), "total_cents": int(invoice.total_cents), **_deduction(invoice)}
    return [{"label": label, "amount": None if cents is None else invoice_pdf.money(cents, invoice.currency)}
            for label, cents, _ in invoice_pdf.totals(doc, amount_due=False)]


def seller_contact(invoice: InvoiceModel) -> dict:
    """How the customer reaches the business, and its registration, for the foot of an email."""
    seller = invoice.seller
    return {"name": seller.get("name") or "", "address": seller.get("address") or "",
            "phone": seller.get("phone") or "", "email": seller.get("email") or "",
            "legal": tax.legal_lines(seller)}


def _day_month_year(day) -> str:
    """"4 January 2027", as dates are written on a letter (no leading zero)."""
    return f"{day.day} {day:%B %Y}"


def local_date(moment: datetime, tz: ZoneInfo) -> str:
    return _day_month_year(moment.astimezone(tz))


def long_date(iso_date: str) -> str:
    return _day_month_year(datetime.fromisoformat(iso_date))


def _s3():
    return client("s3")


def put_pdf(key: str, pdf: bytes) -> None:
    _s3().put_object(Bucket=settings.files_bucket(), Key=key, Body=pdf, ContentType="application/pdf")


def stored_pdf(key: str) -> bytes:
    return _s3().get_object(Bucket=settings.files_bucket(), Key=key)["Body"].read()


def store_pdf(invoice: InvoiceModel) -> bytes:
    """Render and store the PDF; `issued` -> `pdf_stored`. Storing it twice is harmless."""
    pdf = invoice_pdf.render(pdf_document(invoice))
    put_pdf(invoice.pdf_key, pdf)
    invoice_state.update_invoice(invoice, [InvoiceModel.delivery.set("pdf_stored")], InvoiceModel.delivery == "issued")
    return pdf


def file_url(key: str | None) -> str | None:
    if not key:
        return None
    return _s3().generate_presigned_url("get_object", Params={"Bucket": settings.files_bucket(), "Key": key},
                                        ExpiresIn=PDF_URL_SECONDS)
