/* Finding a customer as you type (GET /customers?q=), shared by the phone call screen and the
 * customers list: a labelled search box, searched 250 ms after the last key press; a newer
 * search cancels the older one's request, and an answer that arrives late is dropped. The count
 * is announced in the polite live region; the results are a list of buttons (Tab, or the arrow
 * keys from the box and between results; Home/End; Escape back to the box). */

import { api } from '../api.js';
import { el, fill, field, say, uid } from '../dom.js';
import { dateShort, plural } from '../format.js';

const DEBOUNCE_MS = 250;

/** One result's words: name; phone, email; postcodes; orders and the last one. */
function customerLine(c) {
  const postcodes = [...new Set((c.addresses || []).map((a) => a.postcode).filter(Boolean))];
  const orders = c.orders_count ? `${plural(c.orders_count, 'order')}${c.last_order_at ? `, last ${dateShort(c.last_order_at)}` : ''}` : 'No orders yet';
  return { name: c.name || '(no name)', contact: [c.phone, c.email].filter(Boolean).join(' · '), postcodes: postcodes.join(', '), orders };
}

/**
 * searchBox({label, hint, onChoose(customer), action: 'Choose'|..., extra: node after results})
 * -> {element, input, run(q), clear()}
 */
function searchBox(options) {
  const input = el('input', { type: 'search', autocomplete: 'off', spellcheck: 'false', enterkeyhint: 'search',
    'aria-controls': null });
  const box = field({ label: options.label, hint: options.hint, control: input, name: 'q' });
  const listId = uid('of-customers-found');
  const summary = el('p', { class: 'of-customers-found-summary', 'aria-hidden': 'true' });
  const list = el('ul', { class: 'of-customers-found', id: listId, 'aria-label': 'Customers found' });
  input.setAttribute('aria-controls', listId);
  let timer = null;
  let controller = null;
  let sequence = 0;
  let shown = []; // the customers on the list now

  function buttons() { return Array.from(list.querySelectorAll('button.of-customers-found-item')); }

  function moveFocus(from, delta) {
    const all = buttons();
    if (!all.length) return;
    const index = all.indexOf(from);
    let next = index + delta;
    if (from === input) next = delta > 0 ? 0 : all.length - 1;
    if (next < 0) { input.focus(); return; }
    all[Math.min(next, all.length - 1)].focus();
  }

  function render(customers, q, matchedBy) {
    shown = customers;
    fill(list, customers.map((c) => {
      const words = customerLine(c);
      const item = el('button', { type: 'button', class: 'of-customers-found-item', 'data-customer-id': c.customer_id,
        onclick: () => options.onChoose(c) },
      el('span', { class: 'of-customers-found-name' }, words.name),
      el('span', { class: 'of-customers-found-contact' }, words.contact || 'No phone or email'),
      el('span', { class: 'of-customers-found-postcodes' }, words.postcodes || 'No address yet'),
      el('span', { class: 'of-customers-found-orders' }, words.orders));
      item.addEventListener('keydown', (e) => {
        if (e.key === 'ArrowDown' || e.key === 'ArrowUp') { e.preventDefault(); moveFocus(item, e.key === 'ArrowDown' ? 1 : -1); }
        if (e.key === 'Home') { e.preventDefault(); buttons()[0].focus(); }
        if (e.key === 'End') { e.preventDefault(); const all = buttons(); all[all.length - 1].focus(); }
        if (e.key === 'Escape') { e.preventDefault(); input.focus(); }
      });
      return el('li', {}, item);
    }));
    const how = { phone: 'by phone number', email: 'by email', postcode: 'by postcode', order: 'by order number', name: 'by name' }[matchedBy] || '';
    const text = customers.length
      ? `${plural(customers.length, 'customer')} found ${how}.`
      : `No customer found for “${q}”${how ? ` (searched ${how})` : ''}.`;
    summary.textContent = text;
    say(customers.length ? `${text} Press the down arrow to go to the results.` : text);
  }

  async function run(raw) {
    const q = raw.trim();
    clearTimeout(timer);
    if (controller) controller.abort();
    controller = null;
    const mine = ++sequence;
    box.clearError();
    if (q.length < 2) {
      shown = [];
      fill(list);
      summary.textContent = q ? 'Type at least two letters or digits.' : '';
      return;
    }
    controller = new AbortController();
    summary.textContent = 'Searching…';
    try {
      const answer = (await api('/customers', { query: { q, limit: 20 }, signal: controller.signal })).data;
      if (mine !== sequence) return; // a newer search is under way
      render(answer.customers || [], q, answer.matched_by);
    } catch (error) {
      if (mine !== sequence || error.code === 'aborted') return;
      shown = [];
      fill(list);
      summary.textContent = '';
      if (error.status === 422) {
        const problem = Array.isArray(error.details) && error.details[0] ? error.details[0].message : error.message;
        box.setError(problem.charAt(0).toUpperCase() + problem.slice(1));
        say(problem);
      } else {
        box.setError(error.message);
        say(`The search failed. ${error.message}`);
      }
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => run(input.value), DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' && buttons().length) { e.preventDefault(); moveFocus(input, 1); }
    if (e.key === 'Enter') { e.preventDefault(); run(input.value); }
  });

  const element = el('div', { class: 'of-customers-finder', role: 'search' },
    box.element, summary, list, options.extra || null);
  return {
    element,
    input,
    run,
    results: () => shown,
    clear() { input.value = ''; run(''); },
    stop() { clearTimeout(timer); if (controller) controller.abort(); sequence += 1; },
  };
}

export { searchBox, customerLine };
