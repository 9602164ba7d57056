/* Settings: the price list (#/settings/price-list), what line items are picked from: each item's
 * name, unit and unit price in the business's currency, entered as "420.00" and sent in cents;
 * #/settings/price-list/<id> edits one, #/settings/price-list/new adds one (PUT /price-list/{id}).
 * "Remove" takes an item off the list (active: false): order lines that used it keep their
 * description and price. Tax is the business's rate (Business details), added on the invoice. */

import { api } from '../api.js';
import { el, fill, alertBox, say, button, dialog } from '../dom.js';
import { money } from '../format.js';
import {
  textField, section, messageArea, busyButton, showError, clearErrors, parseCents, centsText, percentText,
  setFlash, showFlash, slug, ID_PATTERN,
} from './settings-common.js';

function taxNote(business) {
  const rate = business && business.tax_rate_basis_points;
  const name = (business && business.tax_name) || 'VAT';
  if (!rate) return `No ${name} is charged (Business details).`;
  return business.prices_include_tax
    ? `Prices include ${name} at ${percentText(rate)}% (Business details).`
    : `${name} at ${percentText(rate)}% is added on invoices (Business details).`;
}

function list(root, ctx, items) {
  const heading = el('h1', { class: 'of-title' }, 'Price list');
  const message = messageArea();
  const currency = ctx.business && ctx.business.currency;
  const remove = (item) => {
    const d = dialog({
      title: `Remove ${item.name}?`,
      body: [el('p', { class: 'of-settings-dialog-text' }, 'It will no longer be offered when adding line items. Orders and invoices that have it keep their lines as they are.')],
      actions: [
        busyButton('Remove from the price list', 'Removing…', async () => {
          try {
            await api(`/price-list/${encodeURIComponent(item.id)}`, { method: 'PUT', body: { name: item.name, unit_price_cents: item.unit_price_cents, unit: item.unit, active: false } });
          } catch (error) {
            d.close();
            fill(message, alertBox('error', `${item.name} was not removed`, error.message)); message.hidden = false;
            say(`${item.name} was not removed. ${error.message}`);
            return;
          }
          d.close();
          setFlash(`${item.name} removed from the price list.`);
          ctx.refresh();
        }, { kind: 'danger' }),
        button('Keep it', () => d.close(), { kind: 'secondary' }),
      ],
    });
  };
  const rows = items.slice().sort((a, b) => a.name.localeCompare(b.name));
  const table = rows.length ? el('div', { class: 'of-table-wrap' }, el('table', { class: 'of-table' },
    el('caption', { class: 'of-visually-hidden' }, 'Price list items'),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col' }, 'Item'), el('th', { scope: 'col' }, 'Unit'), el('th', { scope: 'col', class: 'of-num' }, 'Unit price'),
      el('th', { scope: 'col' }, el('span', { class: 'of-visually-hidden' }, 'Actions')))),
    el('tbody', {}, rows.map((item) => el('tr', {},
      el('th', { scope: 'row' }, item.name, el('div', { class: 'of-hint' }, item.id)),
      el('td', {}, item.unit || 'each'),
      el('td', { class: 'of-num' }, money(item.unit_price_cents, currency)),
      el('td', { class: 'of-settings-row-actions' },
        el('a', { class: 'of-button of-button--secondary of-button--small', href: `#/settings/price-list/${encodeURIComponent(item.id)}`, 'aria-label': `Edit ${item.name}` }, 'Edit'),
        button('Remove', () => remove(item), { kind: 'secondary', small: true, attrs: { 'aria-label': `Remove ${item.name}` } }))))))) : el('p', { class: 'of-empty' }, 'The price list is empty.');
  fill(root, el('div', { class: 'of-screen-head' }, heading, el('a', { class: 'of-button', href: '#/settings/price-list/new' }, 'Add an item')),
    el('p', { class: 'of-subtitle' }, `What line items are picked from. ${taxNote(ctx.business)}`), message, table);
  showFlash(message);
  return { title: 'Price list', heading };
}

