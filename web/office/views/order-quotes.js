/* The order page's quotes: every quote made on the order (each revision, with its status and
 * total, linked to its page; GET /orders/{id}/quotes), the job order an accepted one created,
 * and "New quote", which creates a draft (POST /orders/{id}/quotes, with an Idempotency-Key
 * kept until it is answered, so a double click makes one) and opens it. */

import { api, uuid } from '../api.js';
import { el, button, alertBox, alarm, say } from '../dom.js';
import { money } from '../format.js';
import { statusChip, referenceOf } from './quotes-common.js';

const enc = encodeURIComponent;

function quotesSection(page, orderId) {
  let quotes = [];
  let failed = null;
  let key = null;
  let problem = null;

  async function load() {
    try {
      quotes = ((await api(`/orders/${enc(orderId)}/quotes`)).data || {}).quotes || [];
      failed = null;
    } catch (error) {
      quotes = [];
      failed = error.message;
    }
  }

  async function create(control) {
    if (control.disabled) return;
    control.disabled = true;
    control.setAttribute('aria-disabled', 'true');
    control.textContent = 'Creating…';
    key = key || uuid();
    try {
      const answer = await api(`/orders/${enc(orderId)}/quotes`, { method: 'POST', key, body: {} });
      key = null;
      say(`Quote ${referenceOf(answer.data)} created as a draft.`);
      page.ctx.go(`#/quotes/${enc(answer.data.quote_id)}`);
    } catch (error) {
      if (error.status !== 0) key = null;
      problem = error.message;
      alarm(`The quote could not be created. ${error.message}`);
      control.disabled = false;
      control.removeAttribute('aria-disabled');
      control.textContent = 'New quote';
      page.render('quotes');
    }
  }

  function element() {
    const newButton = button('New quote', () => create(newButton), { kind: 'secondary', small: true, attrs: { 'data-new-quote': true } });
    const body = quotes.length ? el('ul', { class: 'of-order-quotes-list' }, quotes.map((q) => el('li', { class: 'of-order-quote', 'data-quote': q.quote_id },
      el('a', { href: `#/quotes/${enc(q.quote_id)}`, class: 'of-order-quote-ref' }, referenceOf(q)),
      q.title ? el('span', { class: 'of-order-quote-title' }, q.title) : null,
      el('span', { class: 'of-order-quote-meta' }, statusChip(q.status), ' ',
        el('span', { class: 'of-order-quote-total' }, money(q.total_cents !== undefined ? q.total_cents : (q.totals || {}).total_cents))),
      q.job_order_id ? el('span', { class: 'of-order-quote-job' }, 'Job: ', el('a', { href: `#/orders/${enc(q.job_order_id)}` }, `Order ${q.job_order_id}`)) : null)))
      : el('p', { class: 'of-empty' }, failed ? `The quotes could not be loaded: ${failed}` : 'No quotes on this order yet.');
    const o = page.state.order || {};
    return el('section', { class: 'of-card of-order-quotes', 'aria-labelledby': 'of-order-quotes-h' },
      el('div', { class: 'of-order-quotes-head' },
        el('h2', { class: 'of-heading', id: 'of-order-quotes-h', tabindex: '-1', 'data-section-heading': 'quotes' }, 'Quotes'), newButton),
      el('div', { 'data-notice': 'quotes' }, problem ? alertBox('error', 'The quote could not be created', problem) : null),
      body,
      o.quote_id ? el('p', { class: 'of-hint' }, 'This job was created by accepting ', el('a', { href: `#/quotes/${enc(o.quote_id)}` }, 'a quote'),
        o.estimate_order_id ? [' on ', el('a', { href: `#/orders/${enc(o.estimate_order_id)}` }, `order ${o.estimate_order_id}`)] : null, '.') : null);
  }

  return { load, element };
}

export { quotesSection };
