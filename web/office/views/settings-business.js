/* Settings: business details. The name, contact details, timezone, currency and locale, the
 * legal fields an invoice needs (country, tax name and rate, tax registration and company
 * numbers, registered office, whether prices include the tax), the invoice terms, the holidays
 * (days closed: SLAs in business hours skip them, like nights and weekends) and what an hour of
 * each role's time costs (the evaluation's cost per step), as money in the business's currency,
 * sent as integer cents. Saved with
 * PUT /business, sending only the fields changed here, so a change another admin made to other
 * fields meanwhile is kept; the API's validation errors are shown at their fields. */

import { api } from '../api.js';
import { el, fill, button, say, focusOn } from '../dom.js';
import { setBusiness, dateLong, validDay } from '../format.js';
import {
  textField, checkField, selectField, section, messageArea, busyButton, showError, clearErrors, saved,
  parseBasisPoints, percentText, parseWhole, showStale, isStale, parseCents, centsText,
} from './settings-common.js';

const COST_ROLES = [['technician', 'A technician'], ['dispatcher', 'A dispatcher'], ['admin', 'An admin']];
const MAX_HOLIDAYS = 100;

/** The holidays editor: the dates listed, each with Remove, and a date to add. `changed()` tells
 * the form; the dates are saved with the other fields. */
function holidaysEditor(initial, changed) {
  let days = [...(initial || [])].sort();
  const list = el('ul', { class: 'of-settings-holidays', 'aria-label': 'Holidays' });
  const add = textField({ label: 'Add a holiday', name: 'holidays', hint: 'A day the business is closed, e.g. a public holiday.',
    props: { type: 'date' } });
  const render = () => {
    fill(list, days.length ? days.map((day) => el('li', { class: 'of-settings-holiday' },
      el('span', {}, dateLong(day)),
      button('Remove', () => {
        days = days.filter((d) => d !== day);
        render(); changed();
        say(`${dateLong(day)} removed from the holidays. Save to keep the change.`);
        focusOn(list.querySelector('button') || add.control, true);
      }, { kind: 'secondary', small: true, attrs: { 'aria-label': `Remove the holiday ${dateLong(day)}` } })))
      : el('li', { class: 'of-muted' }, 'No holidays: SLAs count every working day.'));
  };
  const addButton = button('Add holiday', () => {
    add.clearError();
    const day = add.control.value;
    if (!validDay(day)) { add.setError('Choose a date to add.'); add.control.focus(); return; }
    if (days.includes(day)) { add.setError(`${dateLong(day)} is already a holiday.`); add.control.focus(); return; }
    if (days.length >= MAX_HOLIDAYS) { add.setError(`At most ${MAX_HOLIDAYS} holidays; remove past ones first.`); add.control.focus(); return; }
    days = [...days, day].sort();
    add.control.value = '';
    render(); changed();
    say(`${dateLong(day)} added to the holidays. Save to keep the change.`);
  }, { kind: 'secondary', attrs: { 'data-add-holiday': '' } });
  render();
  const element = el('div', { class: 'of-settings-holidays-editor' }, list,
    el('div', { class: 'of-settings-holiday-add' }, add.element, addButton));
  return { element, field: add, value: () => [...days] };
}

function zones(current) {
  let list = [];
  try { list = Intl.supportedValuesOf('timeZone'); } catch (e) { list = ['Europe/London', 'UTC']; }
  if (current && !list.includes(current)) list = [current, ...list];
  if (!list.includes('UTC')) list = [...list, 'UTC'];
  return list.map((z) => [z, z.replace(/_/g, ' ')]);
}

/** A holiday's problem (`holidays[3]`) goes to the holidays field, saying which date. */
function atFields(error) {
  const details = Array.isArray(error && error.details) ? error.details : null;
  if (!details) return error;
  return { ...error, details: details.map((d) => {
    const m = /^holidays\[(\d+)\]$/.exec(d.field || '');
    return m ? { field: 'holidays', message: `Holiday ${Number(m[1]) + 1}: ${d.message}` } : d;
  }) };
}

