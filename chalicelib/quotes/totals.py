"""A quote's money, in integer cents: each line's total, the lines that count (every required
line and the optional lines chosen), the net, the tax (rounded half up once, as on invoices),
the gross and the deposit. Pure: nothing here reads or writes."""
from dataclasses import dataclass

from chalicelib.setup import tax as tax_rules


@dataclass(frozen=True)
class Totals:
    lines_cents: int  # the sum of the counted lines, as priced (with or without the tax, as the business prices)
    subtotal_cents: int  # net
    tax_cents: int
    total_cents: int  # gross
    deposit_cents: int  # what the deposit invoice asks for, with tax; 0 without a deposit
    optional_cents: int  # the sum of every optional line, chosen or not (what the customer may add)

    def to_dict(self) -> dict:
        return {"subtotal_cents": self.subtotal_cents, "tax_cents": self.tax_cents, "total_cents": self.total_cents,
                "deposit_cents": self.deposit_cents, "balance_cents": self.total_cents - self.deposit_cents}


def line_total(line: dict) -> int:
    return int(line["quantity"]) * int(line["unit_price_cents"])


def counted_lines(lines: list[dict], chosen_optional: set[str] | None = None) -> list[dict]:
    """The required lines and the optional ones in `chosen_optional` (by `line_id`); with
    `chosen_optional` None, every optional line is left out."""
    chosen = chosen_optional or set()
    return [line for line in lines if not line.get("optional") or line["line_id"] in chosen]


def deposit_cents(deposit: dict | None, total_cents: int) -> int:
    """A percentage (`percent_basis_points`, 2500 = 25 %) of the gross total, rounded half up,
    or a fixed amount (`amount_cents`, never more than the total)."""
    if not deposit:
        return 0
    if deposit.get("percent_basis_points") is not None:
        return (int(total_cents) * int(deposit["percent_basis_points"]) + 5000) // 10000
    return min(int(deposit.get("amount_cents") or 0), int(total_cents))


def compute(lines: list[dict], chosen_optional: set[str] | None, rate_basis_points: int, prices_include_tax: bool,
            deposit: dict | None = None) -> Totals:
    """The totals of a quote for the lines that count (see `counted_lines`)."""
    counted = counted_lines(lines, chosen_optional)
    amount = sum(line_total(line) for line in counted)
    net, tax, gross = tax_rules.split(amount, rate_basis_points, prices_include_tax)
    optional = sum(line_total(line) for line in lines if line.get("optional"))
    return Totals(amount, net, tax, gross, deposit_cents(deposit, gross), optional)
