/* A quote's money as the server counts it (chalicelib/quotes/totals.py), for the live totals of
 * the quote builder: integer cents; the lines that count are the required ones (optional extras
 * are the customer's to add, shown apart); the tax rounded half up once, on the total; the
 * deposit a percentage of the gross total (half up) or an amount (never more than the total).
 * Pure: nothing here reads the page or the network. */

/** (net, tax, gross) of an amount, as tax.split: `inclusive` when the prices include the tax. */
function split(amount, rate, inclusive) {
  amount = Math.round(amount);
  rate = Math.round(rate || 0);
  var tax;
  if (inclusive) {
    // half up of amount * rate / (10000 + rate), in integers
    tax = Math.floor((amount * rate * 2 + (10000 + rate)) / (2 * (10000 + rate)));
    return { net: amount - tax, tax: tax, gross: amount };
  }
  tax = Math.floor((amount * rate + 5000) / 10000);
  return { net: amount, tax: tax, gross: amount + tax };
}

function lineTotal(line) { return Math.round(line.quantity) * Math.round(line.unit_price_cents); }

function depositCents(deposit, gross) {
  if (!deposit) return 0;
  if (deposit.percent_basis_points !== null && deposit.percent_basis_points !== undefined) {
    return Math.floor((gross * deposit.percent_basis_points + 5000) / 10000);
  }
  return Math.min(Math.round(deposit.amount_cents || 0), gross);
}

/** lines: [{quantity, unit_price_cents, optional}]; tax: {rate_basis_points, prices_include_tax}. */
function quoteTotals(lines, tax, deposit) {
  var required = lines.filter(function (l) { return !l.optional; });
  var optional = lines.filter(function (l) { return l.optional; });
  var amount = required.reduce(function (sum, l) { return sum + lineTotal(l); }, 0);
  var parts = split(amount, tax.rate_basis_points, tax.prices_include_tax);
  var extras = optional.reduce(function (sum, l) { return sum + lineTotal(l); }, 0);
  var deposited = depositCents(deposit, parts.gross);
  return {
    lines_cents: amount, subtotal_cents: parts.net, tax_cents: parts.tax, total_cents: parts.gross,
    deposit_cents: deposited, balance_cents: parts.gross - deposited,
    optional_cents: extras, // as priced (with or without the tax, as the business prices)
    // the total if the customer adds every extra (the tax again rounded once, on that total)
    with_extras_cents: split(amount + extras, tax.rate_basis_points, tax.prices_include_tax).gross,
  };
}

export { split, lineTotal, depositCents, quoteTotals };
