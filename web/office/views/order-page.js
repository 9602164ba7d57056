/* An order's page, `#/orders/{id}` (the digest and alert emails link here): the customer (with
 * a link to their page), the address with a map link, the appointment and technician, the step
 * with the moves allowed next as buttons (POST /orders/{id}/transitions with the version read;
 * a refusal shows the API's reasons, a conflict reloads the order), the time spent in each step
 * against its SLA, the timeline of every move, note, photo and signature with who and when, a
 * note form, the line items (views/order-items.js) and the invoice with its payments
 * (views/order-invoice.js), and the order's quotes (views/order-quotes.js; first on an estimate).
 * Writes carry an Idempotency-Key kept until they are answered. */

import { api, uuid } from '../api.js';
import { el, fill, button, alertBox, say, alarm, field, focusOn, hidden } from '../dom.js';
import { dateLong, dateTime, duration, relative, stepLabel, time } from '../format.js';
import { itemsSection } from './order-items.js';
import { invoiceSection } from './order-invoice.js';
import { quotesSection } from './order-quotes.js';

const enc = encodeURIComponent;

/** The names of steps the page has seen (the order's, the next steps', the stays'). */
function labels(order) {
  const known = { [order.step]: order.step_label };
  (order.step_times || []).forEach((s) => { known[s.step] = s.label; });
  (order.next_steps || []).forEach((s) => { known[s.key] = s.label; });
  return (key) => known[key] || stepLabel(key);
}

// Staff names from GET /staff (for ids the order's own `people` does not name, e.g. payments).
const staffNames = {};

const who = (order, id) => {
  if (!id) return 'Someone';
  if (id === 'system') return 'The system';
  if (id === 'customer') return 'The customer';
  return (order && order.people && order.people[id]) || staffNames[id] || id;
};

async function loadStaffNames() {
  if (Object.keys(staffNames).length) return;
  try {
    const data = (await api('/staff')).data || {};
    (data.staff || []).forEach((m) => { staffNames[m.id] = m.name; });
  } catch (e) { /* ids stay ids */ }
}

const when = (iso, tz) => el('time', { datetime: iso }, dateTime(iso, tz));

/** A notice kept in the page state and drawn in its section: {kind, title, text, list}. */
function noticeBox(notice) {
  if (!notice) return null;
  return alertBox(notice.kind, notice.title, notice.text,
    notice.list && notice.list.length ? el('ul', {}, notice.list.map((t) => el('li', {}, t))) : null);
}

/** The reasons the API gave for a refusal, in words. */
function reasons(error) {
  const d = error.details;
  if (d && Array.isArray(d.unmet_conditions)) return d.unmet_conditions.map((u) => u.message || u.condition);
  if (Array.isArray(d)) return d.map((p) => `${p.field}: ${p.message}`);
  if (d && Array.isArray(d.fields)) return d.fields.map((p) => `${p.field}: ${p.message}`);
  if (d && Array.isArray(d.allowed_next)) return [`From here it can go to: ${d.allowed_next.map(stepLabel).join(', ') || 'nowhere'}.`];
  return [];
}