async function mount(root, ctx) {
  let data = (await api('/business')).data;
  const heading = el('h1', { class: 'of-title' }, 'Business details');
  const message = messageArea();
  const f = {
    name: textField({ label: 'Business name', name: 'name', value: data.name, hint: 'Customers see it on emails, invoices and the booking pages.', props: { autocomplete: 'organization', maxlength: 120 } }),
    email: textField({ label: 'Email', name: 'email', value: data.email, hint: 'Where customers reply and reach you.', props: { type: 'email', autocomplete: 'email' } }),
    phone: textField({ label: 'Phone', name: 'phone', value: data.phone, props: { type: 'tel', autocomplete: 'tel' } }),
    address: textField({ label: 'Address', name: 'address', value: data.address, hint: 'One line, as customers read it, e.g. 12 Glazier Row, Bristol BS1 4DJ.', props: { autocomplete: 'street-address', maxlength: 200 } }),
    timezone: selectField({ label: 'Timezone', name: 'timezone', value: data.timezone, options: zones(data.timezone), hint: 'Appointments, opening hours and reports are in this timezone.' }),
    currency: textField({ label: 'Currency', name: 'currency', value: data.currency, hint: 'Three letters (ISO 4217), e.g. GBP, EUR, USD.', props: { maxlength: 3, size: 4, autocapitalize: 'characters', spellcheck: 'false' } }),
    locale: selectField({ label: 'How dates are written', name: 'locale', value: data.locale || 'en-GB', options: [['en-GB', 'British English: 4 January 2027, 14:30'], ['en-US', 'American English: January 4, 2027, 2:30 PM']] }),
    country: textField({ label: 'Country', name: 'country', value: data.country, hint: 'Two letters (ISO 3166), e.g. GB, IE, US. UK VAT and company numbers are checked for GB.', props: { maxlength: 2, size: 3, autocapitalize: 'characters', spellcheck: 'false' } }),
    tax_name: textField({ label: 'Tax name', name: 'tax_name', value: data.tax_name, hint: 'As invoices call it: VAT, Sales tax, GST.', props: { maxlength: 30 } }),
    tax_rate_basis_points: textField({ label: 'Tax rate (%)', name: 'tax_rate_basis_points', value: percentText(data.tax_rate_basis_points || 0), hint: 'e.g. 20 or 17.5; 0 when you charge none.', props: { inputmode: 'decimal', size: 6 } }),
    tax_registration_number: textField({ label: 'Tax registration number', name: 'tax_registration_number', value: data.tax_registration_number, optional: true, hint: 'Your VAT number, e.g. GB123456789.', props: { maxlength: 30, spellcheck: 'false' } }),
    company_number: textField({ label: 'Company number', name: 'company_number', value: data.company_number, optional: true, hint: 'Companies House: 8 characters, e.g. 01234567 or SC123456.', props: { maxlength: 30, spellcheck: 'false' } }),
    registered_office: textField({ label: 'Registered office', name: 'registered_office', value: data.registered_office, optional: true, control: el('textarea', { class: 'of-textarea', rows: 3, maxlength: 300 }) }),
    prices_include_tax: checkField({ label: 'Prices include the tax', name: 'prices_include_tax', checked: data.prices_include_tax, hint: 'Ticked: the prices of services and the price list already include it. Not ticked: it is added on top.' }),
    payment_terms_days: textField({ label: 'Days to pay', name: 'payment_terms_days', value: String(data.payment_terms_days ?? 14), hint: 'An invoice is due this many days after it is issued (0 to 365).', props: { inputmode: 'numeric', size: 5 } }),
    payment_instructions: textField({ label: 'How to pay', name: 'payment_instructions', optional: true, hint: 'Printed on every invoice, e.g. your bank details.', control: el('textarea', { class: 'of-textarea', rows: 3, maxlength: 1000 }) }),
    allow_free_text_items: checkField({ label: 'Line items may be typed in', name: 'allow_free_text_items', checked: data.allow_free_text_items !== false, hint: 'Not ticked: the office picks every line item from the price list.' }),
  };
  const currency = data.currency || '';
  COST_ROLES.forEach(([role, words]) => {
    const cents = (data.cost_per_hour_cents || {})[role];
    f[`cost_per_hour_cents.${role}`] = textField({ label: `${words}'s hour (${currency})`, name: `cost_${role}`, optional: true,
      value: cents === undefined || cents === null ? '' : centsText(cents), hint: 'e.g. 35.00; empty: not counted.',
      props: { inputmode: 'decimal', size: 8 } });
  });
  const holidays = holidaysEditor(data.holidays, () => {});
  f.holidays = holidays.field;
  f.registered_office.control.value = data.registered_office || '';
  f.payment_instructions.control.value = data.payment_instructions || '';

  const read = () => ({
    name: f.name.control.value.trim(),
    email: f.email.control.value.trim(),
    phone: f.phone.control.value.trim(),
    address: f.address.control.value.trim(),
    timezone: f.timezone.control.value,
    currency: f.currency.control.value.trim().toUpperCase(),
    locale: f.locale.control.value,
    country: f.country.control.value.trim().toUpperCase(),
    tax_name: f.tax_name.control.value.trim(),
    tax_rate_basis_points: parseBasisPoints(f.tax_rate_basis_points.control.value),
    tax_registration_number: f.tax_registration_number.control.value.trim(),
    company_number: f.company_number.control.value.trim(),
    registered_office: f.registered_office.control.value.trim(),
    prices_include_tax: f.prices_include_tax.control.checked,
    payment_terms_days: parseWhole(f.payment_terms_days.control.value),
    payment_instructions: f.payment_instructions.control.value.trim(),
    allow_free_text_items: f.allow_free_text_items.control.checked,
    holidays: holidays.value(),
    cost_per_hour_cents: Object.fromEntries(COST_ROLES
      .map(([role]) => [role, f[`cost_per_hour_cents.${role}`].control.value.trim()])
      .filter(([, text]) => text !== '')
      .map(([role, text]) => [role, parseCents(text)])),
  });
  const asLoaded = (key) => {
    const v = data[key];
    if (key === 'prices_include_tax') return v === true;
    if (key === 'allow_free_text_items') return v !== false;
    if (key === 'locale') return v || 'en-GB';
    if (key === 'holidays') return v || [];
    if (key === 'cost_per_hour_cents') return v || {};
    return v === null || v === undefined ? '' : v;
  };

  async function save() {
    clearErrors(f, message);
    const values = read();
    const local = [];
    if (values.tax_rate_basis_points === null || values.tax_rate_basis_points > 10000) {
      local.push({ field: 'tax_rate_basis_points', message: 'must be a percentage from 0 to 100, such as 20 or 17.5' });
    }
    if (values.payment_terms_days === null) local.push({ field: 'payment_terms_days', message: 'must be a whole number of days' });
    Object.entries(values.cost_per_hour_cents).forEach(([role, cents]) => {
      if (cents === null) local.push({ field: `cost_per_hour_cents.${role}`, message: `must be an amount in ${currency}, such as 35 or 35.50` });
    });
    if (local.length) {
      showError({ message: 'Check the highlighted fields.', details: local }, f, message);
      return;
    }
    const changes = {};
    for (const [key, value] of Object.entries(values)) {
      if (JSON.stringify(value) !== JSON.stringify(asLoaded(key))) changes[key] = value;
    }
    if (!Object.keys(changes).length) {
      saved(message, 'Nothing to save: no field was changed.');
      return;
    }
    try {
      data = (await api('/business', { method: 'PUT', body: { ...changes, expected_version: data.version } })).data;
    } catch (error) {
      if (isStale(error)) { showStale(error, message, () => ctx.refresh()); return; }
      showError(atFields(error), f, message);
      return;
    }
    // What the API stored (a VAT number written the standard way, say) goes back into the form.
    f.tax_registration_number.control.value = data.tax_registration_number || '';
    f.company_number.control.value = data.company_number || '';
    f.tax_name.control.value = data.tax_name || '';
    f.country.control.value = data.country || '';
    f.currency.control.value = data.currency || '';
    if (ctx.business) Object.assign(ctx.business, data); // the app's copy: formats and the bar
    setBusiness(data);
    const bar = document.querySelector('[data-business-name]');
    if (bar) bar.textContent = data.name || '';
    saved(message, `Business details saved (${Object.keys(changes).length} ${Object.keys(changes).length === 1 ? 'change' : 'changes'}).`);
  }

  const form = el('form', { class: 'of-settings-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); saveButton.click(); } },
    section('The business', el('div', { class: 'of-grid-2' }, f.name.element, f.email.element, f.phone.element, f.address.element)),
    section('Region', el('div', { class: 'of-grid-2' }, f.timezone.element, f.locale.element, f.currency.element)),
    section('Tax and company details', el('p', { class: 'of-hint' }, 'What an invoice must say for an accountant to accept it.'),
      el('div', { class: 'of-grid-2' }, f.country.element, f.tax_name.element, f.tax_rate_basis_points.element,
        f.tax_registration_number.element, f.company_number.element, f.registered_office.element), f.prices_include_tax.element),
    section('Invoices', el('div', { class: 'of-grid-2' }, f.payment_terms_days.element, f.payment_instructions.element), f.allow_free_text_items.element),
    section('Holidays', el('p', { class: 'of-hint' }, 'Days the business is closed. Time limits (SLAs) in business hours skip them, as they skip nights and weekends.'),
      holidays.element),
    section('What staff time costs', el('p', { class: 'of-hint' }, `What an hour of each role's time costs, in ${currency}: the evaluation shows what each step costs. Optional.`),
      el('div', { class: 'of-grid-2' }, COST_ROLES.map(([role]) => f[`cost_per_hour_cents.${role}`].element))));
  const saveButton = busyButton('Save business details', 'Saving…', save);
  form.appendChild(el('div', { class: 'of-settings-actions' }, saveButton));
  fill(root, heading, el('p', { class: 'of-subtitle' }, 'Who you are, where you work and what your invoices say.'), message, form);
  return { title: 'Business details', heading };
}

export { mount };
