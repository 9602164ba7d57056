/* A quote's page, `#/quotes/{id}` (GET /quotes/{id}): its status, the estimate order it was made
 * on and the job order accepting created (links to `#/orders/{id}`), the lines (required, then
 * the optional ones the customer may tick), the totals and deposit, validity, notes and terms,
 * and its history: created, sent (and whether the email went), reminders, accepted by whom and
 * when with the optional lines they chose, declined with the reason, expired, superseded by a
 * later revision. A draft is edited in place (views/quote-edit.js) and sent with Send
 * (POST /quotes/{id}/send with an Idempotency-Key, the button disabled while it runs); a sent,
 * declined or expired quote gets "New revision" (POST /quotes/{id}/revisions), which opens the
 * new draft. */

import { api, uuid } from '../api.js';
import { el, fill, alertBox, button, say, alarm, focusOn, hidden } from '../dom.js';
import { dateLong, dateTime, money } from '../format.js';
import { statusChip, referenceOf, totalsOf, whoOf, loadStaffNames } from './quotes-common.js';
import { quoteEditor } from './quote-edit.js';

const enc = encodeURIComponent;
const when = (iso, tz) => el('time', { datetime: iso }, dateTime(iso, tz));

function depositText(deposit) {
  if (!deposit) return 'None';
  if (deposit.percent_basis_points !== undefined && deposit.percent_basis_points !== null) {
    return `${(deposit.percent_basis_points / 100).toString()} % of the total`;
  }
  if (deposit.amount_cents !== undefined && deposit.amount_cents !== null) return money(deposit.amount_cents);
  return 'None';
}

const lineTotal = (l) => (l.total_cents !== undefined && l.total_cents !== null ? l.total_cents : l.quantity * l.unit_price_cents);

/** The lines as a table: required ones, then optional ones (marked, and ticked when accepted). */
function linesTable(q) {
  const lines = q.lines || [];
  const chosen = new Set((q.accepted && q.accepted.optional_lines) || []);
  const required = lines.filter((l) => !l.optional);
  const optional = lines.filter((l) => l.optional);
  const t = totalsOf(q);
  const tax = q.tax || {};
  const taxName = tax.name || 'Tax';
  const row = (l) => el('tr', { 'data-line': l.line_id, class: l.optional ? 'of-quote-optional' : null },
    el('th', { scope: 'row' }, l.description,
      l.optional ? el('span', { class: 'of-quote-tag' }, q.accepted ? (chosen.has(l.line_id) ? 'Optional, chosen' : 'Optional, not chosen') : 'Optional') : null),
    el('td', { class: 'of-num' }, String(l.quantity)),
    el('td', { class: 'of-num' }, money(l.unit_price_cents)),
    el('td', { class: 'of-num' }, money(lineTotal(l))));
  const foot = (label, cents, strong) => el('tr', { class: strong ? 'of-quote-total' : null },
    el('th', { scope: 'row', colspan: '3' }, label), el('td', { class: 'of-num' }, money(cents)));
  if (!lines.length) return el('p', { class: 'of-empty' }, 'No lines yet.');
  const a = q.accepted;
  const at = a && (a.totals || a);
  return el('div', { class: 'of-table-wrap' }, el('table', { class: 'of-table of-quote-lines' },
    el('caption', { class: 'of-visually-hidden' }, 'Lines of the quote'),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Item'), el('th', { scope: 'col', class: 'of-num' }, 'Qty'),
      el('th', { scope: 'col', class: 'of-num' }, 'Unit price'), el('th', { scope: 'col', class: 'of-num' }, 'Total'))),
    el('tbody', {}, required.map(row)),
    optional.length ? el('tbody', { class: 'of-quote-optional-group' },
      el('tr', {}, el('th', { scope: 'rowgroup', colspan: '4', class: 'of-quote-group-head' }, 'Optional lines (the customer may add them)')),
      optional.map(row)) : null,
    el('tfoot', {},
      foot(`Subtotal${tax.prices_include_tax ? ` (incl. ${taxName})` : ''}`, t.subtotal_cents),
      foot(`${taxName}${tax.rate_basis_points !== undefined ? ` ${tax.rate_basis_points / 100} %` : ''}`, t.tax_cents),
      foot(optional.length ? 'Total of the required lines' : 'Total', t.total_cents, true),
      t.deposit_cents ? foot('Deposit on acceptance', t.deposit_cents) : null,
      a && at && at.total_cents !== undefined ? foot('Total accepted (with the chosen options)', at.total_cents, true) : null)));
}