function editor(root, ctx, item, items) {
  const isNew = !item;
  const it = item || { name: '', unit: 'each', unit_price_cents: 0 };
  const currency = (ctx.business && ctx.business.currency) || 'GBP';
  const heading = el('h1', { class: 'of-title' }, isNew ? 'New price list item' : `Edit item: ${it.name}`);
  const message = messageArea();
  const f = {
    name: textField({ label: 'Name', name: 'name', value: it.name, hint: 'As it is written on the invoice.', props: { maxlength: 200 } }),
    item_id: textField({ label: 'Short id', name: 'item_id', value: '', hint: 'Lowercase letters, digits and dashes. It can\'t be changed later.', props: { maxlength: 64, spellcheck: 'false' } }),
    unit: textField({ label: 'Unit', name: 'unit', value: it.unit || 'each', hint: 'What one is: each, hour, metre…', props: { maxlength: 20, list: 'of-settings-units' } }),
    unit_price_cents: textField({ label: `Unit price (${currency})`, name: 'unit_price_cents', value: centsText(it.unit_price_cents), hint: `e.g. 420.00. ${taxNote(ctx.business)}`, props: { inputmode: 'decimal', size: 10 } }),
  };
  if (!isNew) f.item_id.element.hidden = true;
  let idEdited = false;
  f.item_id.control.addEventListener('input', () => { idEdited = true; });
  f.name.control.addEventListener('input', () => { if (isNew && !idEdited) f.item_id.control.value = slug(f.name.control.value); });

  async function save() {
    clearErrors(f, message);
    const id = isNew ? f.item_id.control.value.trim() : item.id;
    const body = { name: f.name.control.value.trim(), unit: f.unit.control.value.trim() || 'each', unit_price_cents: parseCents(f.unit_price_cents.control.value), active: true };
    const local = [];
    if (isNew && !ID_PATTERN.test(id)) local.push({ field: 'item_id', message: 'must be lowercase letters, digits and dashes, starting with a letter or digit' });
    if (isNew && items.some((x) => x.id === id)) local.push({ field: 'item_id', message: 'is taken by another item; choose another' });
    if (body.unit_price_cents === null) local.push({ field: 'unit_price_cents', message: 'must be an amount such as 420 or 420.50' });
    if (local.length) { showError({ message: 'Check the highlighted fields.', details: local }, f, message); return; }
    try {
      await api(`/price-list/${encodeURIComponent(id)}`, { method: 'PUT', body });
    } catch (error) {
      showError(error, f, message);
      return;
    }
    setFlash(`${body.name} saved at ${money(body.unit_price_cents, currency)} per ${body.unit}.`);
    ctx.go('#/settings/price-list');
  }

  const saveButton = busyButton(isNew ? 'Add item' : 'Save item', 'Saving…', save);
  const form = el('form', { class: 'of-settings-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); saveButton.click(); } },
    el('datalist', { id: 'of-settings-units' }, ['each', 'hour', 'metre', 'square metre', 'day'].map((u) => el('option', { value: u }))),
    section('The item', el('div', { class: 'of-grid-2' }, f.name.element, f.item_id.element, f.unit.element, f.unit_price_cents.element)),
    el('div', { class: 'of-settings-actions' }, saveButton, el('a', { class: 'of-button of-button--secondary', href: '#/settings/price-list' }, 'Cancel')));
  fill(root, el('p', { class: 'of-settings-back' }, el('a', { href: '#/settings/price-list' }, 'The whole price list')), heading, message, form);
  return { title: isNew ? 'New price list item' : it.name, heading };
}

async function mount(root, ctx) {
  const items = (await api('/price-list')).data.items;
  const id = ctx.parts[1];
  if (!id) return list(root, ctx, items);
  if (id === 'new') return editor(root, ctx, null, items);
  const item = items.find((x) => x.id === id);
  if (!item) {
    const heading = el('h1', { class: 'of-title' }, 'Item not found');
    fill(root, heading, alertBox('warning', `There is no price list item "${id}"`, 'It may have been removed.', el('p', {}, el('a', { href: '#/settings/price-list' }, 'The whole price list'))));
    return { title: 'Item not found', heading };
  }
  return editor(root, ctx, item, items);
}

export { mount };
