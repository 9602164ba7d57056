/* A job's "Quote" section: the quotes of the job (from GET /orders/{id}/quotes, or a send's
 * answer) with their reference, total and status; a quote still on the phone ("Will send when
 * online", "Sending…") or refused (change it in the builder); and the "Quote" button that opens
 * the builder (views/quote.js) on an estimate, or on any job whose next steps include `quoted`. */

import { state, kindOf, loadQuotes } from '../data.js';
import { el, fill, hidden } from '../dom.js';
import { money, dayShort, shorten } from '../format.js';
import { forOrder } from '../queue.js';
import { pendingMark } from './job.js';

var STATUS_WORDS = { draft: 'Draft', sent: 'Sent', accepted: 'Accepted', declined: 'Declined', expired: 'Expired', superseded: 'Replaced by a newer revision' };

/** Whether the technician can quote on this job: an estimate, or a job that moves on to `quoted`. */
function quotable(view, order) {
  var steps = (view && view.next_steps) || [];
  var serverSteps = (order && order.next_steps) || [];
  return kindOf(order) === 'estimate' || steps.concat(serverSteps).some(function (s) { return s.key === 'quoted'; });
}

/** `ctx`: {orderId, order (the server's), view (with the waiting changes)} of the job screen. */
function quoteSection(ctx) {
  var orderId = ctx.orderId;
  var title = el('h2', { class: 'tc-section-title', id: 'tc-quote-title', tabindex: '-1' }, 'Quote');
  var list = el('ul', { class: 'tc-quotes', 'aria-labelledby': 'tc-quote-title' });
  var actions = el('div', {});
  var section = el('section', { class: 'tc-section', id: 'tc-quote', 'aria-labelledby': 'tc-quote-title', hidden: true },
    el('div', { class: 'tc-section-head' }, title), list, actions);
  var loadedFor = null; // the order version the quotes were read at

  function open() { location.hash = '#/job/' + encodeURIComponent(orderId) + '/quote'; }

  function reload() {
    return loadQuotes(orderId).then(function () { update(); }, function () { /* shown without */ });
  }

  function update() {
    var view = ctx.view;
    var order = ctx.order;
    if (!view) return;
    if (order && loadedFor !== order.version) {
      loadedFor = order.version; // once per version: a sent quote moves the order on
      reload();
    }
    var sent = state.quotes[orderId] || [];
    var waitingQuotes = view.quotesWaiting || [];
    var failed = forOrder(orderId).filter(function (i) { return i.type === 'quote' && i.status === 'failed'; });
    var can = quotable(view, order);
    section.hidden = !can && !sent.length && !waitingQuotes.length;
    if (section.hidden) return;
    var rows = [];
    waitingQuotes.forEach(function (w) {
      var b = w.item.body;
      rows.push(el('li', { class: 'tc-quote-row tc-is-pending', 'data-quote-waiting': '' },
        el('p', { class: 'tc-quote-row-title' }, b.title || 'Quote', hidden(', ' + b.lines.length + ' lines')),
        el('p', { class: 'tc-quote-row-meta' }, 'To ' + (w.item.customer_email || 'the customer')),
        w.sending ? pendingMark(w) : el('span', { class: 'tc-pending' }, 'Will send when online')));
    });
    failed.forEach(function (item) {
      rows.push(el('li', { class: 'tc-quote-row' },
        el('p', { class: 'tc-quote-row-title' }, item.body.title || 'Quote'),
        el('p', { class: 'tc-pending tc-pending--problem' }, 'Not sent: ' + shorten((item.error || {}).message || 'refused', 80)),
        el('div', { class: 'tc-button-row' }, el('button', { type: 'button', class: 'tc-button tc-button--secondary tc-button--small', onclick: open }, 'Change the quote'))));
    });
    sent.forEach(function (q) {
      var total = q.total_cents !== undefined ? q.total_cents : q.totals && q.totals.total_cents;
      rows.push(el('li', { class: 'tc-quote-row', 'data-quote': q.quote_id },
        el('div', { class: 'tc-quote-row-top' },
          el('p', { class: 'tc-quote-row-title' }, el('span', { class: 'tc-quote-ref' }, q.reference || q.number || q.quote_id),
            q.title ? el('span', { class: 'tc-quote-row-sub' }, ' ' + q.title) : null),
          el('span', { class: 'tc-chip tc-chip--quote-' + q.status }, hidden('Status: '), STATUS_WORDS[q.status] || q.status)),
        el('p', { class: 'tc-quote-row-meta' }, el('span', {}, 'Total ', el('strong', {}, money(total))),
          q.optional_cents ? el('span', {}, ' · extras + ' + money(q.optional_cents)) : null,
          q.valid_until ? el('span', {}, ' · valid until ' + dayShort(q.valid_until)) : null)));
    });
    if (!rows.length) rows.push(el('li', { class: 'tc-empty' }, 'No quote yet.'));
    fill(list, rows);
    var busy = waitingQuotes.length || failed.length;
    var closed = !(view.next_steps && view.next_steps.length) && view.step !== 'on_site';
    fill(actions, can && !busy && !closed ? el('div', { class: 'tc-button-row' }, el('button', {
      type: 'button', class: 'tc-button' + (sent.length ? ' tc-button--secondary' : ' tc-button--big'), 'data-open-quote': '', onclick: open,
    }, sent.length ? 'Another quote' : 'Quote')) : null);
  }

  return { element: section, update: update, reload: reload };
}

export { quoteSection, quotable };
