/* The order page's invoice: GET /orders/{id}/invoice (the current one, with the void ones it
 * replaced), its PDF, totals, what is paid and owed, its payments; for an admin: record a payment
 * (POST /invoices/{id}/payments with an Idempotency-Key), void with a reason, reissue after a void
 * (POST /orders/{id}/invoice) and resend by email. A dispatcher sees the invoice and why those
 * actions are not theirs. A job whose accepted quote asked for a deposit also shows its deposit
 * invoice (GET /invoices/{order.deposit.invoice_id}) with its own payments, and its final invoice
 * shows the deposit it deducts. */

import { api } from '../api.js';
import { el, button, field, dialog, hidden } from '../dom.js';
import { dateLong, money } from '../format.js';
import { toCents } from './order-items.js';

const enc = encodeURIComponent;
const METHODS = [['bank_transfer', 'Bank transfer'], ['card', 'Card'], ['cash', 'Cash'], ['cheque', 'Cheque'], ['other', 'Other']];
const STATUS = { issued: 'Issued', paid: 'Paid', void: 'Void' };

function invoiceSection(page) {
  const { state } = page;
  let invoice = null; // null: none yet
  let deposit = null; // the job's deposit invoice, when its quote asked for one
  let failed = null;

  async function load() {
    failed = null;
    try {
      invoice = (await api(`/orders/${enc(page.state.order ? page.state.order.order_id : page.ctx.parts[0])}/invoice`)).data;
    } catch (error) {
      invoice = null;
      if (error.status !== 404) failed = error.message;
    }
    deposit = (invoice && invoice.deposit_invoice) || null;
    const asked = page.state.order && page.state.order.deposit;
    if (!deposit && asked && asked.invoice_id) {
      try {
        deposit = (await api(`/invoices/${enc(asked.invoice_id)}`)).data;
      } catch (error) {
        deposit = null;
        if (error.status !== 404) failed = error.message;
      }
    }
  }

  const cur = (inv = invoice) => (inv && inv.currency) || (invoice && invoice.currency) || undefined;

  function paymentForm(inv) {
    const amount = el('input', { type: 'text', inputmode: 'decimal', value: (inv.balance_cents / 100).toFixed(2), autocomplete: 'off' });
    const method = el('select', {}, METHODS.map(([v, t]) => el('option', { value: v }, t)));
    const reference = el('input', { type: 'text', maxlength: '100', autocomplete: 'off' });
    const a = field({ label: `Amount (${inv.currency})`, control: amount, hint: `Owed: ${money(inv.balance_cents, cur(inv))}` });
    const m = field({ label: 'Method', control: method });
    const r = field({ label: 'Reference', control: reference, optional: true });
    const form = el('form', { class: 'of-invoice-pay', novalidate: true, 'aria-label': `Record a payment on ${inv.number}` },
      el('div', { class: 'of-invoice-pay-row' }, a.element, m.element, r.element),
      button('Record payment', null, { type: 'submit', attrs: { 'data-write': true } }));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      a.clearError();
      const cents = toCents(amount.value);
      if (!cents) { a.setError('An amount such as 120.00'); amount.focus(); return; }
      if (cents > inv.balance_cents) { a.setError(`At most what is owed, ${money(inv.balance_cents, cur(inv))}`); amount.focus(); return; }
      const body = { amount_cents: cents, method: method.value, ...(reference.value.trim() ? { reference: reference.value.trim() } : {}) };
      page.act('invoice', `pay:${inv.invoice_id}:${JSON.stringify(body)}`,
        (key) => api(`/invoices/${enc(inv.invoice_id)}/payments`, { method: 'POST', key, body }),
        `Recorded a payment of ${money(cents, cur(inv))}.`).then((done) => done && page.reload().then(() => page.render('invoice')));
    });
    return form;
  }

  function voidIt(inv) {
    const reason = el('textarea', { rows: '3', maxlength: '500' });
    const f = field({ label: 'Reason', control: reason, hint: 'Printed on the credit note.', optional: true });
    const d = dialog({
      title: `Void invoice ${inv.number}?`,
      body: [el('p', {}, 'A credit note cancels it. Correct the order, then reissue.'), f.element],
      actions: [
        button('Void invoice', () => {
          d.close();
          page.act('invoice', null, () => api(`/invoices/${enc(inv.invoice_id)}/void`, { method: 'POST',
            body: reason.value.trim() ? { reason: reason.value.trim() } : {} }), `Invoice ${inv.number} is void.`);
        }, { kind: 'danger' }),
        button('Keep it', () => d.close(), { kind: 'secondary' }),
      ],
    });
  }

  function adminActions(inv) {
    if (!page.isAdmin) {
      return el('p', { class: 'of-hint of-invoice-admin-only' },
        'Recording payments, voiding, reissuing and resending invoices is for an admin: ask one to do it.');
    }
    const orderId = state.order.order_id;
    const buttons = [];
    if (inv.status !== 'void') {
      buttons.push(button('Resend by email', () => page.act('invoice', null,
        () => api(`/invoices/${enc(inv.invoice_id)}/resend`, { method: 'POST' }), `Invoice ${inv.number} sent again.`),
      { kind: 'secondary', attrs: { 'data-write': true } }));
    }
    if (inv.status === 'issued' && !(inv.payments || []).length) {
      buttons.push(button('Void…', () => voidIt(inv), { kind: 'secondary', attrs: { 'data-write': true } }));
    }
    if (inv.status === 'void') {
      buttons.push(button('Reissue invoice', () => page.act('invoice', null,
        () => api(`/orders/${enc(orderId)}/invoice`, { method: 'POST' }), 'A new invoice was issued.')
        .then((done) => done && page.reload().then(() => page.render('invoice'))), { attrs: { 'data-write': true } }));
    }
    return [inv.status === 'issued' && inv.balance_cents > 0 ? paymentForm(inv) : null,
      buttons.length ? el('div', { class: 'of-button-row' }, buttons) : null];
  }

  function payments(inv) {
    const list = inv.payments || [];
    if (!list.length) return el('p', { class: 'of-muted' }, 'No payments recorded.');
    return el('div', { class: 'of-table-wrap' }, el('table', { class: 'of-table of-invoice-payments' },
      el('caption', { class: 'of-visually-hidden' }, 'Payments'),
      el('thead', {}, el('tr', {}, ['Received', 'Method', 'Reference', 'Recorded by', 'Amount'].map((h, i) =>
        el('th', { scope: 'col', class: i === 4 ? 'of-num' : null }, h)))),
      el('tbody', {}, list.map((p) => el('tr', {},
        el('td', {}, p.at ? page.when(p.at) : '–'),
        el('td', {}, (METHODS.find(([v]) => v === p.method) || [null, p.method])[1]),
        el('td', {}, p.reference || '–'),
        el('td', {}, p.recorded_by ? page.who(p.recorded_by) : '–'),
        el('td', { class: 'of-num' }, money(p.amount_cents, cur(inv))))))));
  }

  function chip(inv) {
    return el('span', { class: `of-chip of-chip--${inv.status === 'void' ? 'cancelled' : inv.status === 'paid' ? 'paid' : 'invoiced'}` },
      STATUS[inv.status] || inv.status);
  }

  function pdfLink(inv, what) {
    return inv.pdf_url ? el('a', { class: 'of-button of-button--secondary of-button--small', href: inv.pdf_url, target: '_blank', rel: 'noopener noreferrer' },
      'PDF', hidden(` of ${what} ${inv.number} (opens in a new tab)`)) : null;
  }

  /** The deposit invoice: its figures, its payments and (admins) recording one. */
  function depositPart(dep) {
    return el('div', { class: 'of-invoice-deposit', role: 'group', 'aria-labelledby': 'of-order-deposit-h' },
      el('h3', { class: 'of-invoice-sub', id: 'of-order-deposit-h' }, 'Deposit invoice'),
      el('div', { class: 'of-invoice-head' }, el('p', {}, el('strong', {}, dep.number), ' ', chip(dep)), pdfLink(dep, 'deposit invoice')),
      el('dl', { class: 'of-dl of-invoice-figures' },
        el('dt', {}, 'Issued'), el('dd', {}, dep.issued_at ? page.when(dep.issued_at) : '–'),
        el('dt', {}, 'Deposit'), el('dd', {}, money(dep.total_cents, cur(dep)),
          dep.tax_cents ? el('span', { class: 'of-muted' }, ` (of which tax ${money(dep.tax_cents, cur(dep))})`) : null),
        el('dt', {}, 'Paid'), el('dd', {}, money(dep.paid_cents, cur(dep))),
        el('dt', {}, 'Owed'), el('dd', { class: 'of-invoice-deposit-balance' }, money(dep.balance_cents, cur(dep))),
        el('dt', {}, 'Emailed'), el('dd', {}, dep.sent_at ? page.when(dep.sent_at) : (dep.delivery || 'Not yet'))),
      payments(dep),
      page.isAdmin && dep.status === 'issued' && dep.balance_cents > 0 ? paymentForm(dep) : null);
  }

  function element() {
    const head = el('h2', { class: 'of-heading', id: 'of-order-invoice-h', tabindex: '-1', 'data-section-heading': 'invoice' }, 'Invoice');
    const notice = el('div', { 'data-notice': 'invoice' }, page.noticeBox(state.notices.invoice));
    if (!invoice) {
      return el('section', { class: 'of-card of-order-invoice', 'aria-labelledby': 'of-order-invoice-h' }, head, notice,
        el('p', { class: 'of-muted' }, failed ? `The invoice could not be loaded: ${failed}`
          : deposit ? 'No final invoice yet: it is issued when the job is completed, less the deposit.'
            : 'No invoice yet: it is issued when the job is completed.'),
        deposit ? depositPart(deposit) : null,
        button('Check again', () => load().then(() => page.render('invoice')), { kind: 'secondary', small: true }));
    }
    const inv = invoice;
    return el('section', { class: 'of-card of-order-invoice', 'aria-labelledby': 'of-order-invoice-h' }, head, notice,
      el('div', { class: 'of-invoice-head' },
        el('p', {}, el('strong', {}, inv.number), ' ', el('span', { class: `of-chip of-chip--${inv.status === 'void' ? 'cancelled' : inv.status === 'paid' ? 'paid' : 'invoiced'}` },
          STATUS[inv.status] || inv.status)),
        inv.pdf_url ? el('a', { class: 'of-button of-button--secondary of-button--small', href: inv.pdf_url, target: '_blank', rel: 'noopener noreferrer' },
          'PDF', hidden(` of invoice ${inv.number} (opens in a new tab)`)) : null),
      el('dl', { class: 'of-dl of-invoice-figures' },
        el('dt', {}, 'Issued'), el('dd', {}, inv.issued_at ? page.when(inv.issued_at) : '–'),
        el('dt', {}, 'Due'), el('dd', {}, inv.due_date ? dateLong(inv.due_date) : '–'),
        inv.deposit_deducted ? [
          el('dt', {}, 'Work'), el('dd', {}, money(inv.deposit_deducted.work_total_cents, cur())),
          el('dt', {}, 'Less deposit'), el('dd', {}, `${money(inv.deposit_deducted.work_total_cents - inv.total_cents, cur())} (invoice ${inv.deposit_deducted.number})`)] : null,
        el('dt', {}, inv.deposit_deducted ? 'Due on this invoice' : 'Total'), el('dd', { class: 'of-invoice-total' }, money(inv.total_cents, cur()),
          inv.tax_cents ? el('span', { class: 'of-muted' }, ` (of which tax ${money(inv.tax_cents, cur())})`) : null),
        el('dt', {}, 'Paid'), el('dd', {}, money(inv.paid_cents, cur())),
        el('dt', {}, 'Owed'), el('dd', { class: 'of-invoice-balance' }, money(inv.balance_cents, cur())),
        el('dt', {}, 'Emailed'), el('dd', {}, inv.sent_at ? page.when(inv.sent_at) : (inv.delivery || 'Not yet'))),
      inv.credit_note ? el('p', { class: 'of-invoice-credit' }, `Credit note ${inv.credit_note.number}`,
        inv.credit_note.reason ? `: ${inv.credit_note.reason}` : '',
        inv.credit_note.pdf_url ? [' · ', el('a', { href: inv.credit_note.pdf_url, target: '_blank', rel: 'noopener noreferrer' }, 'PDF',
          hidden(` of credit note ${inv.credit_note.number} (opens in a new tab)`))] : null) : null,
      el('h3', { class: 'of-invoice-sub' }, 'Payments'), payments(inv),
      adminActions(inv),
      deposit ? depositPart(deposit) : null,
      (inv.earlier || []).length ? [el('h3', { class: 'of-invoice-sub' }, 'Earlier invoices'),
        el('ul', { class: 'of-invoice-earlier' }, inv.earlier.map((e) => el('li', {}, `${e.number} (${STATUS[e.status] || e.status})`,
          e.pdf_url ? [' · ', el('a', { href: e.pdf_url, target: '_blank', rel: 'noopener noreferrer' }, 'PDF', hidden(` of invoice ${e.number}`))] : null)))] : null);
  }

  /** The number of the order's invoice while it stands (not void), else null. */
  const standing = () => (invoice && invoice.status !== 'void' ? invoice.number : null);

  return { load, element, standing };
}

export { invoiceSection };
