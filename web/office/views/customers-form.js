/* A customer record's form, for a new customer (POST /customers, from the phone call screen) and
 * for editing one (PATCH /customers/{id} with `expected_version`, from the customer's page).
 * The API's 422 problems are shown at their fields (`name`, `addresses.1.postcode`...); 409
 * `customer_exists` offers the customer who has that email or phone; a stale version (409 with
 * `current_version`) says someone else changed the record and offers to start again from theirs. */

import { api } from '../api.js';
import { el, fill, field, button, alertBox, alarm, say, focusOn, showFieldErrors, capitalise } from '../dom.js';

/** The API's field problems, [{field, message}], whichever shape the details have. */
function problemsOf(error) {
  if (!error || !error.details) return [];
  if (Array.isArray(error.details)) return error.details;
  if (Array.isArray(error.details.fields)) return error.details.fields;
  return [];
}

function text(label, name, value, props = {}) {
  const control = el('input', { type: props.type || 'text', value: value || '', autocomplete: props.autocomplete || 'off', ...props.attrs });
  return field({ label, control, name, optional: props.optional, hint: props.hint });
}

function addressFields(prefix, value = {}, optional = false) {
  return {
    street: text('Street', `${prefix}.street`, value.street, { optional, autocomplete: 'address-line1' }),
    city: text('Town or city', `${prefix}.city`, value.city, { optional, autocomplete: 'address-level2' }),
    postcode: text('Postcode', `${prefix}.postcode`, value.postcode, { optional, autocomplete: 'postal-code', attrs: { size: 10, maxlength: 10 } }),
  };
}

const addressValue = (f) => ({ street: f.street.control.value.trim(), city: f.city.control.value.trim(), postcode: f.postcode.control.value.trim() });
const blank = (a) => !a.street && !a.city && !a.postcode;
const addressText = (a) => [a.street, a.city, a.postcode].filter(Boolean).join(', ');

/**
 * customerForm({customer?, onSaved(record), onCancel(), onUseExisting(customer_id)?, idPrefix})
 * -> {element, focus()}
 */
