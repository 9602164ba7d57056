/* The quote builder's parts that read no screen state (views/quote.js draws them): the
 * business's quote settings (validity, deposit, tax) with their fallbacks, the kinds of work a
 * quote can be for, a new draft or one made from a refused quote, and the totals box. */

import { state, priceItem } from '../data.js';
import { el, uid } from '../dom.js';
import { money, today, addDays } from '../format.js';
import { quoteTotals } from './quote-totals.js';

var DEFAULT_VALIDITY_DAYS = 30;

/** The kinds of work a quote can be for: every kind but the estimate itself; installation
 * when the kinds are not known (GET /workflow/kinds not loaded yet, or before kinds existed). */
function quoteKinds() {
  var rows = ((state.kinds && state.kinds.kinds) || []).filter(function (k) { return k.key !== 'estimate'; });
  return rows.length ? rows : [{ key: 'installation', label: 'Installation', services: [] }];
}

function businessQuotes() { return (state.business && state.business.quotes) || {}; }

function validityDays() {
  var days = Number(businessQuotes().validity_days);
  return Number.isInteger(days) && days > 0 ? days : DEFAULT_VALIDITY_DAYS;
}

/** The tax the totals are counted with: the business's settings, else the order's `tax`. */
function taxBasis(order) {
  var b = state.business;
  if (b && b.tax_rate_basis_points !== undefined) {
    return { name: b.tax_name || (order && order.tax && order.tax.name) || 'Tax', rate_basis_points: Number(b.tax_rate_basis_points) || 0,
      prices_include_tax: b.prices_include_tax === true };
  }
  var t = (order && order.tax) || {};
  return { name: t.name || 'Tax', rate_basis_points: Number(t.rate_basis_points) || 0, prices_include_tax: t.included === true };
}

function percent(basisPoints) { return (basisPoints / 100).toLocaleString('en-GB', { maximumFractionDigits: 2 }) + ' %'; }

function newDraft(orderId) {
  var kinds = quoteKinds();
  return { order_id: orderId, kind: kinds[0].key, service_id: '', title: '', valid_until: addDays(today(), validityDays()),
    notes: '', lines: [], failed_key: null };
}

function draftFromItem(orderId, item) {
  var b = item.body;
  return { order_id: orderId, kind: b.kind, service_id: b.service_id || '', title: b.title || '', valid_until: b.valid_until,
    notes: b.notes || '', failed_key: item.key,
    lines: b.lines.map(function (l) { return { key: uid('tc-ql'), price_item_id: l.price_item_id, quantity: l.quantity, optional: !!l.optional }; }) };
}

/** A draft line's money: its price from the price list (0 when it is no longer there). */
function lineMoney(line) {
  var p = priceItem(line.price_item_id);
  return { quantity: Number(line.quantity) || 0, unit_price_cents: p ? p.unit_price_cents : 0, optional: line.optional };
}

/** The totals of the draft's lines, as the server counts them, with the extras apart. */
function totalsParts(lines, order) {
  var tax = taxBasis(order);
  var deposit = businessQuotes().deposit || null;
  var t = quoteTotals(lines.map(lineMoney), tax, deposit);
  var extras = lines.filter(function (l) { return l.optional; });
  var taxWords = tax.name + ' ' + percent(tax.rate_basis_points);
  return [
    el('dl', { class: 'tc-quote-sums' },
      el('div', {}, el('dt', {}, tax.prices_include_tax ? 'Net (excl. ' + tax.name + ')' : 'Subtotal (excl. ' + tax.name + ')'), el('dd', {}, money(t.subtotal_cents))),
      el('div', {}, el('dt', {}, taxWords), el('dd', {}, money(t.tax_cents))),
      el('div', { class: 'tc-quote-total' }, el('dt', {}, 'Total (incl. ' + tax.name + ')'), el('dd', { 'data-quote-total': '' }, money(t.total_cents))),
      el('div', { class: 'tc-quote-deposit' }, el('dt', {}, deposit ? 'Deposit' + (deposit.percent_basis_points != null ? ' (' + percent(deposit.percent_basis_points) + ')' : '') : 'Deposit'),
        el('dd', {}, deposit ? money(t.deposit_cents) : 'None'))),
    deposit ? el('p', { class: 'tc-hint' }, 'The deposit is set by the office. The customer pays it when they accept.') : null,
    extras.length ? el('div', { class: 'tc-quote-extras' },
      el('h3', { class: 'tc-quote-extras-title' }, 'Optional extras, not in the total'),
      el('ul', {}, extras.map(function (l) {
        var p = priceItem(l.price_item_id);
        var m = lineMoney(l);
        return el('li', {}, el('span', {}, m.quantity + ' × ' + (p ? p.name : l.price_item_id)), el('span', {}, '+ ' + money(m.quantity * m.unit_price_cents)));
      })),
      el('p', { class: 'tc-quote-extras-total' }, el('span', {}, 'With every extra'), el('span', { 'data-quote-with-extras': '' }, money(t.with_extras_cents)))) : null];
}

export { quoteKinds, businessQuotes, validityDays, taxBasis, percent, newDraft, draftFromItem, lineMoney, totalsParts };
