/* Phone call (#/intake): who is calling (search as you type, or a new customer), the job (the
 * service, one of the customer's addresses or a new one), the free times of the next days with
 * the technician who would get each (GET /availability), then Book (POST /orders with the time
 * and the technician: scheduled, and the confirmation email goes out as for an online booking)
 * or Save as a request (POST /orders without a time: it waits in the board's tray).
 *
 * POST /orders takes no Idempotency-Key, so a double click must not send twice: the buttons are
 * disabled while a booking is being sent, and the screen says so. `#/intake?customer=C-...`
 * opens the call with that customer chosen (the customer page links here). */

import { api } from '../api.js';
import { el, fill, field, button, alertBox, say, alarm, focusOn, hidden, showFieldErrors } from '../dom.js';
import { dateLong, dateShort, time, money } from '../format.js';
import { timesPicker } from './intake-times.js';
import { searchBox, customerLine } from './customers-search.js';
import { customerForm, problemsOf, addressText } from './customers-form.js';

async function mount(root, ctx) {
  const tz = ctx.business && ctx.business.timezone;
  const heading = el('h1', { class: 'of-title' }, 'Phone call');
  const services = ((await api('/services')).data.services || []).filter((s) => s.active !== false);

  const state = {
    customer: null, // GET /customers/{id}
    addressIndex: 0, // an index into customer.addresses, or -1 for a new address
    sending: false,
  };
  let postcodeTimer = null;

  // --- 1. the caller ----------------------------------------------------------------------

  const callerArea = el('section', { class: 'of-card of-intake-caller', 'aria-labelledby': 'of-intake-caller-title' });
  const finder = searchBox({
    label: 'Find the caller',
    hint: 'Phone number (any format), name, email, full postcode or order number.',
    onChoose: (c) => choose(c.customer_id),
  });
  const newButton = button('New customer', () => showNewCustomer(), { kind: 'secondary' });

  function showSearch() {
    state.customer = null;
    fill(callerArea, el('h2', { class: 'of-heading', id: 'of-intake-caller-title' }, '1. Who is calling?'),
      finder.element, el('div', { class: 'of-intake-new' }, el('span', { class: 'of-muted' }, 'Not found?'), newButton));
    jobArea.hidden = true;
  }

  function showNewCustomer() {
    finder.stop();
    const form = customerForm({
      onSaved: (record) => { say(`Customer ${record.name} saved.`); choose(record.customer_id, record); },
      onCancel: () => { showSearch(); focusOn(finder.input); },
      onUseExisting: (id) => choose(id),
    });
    fill(callerArea, el('h2', { class: 'of-heading', id: 'of-intake-caller-title' }, '1. New customer'), form.element);
    form.focus();
  }

  async function choose(customerId, known) {
    finder.stop();
    fill(callerArea, el('h2', { class: 'of-heading', id: 'of-intake-caller-title' }, '1. Who is calling?'), el('p', { class: 'of-loading' }, 'Opening the customer…'));
    let record;
    try {
      record = (await api(`/customers/${encodeURIComponent(customerId)}`)).data;
    } catch (error) {
      if (error.code === 'customer_merged' && error.details && error.details.merged_into) { choose(error.details.merged_into); return; }
      if (known) record = known;
      else {
        showSearch();
        callerArea.prepend(alertBox('error', 'The customer could not be opened', error.message));
        alarm(error.message);
        return;
      }
    }
    state.customer = record;
    state.addressIndex = (record.addresses || []).length ? 0 : -1;
    showCaller();
    renderJob();
    jobArea.hidden = false;
    say(`${record.name} chosen. ${customerLine(record).orders}.`);
    focusOn(serviceField.control);
    loadTimes();
  }

  function showCaller() {
    const c = state.customer;
    const words = customerLine(c);
    fill(callerArea,
      el('h2', { class: 'of-heading', id: 'of-intake-caller-title' }, '1. Who is calling?'),
      el('div', { class: 'of-intake-chosen' },
        el('div', {},
          el('p', { class: 'of-intake-chosen-name' }, c.name),
          el('p', {}, words.contact || 'No phone or email'),
          el('p', { class: 'of-muted' }, words.orders, c.balance_cents ? ` · owes ${money(c.balance_cents, ctx.business.currency)}` : ''),
          c.notes ? el('p', { class: 'of-intake-notes' }, el('strong', {}, 'Notes: '), c.notes) : null),
        el('div', { class: 'of-intake-chosen-actions' },
          el('a', { href: `#/customers/${encodeURIComponent(c.customer_id)}`, class: 'of-button of-button--secondary of-button--small' }, 'Customer page', hidden(` of ${c.name}`)),
          button('Change caller', () => { showSearch(); finder.clear(); focusOn(finder.input); }, { kind: 'secondary', small: true }))));
  }

  // --- 2. the job --------------------------------------------------------------------------

  const byName = [...services].sort((a, b) => a.name.localeCompare(b.name));
  const serviceSelect = el('select', {}, el('option', { value: '' }, 'Choose the service…'),
    byName.map((s) => el('option', { value: s.id }, `${s.name} (${s.duration_minutes} min)`)));
  const serviceField = field({ label: 'Service', control: serviceSelect, name: 'service_id' });
  serviceSelect.addEventListener('change', () => loadTimes());
  const description = el('textarea', { rows: 2 });
  const descriptionField = field({ label: 'What is the job?', control: description, name: 'description', optional: true,
    hint: 'What the caller says: what needs doing, access, the best time to call back.' });
  const addressArea = el('fieldset', { class: 'of-intake-addresses' });
  const newAddress = {
    street: field({ label: 'Street', control: el('input', { type: 'text', autocomplete: 'off' }), name: 'address.street' }),
    city: field({ label: 'Town or city', control: el('input', { type: 'text', autocomplete: 'off' }), name: 'address.city' }),
    postcode: field({ label: 'Postcode', control: el('input', { type: 'text', autocomplete: 'off', size: 10, maxlength: 10 }), name: 'address.postcode' }),
  };
  newAddress.postcode.control.addEventListener('input', () => {
    clearTimeout(postcodeTimer);
    postcodeTimer = setTimeout(() => loadTimes(), 500);
  });
  const newAddressBox = el('div', { class: 'of-intake-new-address' }, newAddress.street.element,
    el('div', { class: 'of-grid-2' }, newAddress.city.element, newAddress.postcode.element));

  function address() {
    const list = state.customer ? state.customer.addresses || [] : [];
    if (state.addressIndex >= 0 && list[state.addressIndex]) return list[state.addressIndex];
    return { street: newAddress.street.control.value.trim(), city: newAddress.city.control.value.trim(), postcode: newAddress.postcode.control.value.trim() };
  }

  function renderAddresses() {
    const list = state.customer.addresses || [];
    const options = list.map((a, i) => el('div', { class: 'of-check' },
      el('input', { type: 'radio', name: 'of-intake-address', id: `of-intake-address-${i}`, value: String(i), checked: state.addressIndex === i ? true : null,
        onchange: () => { state.addressIndex = i; newAddressBox.hidden = true; loadTimes(); } }),
      el('label', { for: `of-intake-address-${i}` }, addressText(a))));
    options.push(el('div', { class: 'of-check' },
      el('input', { type: 'radio', name: 'of-intake-address', id: 'of-intake-address-new', value: 'new', checked: state.addressIndex === -1 ? true : null,
        onchange: () => { state.addressIndex = -1; newAddressBox.hidden = false; loadTimes(); focusOn(newAddress.street.control); } }),
      el('label', { for: 'of-intake-address-new' }, list.length ? 'Another address' : 'A new address')));
    newAddressBox.hidden = state.addressIndex !== -1;
    fill(addressArea, el('legend', { class: 'of-label' }, 'Address of the job'), options, newAddressBox);
  }

  const jobArea = el('section', { class: 'of-card of-intake-job', 'aria-labelledby': 'of-intake-job-title', hidden: true });
  const times = timesPicker({ tz, onChange: () => updateBookLabel() });
  const actionMessage = el('div', { class: 'of-intake-message', tabindex: '-1' });
  const bookButton = button('Book this time', () => book());
  const requestButton = button('Save as a request', () => saveRequest(), { kind: 'secondary' });
  const sendingNote = el('p', { class: 'of-intake-sending', role: 'status', hidden: true });

  function renderJob() {
    renderAddresses();
    fill(jobArea,
      el('h2', { class: 'of-heading', id: 'of-intake-job-title' }, '2. The job'),
      el('div', { class: 'of-intake-job-grid' },
        el('div', {}, serviceField.element, descriptionField.element),
        addressArea),
      el('h2', { class: 'of-heading of-intake-times-title', id: 'of-intake-times-title' }, '3. When'),
      times.element,
      actionMessage,
      el('div', { class: 'of-button-row of-intake-actions' }, bookButton, requestButton),
      el('p', { class: 'of-hint' }, 'Book: the order is scheduled and the customer gets the confirmation email. Save as a request: no time yet; it waits in the board’s tray to be scheduled.'),
      sendingNote);
    updateBookLabel();
  }

  // --- 3. the free times -------------------------------------------------------------------

  function loadTimes() {
    if (!state.customer) return;
    if (!serviceSelect.value) { times.clear(); return; }
    times.load(serviceSelect.value, address().postcode);
  }

  function updateBookLabel() {
    const slot = times.slot();
    const tech = times.technician();
    bookButton.textContent = slot ? `Book ${dateShort(slot.start, tz)} at ${time(slot.start, tz)} with ${tech.name}` : 'Book this time';
  }

  // --- sending -----------------------------------------------------------------------------

  function busy(on, text) {
    state.sending = on;
    bookButton.disabled = on;
    requestButton.disabled = on;
    sendingNote.hidden = !on;
    sendingNote.textContent = on ? text : '';
  }

  function fieldsForErrors() {
    const map = { service_id: serviceField, description: descriptionField };
    if (state.addressIndex === -1) {
      for (const part of ['street', 'city', 'postcode']) {
        map[`address.${part}`] = newAddress[part];
        map[`addresses.${(state.customer.addresses || []).length}.${part}`] = newAddress[part];
      }
    }
    return map;
  }

  function showProblem(error, title) {
    const problems = problemsOf(error);
    const unmatched = showFieldErrors({ details: { fields: problems } }, fieldsForErrors());
    const alternatives = error.details && Array.isArray(error.details.alternatives) && error.details.alternatives.length
      ? el('p', {}, `Nearest free: ${error.details.alternatives.map((a) => `${dateShort(a.start, tz)} ${time(a.start, tz)}`).join(', ')}.`) : null;
    fill(actionMessage, alertBox('error', title, error.message,
      unmatched.length ? el('ul', {}, unmatched.map((p) => el('li', {}, `${p.field}: ${p.message}`))) : null, alternatives));
    alarm(`${title}. ${error.message}`);
    if (!problems.length || unmatched.length) focusOn(actionMessage.firstChild);
  }

  /** The job's address; a new one is added to the customer's record first (their properties). */
  async function jobAddress() {
    const a = address();
    if (state.addressIndex >= 0) return a;
    const missing = ['street', 'city', 'postcode'].filter((p) => !a[p]).map((p) => ({ field: `address.${p}`, message: 'is required' }));
    if (missing.length) throw Object.assign(new Error('The address is not complete.'), { status: 422, details: missing });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const c = state.customer;
      try {
        const saved = (await api(`/customers/${encodeURIComponent(c.customer_id)}`, { method: 'PATCH',
          body: { addresses: [...(c.addresses || []), a], expected_version: c.version } })).data;
        state.customer = { ...c, ...saved };
        return a;
      } catch (error) {
        if (error.status !== 409 || attempt) throw error;
        state.customer = { ...c, ...(await api(`/customers/${encodeURIComponent(c.customer_id)}`)).data };
      }
    }
    return a;
  }

  function orderBody(a) {
    const c = state.customer;
    const service = services.find((s) => s.id === serviceSelect.value);
    const body = {
      customer_id: c.customer_id,
      customer: { name: c.name, ...(c.email ? { email: c.email } : {}), ...(c.phone ? { phone: c.phone } : {}) },
      address: a,
    };
    if (service) { body.service_id = service.id; body.service_name = service.name; }
    if (description.value.trim()) body.description = description.value.trim();
    return body;
  }

  async function book() {
    if (state.sending) return;
    if (!times.slot()) {
      fill(actionMessage, alertBox('error', 'Choose a time first', 'Pick one of the free times above, or save the call as a request.'));
      alarm('Choose a time first.');
      times.focus();
      return;
    }
    const slot = times.slot();
    const tech = times.technician();
    busy(true, 'Booking… (the buttons are off until the booking is made, so it is made once)');
    fill(actionMessage);
    try {
      const a = await jobAddress();
      const order = (await api('/orders', { method: 'POST', body: { ...orderBody(a), start: slot.start, technician_id: tech.id } })).data;
      done(order, true);
    } catch (error) {
      busy(false);
      if (error.status === 409 && error.code === 'slot_taken') {
        showProblem(error, 'That time has just gone');
        times.reload();
      } else {
        showProblem(error, 'Not booked');
      }
    }
  }

  async function saveRequest() {
    if (state.sending) return;
    busy(true, 'Saving the request… (the buttons are off until it is saved, so it is saved once)');
    fill(actionMessage);
    try {
      const a = await jobAddress();
      const order = (await api('/orders', { method: 'POST', body: orderBody(a) })).data;
      done(order, false);
    } catch (error) {
      busy(false);
      showProblem(error, 'Not saved');
    }
  }

  function done(order, booked) {
    busy(false);
    const c = state.customer;
    const when = order.appointment ? `${dateLong(order.appointment.start, tz)}, ${time(order.appointment.start, tz)}–${time(order.appointment.end, tz)}` : null;
    const tech = order.technician ? order.technician.name || order.technician.id : null;
    const lines = booked
      ? [el('p', {}, `${order.service_name || 'The job'} for ${c.name} on ${when} with ${tech}.`),
        el('p', {}, c.email ? `The confirmation email goes to ${c.email}.` : 'There is no email on record, so no confirmation is sent: tell the caller the time.')]
      : [el('p', {}, `${order.service_name || 'The job'} for ${c.name}, waiting for a time. It is in the board’s tray to be scheduled.`)];
    const title = booked ? `Booked: ${order.order_id}` : `Request saved: ${order.order_id}`;
    const result = alertBox('success', title, null, lines,
      el('div', { class: 'of-button-row' },
        el('a', { class: 'of-button', href: `#/orders/${encodeURIComponent(order.order_id)}` }, `Open order ${order.order_id}`),
        button('Take another call', () => (ctx.query.get('customer') ? ctx.go('#/intake') : ctx.refresh()), { kind: 'secondary' })));
    fill(body, heading, result);
    say(`${title}. ${booked ? `${when} with ${tech}.` : ''}`);
    focusOn(result);
  }

  // --- the screen --------------------------------------------------------------------------

  const body = el('div', { class: 'of-intake' });
  fill(body, el('div', { class: 'of-screen-head' }, el('div', {}, heading,
    el('p', { class: 'of-subtitle' }, 'Find the caller, choose the job and a time, then book it or save it as a request.'))),
  callerArea, jobArea);
  fill(root, body);
  showSearch();
  const preset = ctx.query.get('customer');
  if (preset) choose(preset);

  return {
    title: 'Phone call',
    heading,
    leave() { finder.stop(); clearTimeout(postcodeTimer); times.stop(); },
  };
}

export { mount };
