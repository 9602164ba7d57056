/* The order page's line items: the table (description, quantity, unit price, total), changing
 * an item's quantity or price in place (PATCH /orders/{id}/line-items/{line_id} with the order's
 * version), removing one (DELETE, after a confirmation), and adding one from the price list
 * (POST /orders/{id}/line-items). Money is integer cents from the API, shown in the business's
 * currency; a price typed in is read as currency units ("12.50") into cents, never a float. */

import { api } from '../api.js';
import { el, button, field, dialog, hidden } from '../dom.js';
import { money } from '../format.js';

const enc = encodeURIComponent;

/** "12.50" -> 1250, "12" -> 1200, "12,5" -> 1250; null when it is not an amount. */
function toCents(text) {
  const m = /^\s*(\d{1,9})(?:[.,](\d{1,2}))?\s*$/.exec(String(text || '').replace(/[£€$]/g, ''));
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] || '0').padEnd(2, '0'));
}

const units = (cents) => (Number(cents) / 100).toFixed(2);

function itemsSection(page) {
  const { state } = page;
  let prices = [];
  let editing = null; // the id of the line being changed

  async function load() {
    try {
      prices = ((await api('/price-list')).data || {}).items || [];
    } catch (e) {
      prices = [];
    }
  }

  const orderPath = () => `/orders/${enc(state.order.order_id)}/line-items`;

  function editRow(o, li) {
    const qty = el('input', { type: 'number', min: '1', max: '9999', step: '1', value: String(li.quantity), inputmode: 'numeric' });
    const price = el('input', { type: 'text', inputmode: 'decimal', value: units(li.unit_price_cents), size: '8' });
    const q = field({ label: `Quantity of ${li.description}`, control: qty, className: 'of-items-edit-field' });
    const p = field({ label: `Unit price of ${li.description}`, control: price, className: 'of-items-edit-field' });
    const save = () => {
      q.clearError(); p.clearError();
      const quantity = Number(qty.value);
      const cents = toCents(price.value);
      if (!Number.isInteger(quantity) || quantity < 1) { q.setError('A whole number, 1 or more'); qty.focus(); return; }
      if (cents === null) { p.setError('An amount such as 12.50'); price.focus(); return; }
      const body = { expected_version: o.version };
      if (quantity !== li.quantity) body.quantity = quantity;
      if (cents !== li.unit_price_cents) body.unit_price_cents = cents;
      if (Object.keys(body).length === 1) { editing = null; page.render('items'); return; }
      page.act('items', `edit:${li.id}:${o.version}:${JSON.stringify(body)}`,
        (key) => api(`${orderPath()}/${enc(li.id)}`, { method: 'PATCH', key, body }), `Changed ${li.description}.`)
        .then((r) => { if (r) { editing = null; page.render('items'); } });
    };
    return el('tr', { class: 'of-items-editing' },
      el('th', { scope: 'row' }, li.description),
      el('td', { colspan: '3' }, el('div', { class: 'of-items-edit' }, q.element, p.element)),
      el('td', {}, el('div', { class: 'of-items-actions' },
        button('Save', save, { small: true, attrs: { 'data-write': true } }),
        button('Cancel', () => { editing = null; page.render('items'); }, { kind: 'secondary', small: true }))));
  }

  function remove(o, li) {
    const d = dialog({
      title: `Remove ${li.description}?`,
      body: [el('p', {}, `${li.quantity} × ${money(li.unit_price_cents)} comes off the order. The history keeps what the line was.`)],
      actions: [
        button('Remove', () => {
          d.close();
          page.act('items', `remove:${li.id}`, (key) => api(`${orderPath()}/${enc(li.id)}`,
            { method: 'DELETE', key, body: { expected_version: o.version } }), `Removed ${li.description}.`);
        }, { kind: 'danger' }),
        button('Keep it', () => d.close(), { kind: 'secondary' }),
      ],
    });
  }

  function row(o, li, locked) {
    if (editing === li.id && !locked) return editRow(o, li);
    return el('tr', { 'data-line': li.id },
      el('th', { scope: 'row' }, li.description),
      el('td', { class: 'of-num' }, String(li.quantity)),
      el('td', { class: 'of-num' }, money(li.unit_price_cents)),
      el('td', { class: 'of-num' }, money(li.total_cents)),
      el('td', {}, locked ? null : el('div', { class: 'of-items-actions' },
        button('Change', () => { editing = li.id; page.render('items'); }, { kind: 'secondary', small: true,
          attrs: { 'aria-label': `Change ${li.description}`, 'data-write': true } }),
        button('Remove', () => remove(o, li), { kind: 'secondary', small: true,
          attrs: { 'aria-label': `Remove ${li.description}`, 'data-write': true } }))));
  }

  function addForm(o) {
    const choice = el('select', { required: true }, el('option', { value: '' }, 'Choose an item…'),
      prices.map((p) => el('option', { value: p.id }, `${p.name} – ${money(p.unit_price_cents)}${p.unit && p.unit !== 'each' ? ` per ${p.unit}` : ''}`)));
    const qty = el('input', { type: 'number', min: '1', max: '9999', step: '1', value: '1', inputmode: 'numeric' });
    const c = field({ label: 'Price list item', control: choice, className: 'of-items-add-choice' });
    const q = field({ label: 'Quantity', control: qty, className: 'of-items-add-qty' });
    const form = el('form', { class: 'of-items-add', novalidate: true, 'aria-label': 'Add a line item' },
      c.element, q.element, button('Add item', null, { type: 'submit', attrs: { 'data-write': true } }));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      c.clearError(); q.clearError();
      const quantity = Number(qty.value);
      if (!choice.value) { c.setError('Choose an item from the price list'); choice.focus(); return; }
      if (!Number.isInteger(quantity) || quantity < 1) { q.setError('A whole number, 1 or more'); qty.focus(); return; }
      const name = choice.selectedOptions[0].textContent.split(' – ')[0];
      page.act('items', `add:${choice.value}:${quantity}:${o.version}`, (key) => api(orderPath(),
        { method: 'POST', key, body: { price_item_id: choice.value, quantity, expected_version: o.version } }), `Added ${quantity} × ${name}.`);
    });
    return form;
  }

  /** `invoiced`: the order has an invoice that is not void, so its lines are what was billed. */
  function element(o, invoiced) {
    const lines = o.line_items || [];
    const locked = !!invoiced;
    const tax = o.tax || {};
    const basis = tax.name ? `Total ${tax.included ? 'incl.' : 'excl.'} ${tax.name}` : 'Total';
    return el('section', { class: 'of-card of-order-items', 'aria-labelledby': 'of-order-items-h' },
      el('h2', { class: 'of-heading', id: 'of-order-items-h', tabindex: '-1', 'data-section-heading': 'items' }, 'Line items'),
      el('div', { 'data-notice': 'items' }, page.noticeBox(state.notices.items)),
      lines.length ? el('div', { class: 'of-table-wrap' }, el('table', { class: 'of-table of-items-table' },
        el('caption', { class: 'of-visually-hidden' }, 'Line items'),
        el('thead', {}, el('tr', {},
          el('th', { scope: 'col' }, 'Item'), el('th', { scope: 'col', class: 'of-num' }, 'Qty'),
          el('th', { scope: 'col', class: 'of-num' }, 'Unit price'), el('th', { scope: 'col', class: 'of-num' }, 'Total'),
          el('th', { scope: 'col' }, hidden('Actions')))),
        el('tbody', {}, lines.map((li) => row(o, li, locked))),
        el('tfoot', {}, el('tr', {}, el('th', { scope: 'row', colspan: '3' }, basis),
          el('td', { class: 'of-num of-items-total' }, money(o.total_cents)), el('td', {})))))
        : el('p', { class: 'of-empty' }, 'No line items yet.'),
      locked ? el('p', { class: 'of-hint of-items-locked' }, `These lines are on invoice ${invoiced}. To change them, void the invoice, correct the lines, then reissue it.`)
        : prices.length ? addForm(o) : el('p', { class: 'of-hint' }, 'The price list is empty or could not be loaded.'));
  }

  return { load, element };
}

export { itemsSection, toCents };
