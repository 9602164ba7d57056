/* Settings: business details. The name, contact details, timezone, currency and locale, the
 * legal fields an invoice needs (country, tax name and rate, tax registration and company
 * numbers, registered office, whether prices include the tax) and the invoice terms. Saved with
 * PUT /business, sending only the fields changed here, so a change another admin made to other
 * fields meanwhile is kept; the API's validation errors are shown at their fields. */

import { api } from '../api.js';
import { el, fill } from '../dom.js';
import { setBusiness } from '../format.js';
import {
  textField, checkField, selectField, section, messageArea, busyButton, showError, clearErrors, saved,
  parseBasisPoints, percentText, parseWhole, showStale, isStale,
} from './settings-common.js';

function zones(current) {
  let list = [];
  try { list = Intl.supportedValuesOf('timeZone'); } catch (e) { list = ['Europe/London', 'UTC']; }
  if (current && !list.includes(current)) list = [current, ...list];
  if (!list.includes('UTC')) list = [...list, 'UTC'];
  return list.map((z) => [z, z.replace(/_/g, ' ')]);
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
  });
  const asLoaded = (key) => {
    const v = data[key];
    if (key === 'prices_include_tax') return v === true;
    if (key === 'allow_free_text_items') return v !== false;
    if (key === 'locale') return v || 'en-GB';
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
    if (local.length) {
      showError({ message: 'Check the highlighted fields.', details: local }, f, message);
      return;
    }
    const changes = {};
    for (const [key, value] of Object.entries(values)) {
      if (value !== asLoaded(key)) changes[key] = value;
    }
    if (!Object.keys(changes).length) {
      saved(message, 'Nothing to save: no field was changed.');
      return;
    }
    try {
      data = (await api('/business', { method: 'PUT', body: { ...changes, expected_version: data.version } })).data;
    } catch (error) {
      if (isStale(error)) { showStale(error, message, () => ctx.refresh()); return; }
      showError(error, f, message);
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
    section('Invoices', el('div', { class: 'of-grid-2' }, f.payment_terms_days.element, f.payment_instructions.element), f.allow_free_text_items.element));
  const saveButton = busyButton('Save business details', 'Saving…', save);
  form.appendChild(el('div', { class: 'of-settings-actions' }, saveButton));
  fill(root, heading, el('p', { class: 'of-subtitle' }, 'Who you are, where you work and what your invoices say.'), message, form);
  return { title: 'Business details', heading };
}

export { mount };
