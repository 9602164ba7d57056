/* Settings: quotes. How many days a new quote is valid, the two reminders an unanswered quote
 * sends the customer (days after it was sent; empty for none), the standard terms a new quote
 * starts with, and the standard deposit (none, a percentage or an amount). Read from GET
 * /business (its `quotes` block) and saved with PUT /business {quotes, expected_version},
 * sending only what changed; the API's errors are shown at their fields (`quotes.<setting>`). */

import { api } from '../api.js';
import { el, fill } from '../dom.js';
import {
  textField, selectField, section, messageArea, busyButton, showError, clearErrors, saved, parseWhole,
  parseCents, centsText, parseBasisPoints, percentText, showStale, isStale, same,
} from './settings-common.js';

const DEFAULTS = { validity_days: 30, reminder_days: [3, 7], terms: '', deposit: null };

async function mount(root, ctx) {
  let data = (await api('/business')).data;
  const current = () => ({ ...DEFAULTS, ...(data.quotes || {}) });
  let q = current();
  const currency = (ctx.business && ctx.business.currency) || data.currency || 'GBP';
  const heading = el('h1', { class: 'of-title' }, 'Quotes');
  const message = messageArea();
  const depositKind = (d) => (d && d.percent_basis_points ? 'percent' : d && d.amount_cents ? 'amount' : 'none');
  const depositValue = (d) => (d && d.percent_basis_points ? percentText(d.percent_basis_points) : d && d.amount_cents ? centsText(d.amount_cents) : '');
  const f = {
    'quotes.validity_days': textField({ label: 'A new quote is valid for (days)', name: 'validity_days', value: String(q.validity_days),
      hint: 'Its “valid until” date starts this many days after today (1 to 365); each quote can change it.', props: { inputmode: 'numeric', size: 5 } }),
    first: textField({ label: 'First reminder (days after sending)', name: 'first_reminder', value: q.reminder_days[0] !== undefined ? String(q.reminder_days[0]) : '',
      optional: true, hint: 'Empty: no reminders.', props: { inputmode: 'numeric', size: 5 } }),
    second: textField({ label: 'Second reminder (days after sending)', name: 'second_reminder', value: q.reminder_days[1] !== undefined ? String(q.reminder_days[1]) : '',
      optional: true, hint: 'Later than the first; empty for one reminder only.', props: { inputmode: 'numeric', size: 5 } }),
    'quotes.terms': textField({ label: 'Standard terms', name: 'terms', optional: true, hint: 'A new quote starts with these terms; each quote can change them.',
      control: el('textarea', { class: 'of-textarea', rows: 5, maxlength: 4000 }) }),
    deposit_kind: selectField({ label: 'Standard deposit', name: 'deposit_kind', value: depositKind(q.deposit),
      options: [['none', 'No deposit'], ['percent', 'A percentage of the total'], ['amount', 'A fixed amount']],
      hint: 'Invoiced when the customer accepts; each quote can change it.' }),
    'quotes.deposit': textField({ label: 'Deposit (% or amount)', name: 'deposit_value', value: depositValue(q.deposit),
      hint: `A percentage such as 25, or an amount in ${currency} such as 250.00.`, props: { inputmode: 'decimal', size: 8 } }),
  };
  f['quotes.terms'].control.value = q.terms || '';
  f['quotes.reminder_days'] = f.first; // the API's errors about both reminders go to the first
  const showDeposit = () => { f['quotes.deposit'].element.hidden = f.deposit_kind.control.value === 'none'; };
  f.deposit_kind.control.addEventListener('change', showDeposit);
  showDeposit();

  function read(local) {
    const validity = parseWhole(f['quotes.validity_days'].control.value);
    if (validity === null || validity < 1 || validity > 365) local.push({ field: 'quotes.validity_days', message: 'must be a whole number of days from 1 to 365' });
    const reminders = [];
    const firstText = f.first.control.value.trim();
    const secondText = f.second.control.value.trim();
    const first = firstText ? parseWhole(firstText) : null;
    const second = secondText ? parseWhole(secondText) : null;
    if (firstText && (first === null || first < 1 || first > 365)) local.push({ field: 'first', message: 'must be a whole number of days from 1 to 365' });
    if (secondText && (second === null || second < 1 || second > 365)) local.push({ field: 'second', message: 'must be a whole number of days from 1 to 365' });
    if (secondText && !firstText) local.push({ field: 'first', message: 'give the first reminder before a second one' });
    if (first !== null && second !== null && second <= first) local.push({ field: 'second', message: 'must be later than the first reminder' });
    if (first !== null) reminders.push(first);
    if (second !== null) reminders.push(second);
    let deposit = null;
    const kind = f.deposit_kind.control.value;
    const text = f['quotes.deposit'].control.value;
    if (kind === 'percent') {
      const bp = parseBasisPoints(text);
      if (bp === null || bp < 1 || bp > 10000) local.push({ field: 'quotes.deposit', message: 'must be a percentage from 0.01 to 100, such as 25' });
      else deposit = { percent_basis_points: bp };
    } else if (kind === 'amount') {
      const cents = parseCents(text);
      if (!cents) local.push({ field: 'quotes.deposit', message: `must be an amount in ${currency}, such as 250.00` });
      else deposit = { amount_cents: cents };
    }
    return { validity_days: validity, reminder_days: reminders, terms: f['quotes.terms'].control.value.trim(), deposit };
  }

  async function save() {
    clearErrors(f, message);
    const local = [];
    const values = read(local);
    if (local.length) { showError({ message: 'Check the highlighted fields.', details: local }, f, message); return; }
    const changes = {};
    for (const key of Object.keys(values)) if (!same(values[key], q[key] ?? null)) changes[key] = values[key];
    if (!Object.keys(changes).length) { saved(message, 'Nothing to save: no quote setting was changed.'); return; }
    try {
      data = (await api('/business', { method: 'PUT', body: { quotes: changes, expected_version: data.version } })).data;
    } catch (error) {
      if (isStale(error)) { showStale(error, message, () => ctx.refresh()); return; }
      showError(error, f, message);
      return;
    }
    q = current();
    if (ctx.business) ctx.business.quotes = data.quotes;
    saved(message, `Quote settings saved (${Object.keys(changes).length} ${Object.keys(changes).length === 1 ? 'change' : 'changes'}).`);
  }

  const saveButton = busyButton('Save quote settings', 'Saving…', save);
  const form = el('form', { class: 'of-settings-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); saveButton.click(); } },
    section('Validity and reminders', el('div', { class: 'of-grid-2' }, f['quotes.validity_days'].element, el('div'), f.first.element, f.second.element)),
    section('What a new quote starts with', el('div', { class: 'of-grid-2' }, f.deposit_kind.element, f['quotes.deposit'].element), f['quotes.terms'].element),
    el('div', { class: 'of-settings-actions' }, saveButton));
  fill(root, heading, el('p', { class: 'of-subtitle' }, 'How long quotes stay open, when the customer is reminded, and the standard terms and deposit.'), message, form);
  return { title: 'Quotes', heading };
}

export { mount };
