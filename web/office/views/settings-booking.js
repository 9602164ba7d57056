/* Settings: booking rules. How far ahead and how soon customers may book, the grid of start
 * times, the travel buffer between jobs, the cut-off for changing or cancelling online, and the
 * opening hours (the times the booking form offers). Saved with PUT /business {booking,
 * opening_hours}; the API's errors are shown at their fields (`booking.<rule>`, `opening_hours.<day>`). */

import { api } from '../api.js';
import { el, fill } from '../dom.js';
import { textField, section, messageArea, busyButton, showError, clearErrors, saved, parseWhole, hoursEditor, same, showStale, isStale } from './settings-common.js';

const RULES = [
  ['min_notice_minutes', 'Least notice (minutes)', 'How soon a customer may book online: 120 means at least 2 hours from now (0 to 10080).'],
  ['max_days_ahead', 'Furthest ahead (days)', 'How many days ahead the booking form offers times (1 to 365).'],
  ['slot_grid_minutes', 'Start times every (minutes)', 'Appointments start on this grid: 30 offers 08:00, 08:30, 09:00… (5 to 240).'],
  ['travel_buffer_minutes', 'Travel between jobs (minutes)', 'Kept free between two jobs of one technician (0 to 240).'],
  ['cancellation_cutoff_hours', 'Online changes up to (hours before)', 'Customers may reschedule or cancel online until this many hours before the appointment; after that they call (0 to 720).'],
];

async function mount(root, ctx) {
  let data = (await api('/business')).data;
  const heading = el('h1', { class: 'of-title' }, 'Booking rules');
  const message = messageArea();
  const f = {};
  for (const [key, label, hint] of RULES) {
    f[`booking.${key}`] = textField({ label, hint, name: key, value: String(data.booking[key]), props: { inputmode: 'numeric', size: 6 } });
  }
  const hours = hoursEditor('opening_hours', data.opening_hours, 'Opening hours');
  Object.assign(f, hours.fields);

  async function save() {
    clearErrors(f, message);
    const booking = {};
    const local = [];
    for (const [key] of RULES) {
      const value = parseWhole(f[`booking.${key}`].control.value);
      if (value === null) local.push({ field: `booking.${key}`, message: 'must be a whole number' });
      else if (value !== data.booking[key]) booking[key] = value;
    }
    local.push(...hours.check());
    if (local.length) { showError({ message: 'Check the highlighted fields.', details: local }, f, message); return; }
    const body = {};
    if (Object.keys(booking).length) body.booking = booking;
    const opening = hours.value();
    if (!same(opening, data.opening_hours)) body.opening_hours = opening;
    if (!Object.keys(body).length) { saved(message, 'Nothing to save: no rule or hours were changed.'); return; }
    try {
      data = (await api('/business', { method: 'PUT', body: { ...body, expected_version: data.version } })).data;
    } catch (error) {
      if (isStale(error)) { showStale(error, message, () => ctx.refresh()); return; }
      showError(error, f, message);
      return;
    }
    saved(message, 'Booking rules saved.');
  }

  const saveButton = busyButton('Save booking rules', 'Saving…', save);
  const form = el('form', { class: 'of-settings-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); saveButton.click(); } },
    section('Rules', el('div', { class: 'of-grid-2' }, RULES.map(([key]) => f[`booking.${key}`].element))),
    section('Opening hours', el('p', { class: 'of-hint' }, 'The times the booking form offers, in the business\'s timezone. A technician is booked only within their own working hours too.'), hours.element),
    el('div', { class: 'of-settings-actions' }, saveButton));
  fill(root, heading, el('p', { class: 'of-subtitle' }, 'What customers may book online, and when.'), message, form);
  return { title: 'Booking rules', heading };
}

export { mount };
