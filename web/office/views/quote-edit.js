/* Editing a draft quote on its page: the title, the lines (from the price list, or typed in
 * with a price in currency units read into integer cents by string arithmetic, as the price-list
 * settings do), whether each line is optional (the customer may tick it), the date it is valid
 * until, a deposit (a percentage or an amount), notes and terms. Saved with PATCH /quotes/{id}
 * and the version read (`expected_version`); a 409 means someone else saved first: the page
 * says who and when, and shows the quote as they left it. */

import { api } from '../api.js';
import { el, fill, field, button, alertBox, say, alarm, focusOn, hidden, showFieldErrors } from '../dom.js';
import { dateTime, money } from '../format.js';
import { parseCents, centsText, parseBasisPoints, percentText } from './settings-common.js';
import { whoOf } from './quotes-common.js';

const enc = encodeURIComponent;

/** The editable part of a quote, as the form holds it (prices as the text typed). */
function workOf(q) {
  const d = q.deposit || null;
  return {
    title: q.title || '',
    valid_until: q.valid_until || '',
    notes: q.notes || '',
    terms: q.terms || '',
    deposit_kind: d && d.percent_basis_points ? 'percent' : d && d.amount_cents ? 'amount' : 'none',
    deposit_value: d && d.percent_basis_points ? percentText(d.percent_basis_points) : d && d.amount_cents ? centsText(d.amount_cents) : '',
    lines: (q.lines || []).map((l) => ({ line_id: l.line_id, description: l.description, quantity: String(l.quantity),
      price: centsText(l.unit_price_cents), price_item_id: l.price_item_id || null, optional: !!l.optional })),
  };
}