/** The quote's story, oldest first. */
function historyItems(q, tz) {
  const items = [];
  const add = (at, text, extra) => { if (at) items.push({ at, text, extra }); };
  add(q.created_at, `Created by ${whoOf(q, q.created_by)}`);
  if (q.updated_at && q.updated_at !== q.created_at && q.status === 'draft') add(q.updated_at, `Last changed by ${whoOf(q, q.updated_by)}`);
  if (q.sent_at) {
    const d = q.delivery || {};
    const mail = d.status === 'failed' ? ' – the email could not be delivered' : d.status === 'no_email' ? ' – the customer has no email address' : '';
    add(q.sent_at, `Sent to ${(q.customer && q.customer.email) || 'the customer'} by ${whoOf(q, q.sent_by)}${mail}`);
  }
  (q.reminder_log || []).forEach((r, i) => add(r.at || r.sent_at, `Reminder ${r.number || i + 1} sent to the customer`));
  if (q.accepted) {
    const chosen = new Set(q.accepted.optional_lines || []);
    const names = (q.lines || []).filter((l) => l.optional && chosen.has(l.line_id)).map((l) => l.description);
    add(q.accepted.at, `Accepted by ${q.accepted.name}`, names.length ? `Optional lines chosen: ${names.join(', ')}.`
      : (q.lines || []).some((l) => l.optional) ? 'No optional lines chosen.' : null);
  }
  if (q.declined) add(q.declined.at, 'Declined by the customer', q.declined.reason ? `Reason: “${q.declined.reason}”` : null);
  if (q.expired_at) add(q.expired_at, 'Expired unanswered');
  if (q.status === 'superseded' || q.superseded_by) {
    const next = q.superseded_by;
    const newer = (q.revisions || []).find((r) => r.quote_id === next);
    const label = newer ? `revision ${newer.revision} (${referenceOf(newer)})` : 'a later revision';
    items.push({ at: q.superseded_at || null, text: 'Superseded by ', link: next ? { href: `#/quotes/${enc(next)}`, text: label } : null, plain: next ? null : label });
  }
  items.forEach((e, i) => { e.seq = i; e.ms = e.at ? Date.parse(e.at) : Infinity; });
  return items.sort((a, b) => (a.ms - b.ms) || (a.seq - b.seq)).map((e) => el('li', { class: 'of-quote-event' },
    el('p', {}, el('strong', {}, e.text, e.link ? el('a', { href: e.link.href }, e.link.text) : e.plain || null),
      e.at ? el('span', { class: 'of-muted' }, ' · ', when(e.at, tz)) : null),
    e.extra ? el('p', { class: 'of-quote-event-extra' }, e.extra) : null));
}