function orderPage(root, ctx, orderId) {
  const tz = ctx.business && ctx.business.timezone;
  const isAdmin = ctx.user && ctx.user.role === 'admin';
  const heading = el('h1', { class: 'of-title', tabindex: '-1' }, `Order ${orderId}`);
  const state = { order: null, notices: {}, keys: {}, busy: false };
  const page = { ctx, tz, isAdmin, state, act, render, reload, noticeBox, who: (id) => who(state.order, id), when: (iso) => when(iso, tz) };

  async function reload() {
    state.order = (await api(`/orders/${enc(orderId)}`)).data;
  }

  /** Run a write once (an Idempotency-Key per `keyName` until it is answered); on success draw
   * the order it answers; on a refusal put the reasons in `section`'s notice; on 409 reload. */
  async function act(section, keyName, call, success) {
    if (state.busy) return null;
    state.busy = true;
    root.querySelectorAll('[data-write]').forEach((b) => { b.disabled = true; });
    const key = keyName ? (state.keys[keyName] = state.keys[keyName] || uuid()) : undefined;
    let result = null;
    try {
      const answer = await call(key);
      if (keyName) delete state.keys[keyName];
      result = answer.data;
      if (result && result.order_id === orderId && result.step && result.history) state.order = result;
      state.notices = { [section]: success ? { kind: 'success', title: success } : null };
      if (success) say(success);
    } catch (error) {
      if (keyName && error.status !== 0) delete state.keys[keyName]; // no answer: the retry keeps its key
      if (error.status === 409) {
        try { await reload(); } catch (e) { /* drawn with what we have */ }
        state.notices = { [section]: { kind: 'warning', title: 'Someone else changed this order',
          text: `${error.message} The page now shows the order as it is; check it and try again.` } };
      } else {
        state.notices = { [section]: { kind: 'error', title: 'That was refused', text: error.message, list: reasons(error) } };
      }
      alarm(`${state.notices[section].title}. ${error.message} ${reasons(error).join(' ')}`);
      result = null;
    } finally {
      state.busy = false;
    }
    if (['step', 'items', 'invoice'].includes(section)) await invoice.load();
    render(section);
    return result;
  }

  // --- the sections ---------------------------------------------------------------------------

  function customerCard(o) {
    const a = o.address || {};
    return el('section', { class: 'of-card of-order-customer', 'aria-labelledby': 'of-order-customer-h' },
      el('h2', { class: 'of-heading', id: 'of-order-customer-h' }, 'Customer'),
      el('p', { class: 'of-order-name' }, o.customer_id
        ? el('a', { href: `#/customers/${enc(o.customer_id)}` }, o.customer.name, hidden(' (customer page and history)'))
        : o.customer.name),
      el('dl', { class: 'of-dl' },
        el('dt', {}, 'Phone'), el('dd', {}, o.customer.phone ? el('a', { href: `tel:${o.customer.phone}` }, o.customer.phone) : '–'),
        el('dt', {}, 'Email'), el('dd', {}, o.customer.email ? el('a', { href: `mailto:${o.customer.email}` }, o.customer.email) : '–'),
        el('dt', {}, 'Address'), el('dd', {}, el('address', {}, [a.street, [a.postcode, a.city].filter(Boolean).join(' ')].filter(Boolean).join(', ')),
          el('a', { href: o.maps_url || `https://www.google.com/maps/search/?api=1&query=${enc([a.street, a.postcode, a.city].filter(Boolean).join(', '))}`,
            target: '_blank', rel: 'noopener noreferrer', class: 'of-order-map' }, 'Open in Google Maps', hidden(' (opens in a new tab)')))),
      o.description ? el('p', { class: 'of-order-description' }, el('strong', {}, 'Job: '), o.description) : null);
  }

  function appointmentCard(o) {
    const t = o.technician;
    return el('section', { class: 'of-card of-order-appointment', 'aria-labelledby': 'of-order-appt-h' },
      el('h2', { class: 'of-heading', id: 'of-order-appt-h' }, 'Appointment'),
      o.appointment
        ? el('p', { class: 'of-order-when' }, dateLong(o.appointment.start, tz), el('br'),
          `${time(o.appointment.start, tz)}–${time(o.appointment.end, tz)}`)
        : el('p', { class: 'of-muted' }, 'Not booked yet.'),
      el('dl', { class: 'of-dl' },
        el('dt', {}, 'Technician'), el('dd', {}, t ? (t.name || t.id) : el('span', { class: 'of-muted' }, 'Not assigned')),
        t && t.phone ? [el('dt', {}, 'Their phone'), el('dd', {}, el('a', { href: `tel:${t.phone}` }, t.phone))] : null,
        el('dt', {}, 'Service'), el('dd', {}, o.service_name || '–'),
        el('dt', {}, 'Source'), el('dd', {}, o.source === 'web' ? 'Booked online' : o.source === 'phone' ? 'Phone call' : (o.source || '–'))),
      el('p', { class: 'of-order-board-link' }, el('a', { href: '#/board' }, 'Assign or reschedule on the board')));
  }

  function stepCard(o) {
    const label = labels(o);
    const note = el('textarea', { rows: '2', maxlength: '1000' });
    const noteField = field({ label: 'Note with the move', control: note, optional: true });
    const moves = (o.next_steps || []).map((s) => button(`Move to ${s.label}`, () => act('step', `move:${s.key}:${o.version}`,
      (key) => api(`/orders/${enc(orderId)}/transitions`, { method: 'POST', key,
        body: { to: s.key, expected_version: o.version, ...(note.value.trim() ? { note: note.value.trim() } : {}) } }),
      `Moved to ${s.label}.`), { kind: 'secondary', attrs: { 'data-write': true, 'data-move': s.key } }));
    return el('section', { class: 'of-card of-order-step', 'aria-labelledby': 'of-order-step-h' },
      el('h2', { class: 'of-heading', id: 'of-order-step-h', tabindex: '-1' }, 'Step'),
      el('p', {}, el('span', { class: `of-chip of-chip--${o.step}` }, label(o.step)),
        o.overdue ? [' ', el('span', { class: 'of-chip of-chip--overdue' }, 'Overdue')] : null),
      el('p', { class: 'of-muted' }, 'Since ', when(o.step_entered_at, tz), ` (${relative(o.step_entered_at)})`,
        o.sla_due_at ? ['; SLA ', o.overdue ? 'ran out ' : 'runs out ', when(o.sla_due_at, tz)] : null, '.'),
      el('div', { 'data-notice': 'step' }, noticeBox(state.notices.step)),
      moves.length
        ? [noteField.element, el('div', { class: 'of-button-row of-order-moves', role: 'group', 'aria-label': 'Move the order' }, moves)]
        : el('p', { class: 'of-muted' }, 'No further moves are open to you from this step.'));
  }

  function stepTimes(o) {
    const stays = o.step_times || [];
    return el('section', { class: 'of-card of-order-times', 'aria-labelledby': 'of-order-times-h' },
      el('h2', { class: 'of-heading', id: 'of-order-times-h' }, 'Time in each step'),
      stays.length ? el('div', { class: 'of-table-wrap' }, el('table', { class: 'of-table' },
        el('caption', { class: 'of-visually-hidden' }, 'Time spent in each step against its SLA'),
        el('thead', {}, el('tr', {}, ['Step', 'Entered', 'Time', 'SLA', ''].map((h, i) =>
          el('th', { scope: 'col', class: i === 2 || i === 3 ? 'of-num' : null }, h || hidden('Against the SLA'))))),
        el('tbody', {}, stays.map((s) => el('tr', { class: s.over_sla ? 'of-order-over' : null },
          el('th', { scope: 'row' }, s.label, s.left ? null : el('span', { class: 'of-muted' }, ' (now)')),
          el('td', {}, when(s.entered, tz)),
          el('td', { class: 'of-num' }, duration(s.seconds)),
          el('td', { class: 'of-num' }, s.sla_seconds ? duration(s.sla_seconds) : '–'),
          el('td', {}, s.sla_seconds === null ? el('span', { class: 'of-muted' }, 'No SLA')
            : s.over_sla ? el('span', { class: 'of-chip of-chip--overdue' }, `Over by ${duration(s.seconds - s.sla_seconds)}`)
              : el('span', { class: 'of-chip of-chip--completed' }, 'Within'))))))) : el('p', { class: 'of-empty' }, 'No stays recorded.'),
      (o.history_count || 0) > (o.history || []).length
        ? el('p', { class: 'of-hint' }, `From the newest ${o.history.length} of ${o.history_count} history entries.`) : null);
  }

  function timelineEntries(o) {
    const label = labels(o);
    const entries = [];
    (o.history || []).forEach((m) => {
      const changes = (m.changes || []).map((c) => `${c.field}: ${show(c.old)} → ${show(c.new)}`);
      if (!m.from) entries.push({ at: m.at, kind: 'move', by: m.by, text: `Created in ${label(m.to)}`, note: m.note });
      else if (m.from === m.to) entries.push({ at: m.at, kind: 'change', by: m.by, text: m.note || 'Changed the order', changes });
      else entries.push({ at: m.at, kind: 'move', by: m.by, text: `Moved from ${label(m.from)} to ${label(m.to)}`, note: m.note });
    });
    (o.notes || []).forEach((n) => entries.push({ at: n.at, kind: 'note', by: n.author, text: 'Note', note: n.text }));
    (o.photos || []).forEach((p) => entries.push({ at: p.uploaded_at, kind: 'photo', by: p.uploaded_by, text: 'Photo', photo: p }));
    (o.line_items || []).forEach((li) => entries.push({ at: li.added_at, kind: 'item', by: li.added_by,
      text: `Added ${li.quantity} × ${li.description}` }));
    if (o.signature) entries.push({ at: o.signature.at, kind: 'signature', by: o.signature.captured_by,
      text: `Signed by ${o.signature.signed_by}`, signature: o.signature });
    // Newest first; things done at the same moment keep the order they were recorded in, reversed.
    entries.forEach((e, i) => { e.seq = i; e.ms = Date.parse(e.at) || 0; });
    return entries.sort((a, b) => (b.ms - a.ms) || (b.seq - a.seq));
  }

  function show(value) {
    if (value === null || value === undefined || value === '') return '(none)';
    if (typeof value === 'object') return Object.values(value).filter((v) => v !== null).join(' ') || '(none)';
    return String(value);
  }

  function timeline(o) {
    const entries = timelineEntries(o);
    return el('section', { class: 'of-card of-order-timeline', 'aria-labelledby': 'of-order-timeline-h' },
      el('h2', { class: 'of-heading', id: 'of-order-timeline-h' }, 'Timeline'),
      el('ol', { class: 'of-order-events', 'aria-label': 'Newest first' }, entries.map((e) => el('li', { class: `of-order-event of-order-event--${e.kind}` },
        el('p', { class: 'of-order-event-head' }, el('strong', {}, e.text),
          el('span', { class: 'of-muted' }, ' · ', who(o, e.by), ' · ', when(e.at, tz))),
        e.note ? el('p', { class: 'of-order-event-note' }, e.note) : null,
        e.changes && e.changes.length ? el('ul', { class: 'of-order-changes' }, e.changes.map((c) => el('li', {}, c))) : null,
        e.photo ? el('a', { href: e.photo.url, target: '_blank', rel: 'noopener noreferrer' },
          el('img', { src: e.photo.url, class: 'of-order-photo', alt: `Photo uploaded by ${who(o, e.by)}`, loading: 'lazy' }),
          hidden(' (opens in a new tab)')) : null,
        e.signature ? el('img', { src: e.signature.url, class: 'of-order-signature', alt: `Signature of ${e.signature.signed_by}` }) : null))));
  }

  function noteForm(o) {
    const text = el('textarea', { rows: '3', maxlength: '2000', required: true });
    const f = field({ label: 'Add a note', control: text, hint: 'Seen by the office and the technician.' });
    const form = el('form', { class: 'of-order-note', novalidate: true },
      f.element, el('div', { 'data-notice': 'note' }, noticeBox(state.notices.note)),
      button('Add note', null, { type: 'submit', attrs: { 'data-write': true } }));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const value = text.value.trim();
      if (!value) { f.setError('Write the note first'); text.focus(); return; }
      act('note', `note:${value}`, (key) => api(`/orders/${enc(orderId)}/notes`, { method: 'POST', key, body: { text: value } }), 'Note added.');
    });
    return el('section', { class: 'of-card', 'aria-labelledby': 'of-order-note-h' },
      el('h2', { class: 'of-visually-hidden', id: 'of-order-note-h' }, 'Notes'), form);
  }

  // --- drawing --------------------------------------------------------------------------------

  const items = itemsSection(page);
  const invoice = invoiceSection(page);
  const quotes = quotesSection(page, orderId);

  function render(focusSection) {
    const o = state.order;
    heading.replaceChildren(`Order ${o.order_id}`);
    const sub = el('p', { class: 'of-subtitle' }, o.customer.name, ' · ', o.service_name || 'No service', ' · created ', when(o.created_at, tz),
      o.created_by ? [' by ', who(o, o.created_by)] : null);
    fill(root, el('div', { class: 'of-order' },
      el('p', { class: 'of-order-back' }, el('a', { href: '#/orders' }, '← All orders')),
      el('div', { class: 'of-screen-head' }, el('div', {}, heading, sub)),
      el('div', { class: 'of-order-top' }, customerCard(o), appointmentCard(o), stepCard(o)),
      el('div', { class: 'of-order-columns' },
        el('div', { class: 'of-order-main' }, o.kind === 'estimate' ? quotes.element() : null, // an estimate is there to be quoted
          items.element(o, invoice.standing()), invoice.element(o), o.kind === 'estimate' ? null : quotes.element()),
        el('div', { class: 'of-order-side' }, stepTimes(o), noteForm(o), timeline(o)))));
    if (focusSection) {
      const notice = root.querySelector(`[data-notice="${focusSection}"] .of-alert`);
      focusOn(notice || root.querySelector(`[data-section-heading="${focusSection}"]`) || heading);
    }
  }

  return (async () => {
    try {
      await Promise.all([reload().then(() => invoice.load()), items.load(), quotes.load(), loadStaffNames()]); // the invoice part reads the order's deposit
    } catch (error) {
      fill(root, el('div', { class: 'of-order' }, el('p', { class: 'of-order-back' }, el('a', { href: '#/orders' }, '← All orders')),
        heading, alertBox(error.status === 404 ? 'warning' : 'error',
          error.status === 404 ? 'There is no such order' : 'The order could not be loaded', error.message)));
      return { title: `Order ${orderId}`, heading };
    }
    render(null);
    return { title: `Order ${orderId}`, heading };
  })();
}

export { orderPage, noticeBox, reasons };