function quoteEditor(page) {
  const { state } = page;
  let prices = [];
  let work = workOf(state.quote);
  let saved = JSON.stringify(work);
  let busy = false;
  let notice = null;
  let problems = {}; // "lines[0].quantity" -> message, for the line inputs
  const top = {}; // the dom.js fields of the form, by the API's names

  async function load() {
    try { prices = ((await api('/price-list')).data || {}).items || []; } catch (e) { prices = []; }
  }

  const dirty = () => JSON.stringify(work) !== saved;
  function reset(q) { work = workOf(q); saved = JSON.stringify(work); problems = {}; }

  /** The body of the PATCH, or the problems a person can fix before sending. */
  function body() {
    const local = [];
    const lines = work.lines.map((l, i) => {
      const quantity = /^\s*\d{1,5}\s*$/.test(l.quantity) && Number(l.quantity) >= 1 ? Number(l.quantity) : null;
      if (!quantity) local.push({ field: `lines[${i}].quantity`, message: 'a whole number, 1 or more' });
      // A price-list line carries the item (the API reads its name and price from the list);
      // a typed-in line carries its description and price.
      const line = l.price_item_id ? { price_item_id: l.price_item_id, quantity, optional: l.optional } : null;
      if (!line) {
        const cents = parseCents(l.price);
        if (!l.description.trim()) local.push({ field: `lines[${i}].description`, message: 'write what the line is' });
        if (cents === null) local.push({ field: `lines[${i}].unit_price_cents`, message: 'an amount such as 420 or 420.50' });
        return { ...(l.line_id ? { line_id: l.line_id } : {}), description: l.description.trim(), quantity, unit_price_cents: cents, optional: l.optional };
      }
      if (l.line_id) line.line_id = l.line_id;
      return line;
    });
    let deposit = null;
    if (work.deposit_kind === 'percent') {
      const bp = parseBasisPoints(work.deposit_value);
      if (bp === null || bp < 1 || bp > 10000) local.push({ field: 'deposit', message: 'a percentage from 0.01 to 100, such as 25' });
      else deposit = { percent_basis_points: bp };
    } else if (work.deposit_kind === 'amount') {
      const cents = parseCents(work.deposit_value);
      if (!cents) local.push({ field: 'deposit', message: 'an amount such as 250 or 250.50' });
      else deposit = { amount_cents: cents };
    }
    if (!/^\d{4}-\d{2}-\d{2}$/.test(work.valid_until)) local.push({ field: 'valid_until', message: 'choose the last day the quote can be accepted' });
    return { local, body: { title: work.title.trim() || null, lines, valid_until: work.valid_until, notes: work.notes.trim() || null,
      terms: work.terms.trim() || null, deposit, expected_version: state.quote.version } };
  }

  function showProblems(list, message) {
    problems = {};
    list.forEach((p) => { if (/^lines\[\d+\]/.test(p.field)) problems[p.field] = p.message; });
    notice = { kind: 'error', title: list.length ? `${list.length === 1 ? 'One thing needs' : `${list.length} things need`} attention` : 'Not saved',
      text: message, list: list.filter((p) => !top[p.field]).map((p) => `${describe(p.field)}: ${p.message}`) };
    page.render();
    const unmatched = showFieldErrors({ details: list }, top);
    alarm(`Not saved. ${message} ${list.map((p) => `${describe(p.field)}: ${p.message}`).join('. ')}`);
    const firstLine = list.find((p) => problems[p.field]);
    if (!list.some((p) => top[p.field])) {
      const target = firstLine && document.querySelector(`[data-problem="${CSS.escape(firstLine.field)}"]`);
      focusOn(target || document.querySelector('[data-editor-notice] .of-alert'));
    }
    return unmatched;
  }

  function describe(name) {
    const m = /^lines\[(\d+)\]\.?(\w*)/.exec(name);
    if (m) return `Line ${Number(m[1]) + 1}${m[2] ? ` (${{ description: 'description', quantity: 'quantity', unit_price_cents: 'unit price' }[m[2]] || m[2]})` : ''}`;
    return { valid_until: 'Valid until', deposit: 'Deposit', title: 'Title', notes: 'Notes', terms: 'Terms', lines: 'Lines' }[name] || name;
  }

  /** Saves the form; true when saved (or nothing to save). */
  async function save() {
    if (busy) return false;
    const { local, body: patch } = body();
    if (local.length) { showProblems(local, 'Check the highlighted fields.'); return false; }
    if (!dirty()) return true;
    busy = true;
    document.querySelectorAll('[data-write]').forEach((b) => { b.disabled = true; });
    try {
      const answer = await api(`/quotes/${enc(state.quote.quote_id)}`, { method: 'PATCH', body: patch });
      state.quote = answer.data && answer.data.quote_id ? answer.data : (await api(`/quotes/${enc(state.quote.quote_id)}`)).data;
      reset(state.quote);
      notice = { kind: 'success', title: 'Quote saved' };
      say('Quote saved.');
      busy = false;
      page.render();
      focusOn(document.querySelector('[data-editor-notice] .of-alert'), false);
      return true;
    } catch (error) {
      busy = false;
      if (error.status === 409) {
        try { await page.reload(); } catch (e) { /* shown as it was */ }
        const q = state.quote;
        reset(q);
        const by = q.updated_by ? whoOf(q, q.updated_by) : 'Someone else';
        notice = { kind: 'warning', title: `${by} changed this quote${q.updated_at ? ` at ${dateTime(q.updated_at, page.tz)}` : ''}`,
          text: q.status === 'draft' ? 'Your changes were not saved. The form now shows the quote as they left it; make your change again.'
            : `It is no longer a draft (it is ${q.status}), so it can't be edited. Your changes were not saved.` };
        if (q.status !== 'draft') state.notice = notice;
        alarm(`${notice.title}. ${notice.text}`);
        page.render(q.status !== 'draft' ? 'notice' : null);
        if (q.status === 'draft') focusOn(document.querySelector('[data-editor-notice] .of-alert'));
        return false;
      }
      const list = Array.isArray(error.details) ? error.details : (error.details && error.details.fields) || [];
      showProblems(list, error.message);
      return false;
    } finally {
      document.querySelectorAll('[data-write]').forEach((b) => { b.disabled = false; });
    }
  }

  // --- drawing ---------------------------------------------------------------------------------

  function lineInput(i, key, props, label) {
    const name = `lines[${i}].${key === 'price' ? 'unit_price_cents' : key}`;
    const problem = problems[name];
    const errorId = `of-quote-line-${i}-${key}-error`;
    const input = el('input', { class: 'of-input', type: 'text', 'aria-label': label, value: work.lines[i][key],
      'data-problem': name, 'aria-invalid': problem ? 'true' : null, 'aria-describedby': problem ? errorId : null, ...props });
    input.addEventListener('input', () => { work.lines[i][key] = input.value; });
    return [input, problem ? el('p', { class: 'of-error-message', id: errorId }, problem) : null];
  }

  function linesEditor() {
    const rows = work.lines.map((l, i) => {
      const n = i + 1;
      const optional = el('input', { type: 'checkbox', id: `of-quote-line-${i}-optional`, class: 'of-checkbox' });
      optional.checked = l.optional;
      optional.addEventListener('change', () => { l.optional = optional.checked; });
      return el('tr', { 'data-line-row': i },
        l.price_item_id
          ? el('td', {}, el('span', { class: 'of-quote-fixed' }, l.description), el('span', { class: 'of-hint' }, 'From the price list'))
          : el('td', {}, lineInput(i, 'description', { maxlength: '200' }, `Line ${n}, description`)),
        el('td', { class: 'of-quote-qty' }, lineInput(i, 'quantity', { inputmode: 'numeric', size: '4' }, `Line ${n}, quantity`)),
        l.price_item_id
          ? el('td', { class: 'of-quote-price' }, el('span', { class: 'of-quote-fixed' }, money(parseCents(l.price))))
          : el('td', { class: 'of-quote-price' }, lineInput(i, 'price', { inputmode: 'decimal', size: '9' }, `Line ${n}, unit price`)),
        el('td', { class: 'of-quote-opt' }, el('div', { class: 'of-check' }, optional,
          el('label', { for: optional.id }, 'Optional', hidden(` (line ${n})`)))),
        el('td', {}, button('Remove', () => { work.lines.splice(i, 1); problems = {}; page.render(); say(`Line ${n} removed.`);
          focusOn(document.querySelector('[data-add-price]')); }, { kind: 'secondary', small: true, attrs: { 'aria-label': `Remove line ${n}, ${l.description || 'no description'}` } })));
    });
    return work.lines.length ? el('div', { class: 'of-table-wrap' }, el('table', { class: 'of-table of-quote-edit-lines' },
      el('caption', { class: 'of-visually-hidden' }, 'Lines of the quote'),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Description'), el('th', { scope: 'col' }, 'Qty'),
        el('th', { scope: 'col' }, 'Unit price'), el('th', { scope: 'col' }, hidden('Optional')), el('th', { scope: 'col' }, hidden('Actions')))),
      el('tbody', {}, rows))) : el('p', { class: 'of-empty' }, 'No lines yet: add them from the price list or type them in.');
  }

  function addFromPriceList() {
    const choice = el('select', { 'data-add-price': true }, el('option', { value: '' }, 'Choose an item…'),
      prices.filter((p) => p.active !== false).map((p) => el('option', { value: p.id }, `${p.name} – ${money(p.unit_price_cents)}${p.unit && p.unit !== 'each' ? ` per ${p.unit}` : ''}`)));
    const qty = el('input', { type: 'text', inputmode: 'numeric', value: '1', size: '4' });
    const c = field({ label: 'Price list item', control: choice, className: 'of-quote-add-choice' });
    const q = field({ label: 'Quantity', control: qty, className: 'of-quote-add-qty' });
    const form = el('form', { class: 'of-quote-add', novalidate: true, 'aria-label': 'Add a line from the price list' },
      c.element, q.element, button('Add from the price list', null, { type: 'submit', kind: 'secondary' }));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      c.clearError(); q.clearError();
      const item = prices.find((p) => p.id === choice.value);
      if (!item) { c.setError('Choose an item from the price list'); choice.focus(); return; }
      if (!/^\s*\d{1,5}\s*$/.test(qty.value) || Number(qty.value) < 1) { q.setError('A whole number, 1 or more'); qty.focus(); return; }
      notice = null;
      work.lines.push({ description: item.name, quantity: String(Number(qty.value)), price: centsText(item.unit_price_cents), price_item_id: item.id, optional: false });
      page.render();
      say(`Added ${Number(qty.value)} × ${item.name}. Save to keep it.`);
      focusOn(document.querySelector('[data-add-price]'));
    });
    return form;
  }

  function addFreeText() {
    const text = el('input', { type: 'text', maxlength: '200', 'data-add-text': true });
    const price = el('input', { type: 'text', inputmode: 'decimal', size: '9' });
    const qty = el('input', { type: 'text', inputmode: 'numeric', value: '1', size: '4' });
    const optional = el('input', { type: 'checkbox', id: 'of-quote-add-optional', class: 'of-checkbox' });
    const d = field({ label: 'Description', control: text, className: 'of-quote-add-text' });
    const q = field({ label: 'Quantity', control: qty, className: 'of-quote-add-qty' });
    const p = field({ label: `Unit price (${(page.ctx.business && page.ctx.business.currency) || 'GBP'})`, control: price, className: 'of-quote-add-price' });
    const form = el('form', { class: 'of-quote-add', novalidate: true, 'aria-label': 'Add a line typed in' },
      d.element, q.element, p.element,
      el('div', { class: 'of-check of-quote-add-opt' }, optional, el('label', { for: optional.id }, 'Optional')),
      button('Add this line', null, { type: 'submit', kind: 'secondary' }));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      d.clearError(); p.clearError(); q.clearError();
      const cents = parseCents(price.value);
      if (!text.value.trim()) { d.setError('Write what the line is'); text.focus(); return; }
      if (!/^\s*\d{1,5}\s*$/.test(qty.value) || Number(qty.value) < 1) { q.setError('A whole number, 1 or more'); qty.focus(); return; }
      if (cents === null) { p.setError('An amount such as 420 or 420.50'); price.focus(); return; }
      notice = null;
      work.lines.push({ description: text.value.trim(), quantity: String(Number(qty.value)), price: centsText(cents), price_item_id: null, optional: optional.checked });
      page.render();
      say(`Added ${text.value.trim()}${optional.checked ? ' as an optional line' : ''}. Save to keep it.`);
      focusOn(document.querySelector('[data-add-text]'));
    });
    return form;
  }

  function detailsForm() {
    const bind = (control, key) => { control.value = work[key]; control.addEventListener('input', () => { work[key] = control.value; }); return control; };
    top.title = field({ label: 'Title', control: bind(el('input', { type: 'text', maxlength: '200' }), 'title'), optional: true, hint: 'What the work is, e.g. “Three sash windows, front elevation”.' });
    top.valid_until = field({ label: 'Valid until', control: bind(el('input', { type: 'date' }), 'valid_until'), hint: 'The last day the customer can accept it.' });
    const kind = bind(el('select', {}, el('option', { value: 'none' }, 'No deposit'), el('option', { value: 'percent' }, 'A percentage of the total'),
      el('option', { value: 'amount' }, 'A fixed amount')), 'deposit_kind');
    const value = bind(el('input', { type: 'text', inputmode: 'decimal', size: '8' }), 'deposit_value');
    const kindField = field({ label: 'Deposit', control: kind, hint: 'Invoiced when the customer accepts.' });
    top.deposit = field({ label: work.deposit_kind === 'amount' ? `Deposit amount (${(page.ctx.business && page.ctx.business.currency) || 'GBP'})` : 'Deposit (%)', control: value });
    top.deposit.element.hidden = work.deposit_kind === 'none';
    kind.addEventListener('change', () => { page.render(); focusOn(document.querySelector('[data-deposit-kind]'), false); });
    kind.setAttribute('data-deposit-kind', 'true');
    top.notes = field({ label: 'Notes for the customer', control: bind(el('textarea', { rows: '3', maxlength: '4000' }), 'notes'), optional: true });
    top.terms = field({ label: 'Terms', control: bind(el('textarea', { rows: '3', maxlength: '4000' }), 'terms'), optional: true });
    return el('div', {}, el('div', { class: 'of-grid-2' }, top.title.element, top.valid_until.element,
      kindField.element, top.deposit.element), top.notes.element, top.terms.element);
  }

  function savedTotals() {
    const t = state.quote.totals || {};
    const tax = state.quote.tax || {};
    return el('dl', { class: 'of-dl of-quote-saved-totals' },
      el('dt', {}, `Subtotal${tax.prices_include_tax ? ` (incl. ${tax.name || 'tax'})` : ''}`), el('dd', {}, money(t.subtotal_cents)),
      el('dt', {}, tax.name || 'Tax'), el('dd', {}, money(t.tax_cents)),
      el('dt', {}, 'Total (required lines)'), el('dd', { class: 'of-quote-total-value' }, money(t.total_cents)),
      t.deposit_cents ? [el('dt', {}, 'Deposit'), el('dd', {}, money(t.deposit_cents))] : null,
      state.quote.optional_cents ? [el('dt', {}, 'Optional lines'), el('dd', {}, `+ ${money(state.quote.optional_cents)}`)] : null);
  }

  function element() {
    const saveButton = button('Save changes', () => save(), { attrs: { 'data-write': true, 'data-save': true } });
    const form = el('section', { class: 'of-card of-quote-editor', 'aria-labelledby': 'of-quote-edit-h' },
      el('h2', { class: 'of-heading', id: 'of-quote-edit-h', tabindex: '-1' }, 'Draft'),
      el('div', { 'data-editor-notice': true }, notice ? alertBox(notice.kind, notice.title, notice.text,
        notice.list && notice.list.length ? el('ul', {}, notice.list.map((t) => el('li', {}, t))) : null) : null),
      el('h3', { class: 'of-quote-subhead' }, 'Lines'),
      linesEditor(),
      el('div', { class: 'of-quote-adders' },
        prices.length ? addFromPriceList() : el('p', { class: 'of-hint' }, 'The price list is empty or could not be loaded.'),
        addFreeText()),
      el('h3', { class: 'of-quote-subhead' }, 'Details'),
      detailsForm(),
      el('div', { class: 'of-quote-save-row' },
        el('div', {}, el('h3', { class: 'of-quote-subhead' }, 'Totals when last saved'), savedTotals()),
        el('div', { class: 'of-button-row' }, saveButton)));
    notice = notice && notice.kind === 'success' ? null : notice; // a success is shown once
    return form;
  }

  return { load, element, save, dirty, reset };
}

export { quoteEditor, workOf };