function quotePage(root, ctx, quoteId) {
  const tz = ctx.business && ctx.business.timezone;
  const heading = el('h1', { class: 'of-title', tabindex: '-1' }, 'Quote');
  const state = { quote: null, revisions: [], notice: null, keys: {}, busy: false };
  let editor = null;

  async function reload() {
    state.quote = (await api(`/quotes/${enc(quoteId)}`)).data;
    state.revisions = [];
    try { // the other revisions of its number, from its order's quotes
      const all = ((await api(`/orders/${enc(state.quote.order_id)}/quotes`)).data || {}).quotes || [];
      state.revisions = all.filter((r) => r.number === state.quote.number).sort((a, b) => String(a.revision).localeCompare(String(b.revision)));
    } catch (e) { /* the page still shows the quote */ }
  }

  const page = { ctx, tz, state, reload, render, who: (id) => whoOf(state.quote, id), when: (iso) => when(iso, tz) };

  function notice() {
    const n = state.notice;
    return n ? alertBox(n.kind, n.title, n.text, n.list && n.list.length ? el('ul', {}, n.list.map((t) => el('li', {}, t))) : null) : null;
  }

  /** Send, or make a new revision: once per key until answered; the button says what is going on. */
  async function act(name, call, busyText, control) {
    if (state.busy) return null;
    state.busy = true;
    const before = control.textContent;
    control.disabled = true;
    control.setAttribute('aria-disabled', 'true');
    control.textContent = busyText;
    root.querySelectorAll('[data-write]').forEach((b) => { b.disabled = true; });
    const key = state.keys[name] = state.keys[name] || uuid();
    try {
      const answer = await call(key);
      delete state.keys[name];
      return answer.data;
    } catch (error) {
      if (error.status !== 0) delete state.keys[name]; // no answer: a retry keeps its key
      if (error.status === 409) { try { await reload(); } catch (e) { /* drawn with what we have */ } }
      const list = Array.isArray(error.details) ? error.details.map((p) => `${p.field}: ${p.message}`)
        : error.details && Array.isArray(error.details.fields) ? error.details.fields.map((p) => `${p.field}: ${p.message}`) : [];
      state.notice = { kind: error.status === 409 ? 'warning' : 'error', title: error.status === 409 ? 'The quote had changed' : 'That was refused', text: error.message, list };
      alarm(`${state.notice.title}. ${error.message}`);
      render('notice');
      return null;
    } finally {
      state.busy = false;
      if (control.isConnected) { control.disabled = false; control.removeAttribute('aria-disabled'); control.textContent = before; }
    }
  }

  async function send(control) {
    const q = state.quote;
    if (editor && editor.dirty()) {
      const ok = await editor.save();
      if (!ok) return;
      control = root.querySelector('[data-send]') || control; // the page was drawn again
    }
    const sent = await act('send', (key) => api(`/quotes/${enc(q.quote_id)}/send`, { method: 'POST', key, body: {} }),
      'Sending…', control);
    if (!sent) return;
    if (sent.quote_id === q.quote_id && sent.status) state.quote = sent; else await reload();
    const to = (state.quote.customer && state.quote.customer.email) || 'the customer';
    state.notice = { kind: 'success', title: `Quote ${referenceOf(state.quote)} sent to ${to}` };
    say(state.notice.title);
    editor = null;
    render('notice');
  }

  async function revise(control) {
    const q = state.quote;
    const draft = await act('revise', (key) => api(`/quotes/${enc(q.quote_id)}/revisions`, { method: 'POST', key, body: {} }), 'Making it…', control);
    if (!draft) return;
    say(`Revision ${draft.revision || ''} made as a draft.`);
    ctx.go(`#/quotes/${enc(draft.quote_id)}`);
  }

  function summaryCard(q) {
    const job = q.job_order_id || (q.job && q.job.order_id);
    return el('section', { class: 'of-card of-quote-summary', 'aria-labelledby': 'of-quote-summary-h' },
      el('h2', { class: 'of-heading', id: 'of-quote-summary-h' }, 'Summary'),
      el('dl', { class: 'of-dl' },
        el('dt', {}, 'Status'), el('dd', {}, statusChip(q.status)),
        el('dt', {}, 'Customer'), el('dd', {}, (q.customer && q.customer.name) || '–',
          q.customer && q.customer.email ? el('span', { class: 'of-muted' }, ` · ${q.customer.email}`) : null),
        el('dt', {}, 'Address'), el('dd', {}, q.address ? [q.address.street, [q.address.postcode, q.address.city].filter(Boolean).join(' ')].filter(Boolean).join(', ') : '–'),
        el('dt', {}, 'Valid until'), el('dd', {}, q.valid_until ? dateLong(q.valid_until) : '–'),
        el('dt', {}, 'Deposit'), el('dd', {}, depositText(q.deposit)),
        el('dt', {}, 'Estimate'), el('dd', {}, q.order_id ? el('a', { href: `#/orders/${enc(q.order_id)}`, 'data-estimate': true }, `Order ${q.order_id}`) : '–'),
        el('dt', {}, 'Job'), el('dd', {}, job ? el('a', { href: `#/orders/${enc(job)}`, 'data-job': true }, `Order ${job}`)
          : el('span', { class: 'of-muted' }, q.status === 'accepted' ? 'Being created…' : 'Made when the customer accepts'))));
  }

  function actionsCard(q) {
    const buttons = [];
    if (q.status === 'draft') {
      const b = button('Send to the customer', () => send(b), { attrs: { 'data-write': true, 'data-send': true } });
      buttons.push(b);
    }
    if (['sent', 'declined', 'expired'].includes(q.status)) {
      const b = button('New revision', () => revise(b), { kind: 'secondary', attrs: { 'data-write': true } });
      buttons.push(b);
    }
    const explain = q.status === 'draft'
      ? 'Sending emails the quote as a PDF with a link where the customer can accept or decline it. Unsaved changes are saved first.'
      : q.status === 'sent' ? 'Waiting for the customer. A new revision replaces this one once it is sent.'
        : q.status === 'accepted' ? 'Accepted: the job order holds the accepted lines.'
          : q.status === 'superseded' ? 'A later revision replaced this one; it can no longer be accepted.'
            : 'The customer did not take this quote. A new revision can be sent.';
    return el('section', { class: 'of-card of-quote-actions', 'aria-labelledby': 'of-quote-actions-h' },
      el('h2', { class: 'of-heading', id: 'of-quote-actions-h' }, 'What next'),
      el('p', { class: 'of-muted' }, explain),
      buttons.length ? el('div', { class: 'of-button-row' }, buttons) : null);
  }

  function textsCard(q) {
    if (!q.notes && !q.terms) return null;
    return el('section', { class: 'of-card of-quote-texts', 'aria-labelledby': 'of-quote-texts-h' },
      el('h2', { class: 'of-heading', id: 'of-quote-texts-h' }, 'Notes and terms'),
      q.notes ? [el('h3', { class: 'of-quote-subhead' }, 'Notes'), el('p', { class: 'of-quote-text' }, q.notes)] : null,
      q.terms ? [el('h3', { class: 'of-quote-subhead' }, 'Terms'), el('p', { class: 'of-quote-text' }, q.terms)] : null);
  }

  function historyCard(q) {
    return el('section', { class: 'of-card of-quote-history', 'aria-labelledby': 'of-quote-history-h' },
      el('h2', { class: 'of-heading', id: 'of-quote-history-h' }, 'History'),
      el('ol', { class: 'of-quote-events', 'aria-label': 'Oldest first' }, historyItems({ ...q, revisions: state.revisions }, tz)),
      (state.revisions || []).length > 1 ? [el('h3', { class: 'of-quote-subhead' }, 'Revisions'),
        el('ul', { class: 'of-quote-revisions' }, state.revisions.map((r) => el('li', {},
          r.quote_id === q.quote_id ? el('strong', {}, `Revision ${r.revision}`, hidden(' (this one)'))
            : el('a', { href: `#/quotes/${enc(r.quote_id)}` }, `Revision ${r.revision}`), ' ', statusChip(r.status))))] : null);
  }

  function render(focus) {
    const q = state.quote;
    heading.replaceChildren(`Quote ${referenceOf(q)}`);
    if (q.status === 'draft' && !editor) editor = quoteEditor(page);
    if (q.status !== 'draft') editor = null;
    const main = q.status === 'draft'
      ? editor.element()
      : [el('section', { class: 'of-card of-quote-lines-card', 'aria-labelledby': 'of-quote-lines-h' },
        el('h2', { class: 'of-heading', id: 'of-quote-lines-h' }, 'Lines'), linesTable(q)), textsCard(q)];
    fill(root, el('div', { class: 'of-quote' },
      el('p', { class: 'of-quote-back' }, el('a', { href: '#/quotes' }, '← All quotes')),
      el('div', { class: 'of-screen-head' }, el('div', {}, heading,
        el('p', { class: 'of-subtitle' }, q.title || 'Untitled', ' · ', (q.customer && q.customer.name) || '', ' · ', statusChip(q.status)))),
      el('div', { 'data-notice': true }, notice()),
      el('div', { class: 'of-quote-columns' },
        el('div', { class: 'of-quote-main' }, main),
        el('div', { class: 'of-quote-side' }, actionsCard(q), summaryCard(q), historyCard(q)))));
    if (focus === 'notice') focusOn(root.querySelector('[data-notice] .of-alert') || heading);
  }

  return (async () => {
    try {
      await Promise.all([reload(), loadStaffNames()]);
      if (state.quote.status === 'draft') {
        editor = quoteEditor(page);
        await editor.load();
      }
    } catch (error) {
      fill(root, el('div', { class: 'of-quote' }, el('p', { class: 'of-quote-back' }, el('a', { href: '#/quotes' }, '← All quotes')),
        heading, alertBox(error.status === 404 ? 'warning' : 'error',
          error.status === 404 ? 'There is no such quote' : 'The quote could not be loaded', error.message)));
      return { title: 'Quote', heading };
    }
    render(null);
    return { title: `Quote ${referenceOf(state.quote)}`, heading };
  })();
}

export { quotePage, linesTable, depositText };