function customerForm(options) {
  const editing = !!options.customer;
  let record = options.customer || null;
  const message = el('div', { class: 'of-customers-form-message', tabindex: '-1' });
  const f = {};
  let kept = []; // the record's addresses still on it (editing)
  const addressList = el('ul', { class: 'of-customers-form-addresses' });
  const form = el('form', { class: 'of-customers-form', novalidate: true });

  function build() {
    const c = record || {};
    for (const key of Object.keys(f)) delete f[key];
    f.name = text('Name', 'name', c.name, { autocomplete: 'name' });
    f.phone = text('Phone', 'phone', c.phone, { type: 'tel', autocomplete: 'tel', hint: 'Any format: 0117 496 0000 or +44 117 496 0000.' });
    f.email = text('Email', 'email', c.email, { type: 'email', autocomplete: 'email', optional: true });
    const contacts = el('div', { class: 'of-grid-2' }, f.phone.element, f.email.element);
    const parts = [f.name.element, contacts];
    if (editing) {
      const notes = el('textarea', { rows: 3 });
      notes.value = c.notes || '';
      f.notes = field({ label: 'Notes', control: notes, name: 'notes', optional: true, hint: 'For the office: access, parking, preferences.' });
      const consent = el('input', { type: 'checkbox', id: 'of-customers-consent', checked: c.marketing_consent ? true : null });
      f.marketing_consent = { control: consent, element: null, setError: (m) => alarm(m), clearError: () => {} };
      kept = (c.addresses || []).map((a) => ({ ...a }));
      parts.push(f.notes.element,
        el('div', { class: 'of-check' }, consent, el('label', { for: 'of-customers-consent' }, 'Agrees to marketing emails')));
      parts.push(el('fieldset', { class: 'of-customers-form-set' }, el('legend', { class: 'of-label' }, 'Addresses'), addressList));
      renderKept();
    }
    const added = addressFields(`addresses.${editing ? 'new' : 0}`, {});
    f.new_address = added;
    const legend = editing ? 'Add an address' : 'Address';
    parts.push(el('fieldset', { class: 'of-customers-form-set' }, el('legend', { class: 'of-label' }, legend, el('span', { class: 'of-optional' }, ' (optional)')),
      added.street.element, el('div', { class: 'of-grid-2' }, added.city.element, added.postcode.element)));
    const save = button(editing ? 'Save changes' : 'Save the customer', null, { type: 'submit' });
    const cancel = button('Cancel', () => options.onCancel && options.onCancel(), { kind: 'secondary' });
    fill(form, message, parts, el('div', { class: 'of-button-row' }, save, cancel));
  }

  function renderKept() {
    fill(addressList, kept.length ? kept.map((a, i) => el('li', { class: 'of-customers-form-address' },
      el('span', {}, addressText(a)),
      button('Remove', () => { kept.splice(i, 1); renderKept(); say(`Address removed: ${addressText(a)}. Save to keep the change.`); },
        { kind: 'secondary', small: true, attrs: { 'aria-label': `Remove ${addressText(a)}` } })))
      : el('li', { class: 'of-muted' }, 'No addresses.'));
  }

  /** The problems' field names mapped onto this form's fields. */
  function fieldMap() {
    const map = { name: f.name, phone: f.phone, email: f.email };
    if (f.notes) map.notes = f.notes;
    const index = editing ? kept.length : 0;
    for (const part of ['street', 'city', 'postcode']) map[`addresses.${index}.${part}`] = f.new_address[part];
    return map;
  }

  function body() {
    const a = addressValue(f.new_address);
    const value = { name: f.name.control.value.trim(), phone: f.phone.control.value.trim() || null, email: f.email.control.value.trim() || null };
    if (!editing) {
      if (!value.phone) delete value.phone;
      if (!value.email) delete value.email;
      if (!blank(a)) value.addresses = [a];
      return value;
    }
    value.notes = f.notes.control.value.trim() || null;
    value.marketing_consent = f.marketing_consent.control.checked;
    value.addresses = blank(a) ? kept : [...kept, a];
    value.expected_version = record.version;
    return value;
  }

  function problem(error, extra) {
    const problems = problemsOf(error);
    const unmatched = showFieldErrors({ details: { fields: problems } }, fieldMap());
    const list = unmatched.length ? el('ul', {}, unmatched.map((p) => el('li', {}, `${p.field}: ${p.message}`))) : null;
    fill(message, alertBox('error', problems.length ? 'Check the highlighted fields' : 'Not saved', error.message, list, extra || null));
    alarm(`Not saved. ${error.message} ${problems.map((p) => `${p.field}: ${p.message}`).join('. ')}`);
    const first = form.querySelector('[aria-invalid="true"]'); // the first wrong field on the page, not in the API's order
    if (first) first.focus();
    else focusOn(message.firstChild);
  }

  let sending = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (sending) return;
    sending = true;
    const submit = form.querySelector('button[type="submit"]');
    submit.disabled = true;
    fill(message);
    try {
      const answer = editing
        ? await api(`/customers/${encodeURIComponent(record.customer_id)}`, { method: 'PATCH', body: body() })
        : await api('/customers', { method: 'POST', body: body() });
      Object.values(fieldMap()).forEach((x) => x.clearError());
      options.onSaved(answer.data);
    } catch (error) {
      if (error.status === 409 && error.code === 'customer_exists' && error.details && error.details.customer_id) {
        const other = error.details.customer_id;
        problem(error, options.onUseExisting
          ? button('Use that customer instead', () => options.onUseExisting(other), { kind: 'secondary' })
          : el('p', {}, el('a', { href: `#/customers/${encodeURIComponent(other)}` }, 'Open that customer')));
      } else if (error.status === 409 && editing) {
        const reload = button('Start again from their version', async () => {
          try {
            record = (await api(`/customers/${encodeURIComponent(record.customer_id)}`)).data;
            build();
            say('The form now shows the record as it is; make your change again.');
            focusOn(f.name.control);
          } catch (again) { problem(again); }
        }, { kind: 'secondary' });
        fill(message, alertBox('warning', 'Someone else changed this customer', `${error.message} Your changes were not saved.`, reload));
        alarm('Not saved: someone else changed this customer while you were editing.');
        focusOn(message.firstChild);
      } else {
        problem(error);
      }
    } finally {
      sending = false;
      if (submit.isConnected) submit.disabled = false;
    }
  });

  build();
  return { element: form, focus: () => focusOn(f.name.control) };
}

export { customerForm, problemsOf, addressText, capitalise };
