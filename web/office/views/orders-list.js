/* The orders list, `#/orders?q=&step=&technician=&from=&to=&overdue=1&cursor=`: a search box
 * (order number, phone, email, postcode or name), the step, the technician, appointment dates
 * (days in the business's timezone) and "only overdue"; every filter lives in the address, so a
 * filtered list can be linked and Back returns to it. GET /orders answers a page at a time:
 * "Next page" follows its `next_cursor`, "Previous page" goes back through the cursors seen. */

import { api } from '../api.js';
import { el, fill, button, alertBox, say, alarm, field, focusOn } from '../dom.js';
import { dateShort, dateTime, duration, plural, stepLabel, time } from '../format.js';

const PAGE = 25;
const FILTERS = ['q', 'step', 'technician', 'from', 'to', 'overdue'];

// Cursors of the pages seen for one set of filters, so "Previous page" can go back.
const trail = { filters: null, cursors: [] };

/** Milliseconds to add to UTC to get the wall clock of `tz` at instant `ms`. */
function offsetAt(ms, tz) {
  const parts = {};
  new Intl.DateTimeFormat('en-GB', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(ms)).forEach((p) => { parts[p.type] = p.value; });
  const wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour % 24, +parts.minute, +parts.second);
  return wall - Math.floor(ms / 1000) * 1000;
}

/** The instant a YYYY-MM-DD day starts in `tz` (plus `extraMs`), as ISO 8601 UTC. */
function dayStart(day, tz, extraMs = 0) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || '');
  if (!m) return null;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3]) + extraMs;
  if (!tz) return new Date(wall).toISOString();
  let guess = wall - offsetAt(wall, tz);
  guess = wall - offsetAt(guess, tz);
  return new Date(guess).toISOString().replace('.000Z', 'Z');
}

function filtersOf(query) {
  const f = {};
  FILTERS.forEach((name) => { const v = (query.get(name) || '').trim(); if (v) f[name] = v; });
  if (f.overdue && !['1', 'true'].includes(f.overdue)) delete f.overdue;
  return f;
}

function hashOf(filters, cursor) {
  const params = new URLSearchParams();
  FILTERS.forEach((name) => { if (filters[name]) params.set(name, filters[name]); });
  if (cursor) params.set('cursor', cursor);
  const text = params.toString();
  return text ? `#/orders?${text}` : '#/orders';
}

function apiQuery(filters, cursor, tz) {
  const q = { limit: PAGE, cursor };
  ['q', 'step', 'technician'].forEach((n) => { if (filters[n]) q[n] = filters[n]; });
  if (filters.from) q.from = dayStart(filters.from, tz) || filters.from;
  if (filters.to) q.to = dayStart(filters.to, tz, 86400000 - 1000) || filters.to; // the end of that day
  if (filters.overdue) q.overdue = 'true';
  return q;
}

function slaCell(order) {
  if (order.overdue) {
    const late = (Date.now() - new Date(order.sla_due_at).getTime()) / 1000;
    return el('span', { class: 'of-chip of-chip--overdue' }, `Overdue ${duration(late)}`);
  }
  if (order.sla_due_at) return el('span', {}, 'Due ', dateTime(order.sla_due_at));
  return el('span', { class: 'of-muted' }, '–');
}

function rowsTable(orders, tz, pageNumber) {
  return el('div', { class: 'of-table-wrap' }, el('table', { class: 'of-table of-orders-table' },
    el('caption', { class: 'of-visually-hidden' }, `Orders, page ${pageNumber}`),
    el('thead', {}, el('tr', {}, ['Order', 'Customer', 'Service', 'Step', 'Technician', 'Appointment', 'Created', 'SLA']
      .map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, orders.map((o) => el('tr', { 'data-order': o.order_id },
      el('th', { scope: 'row' }, el('a', { href: `#/orders/${encodeURIComponent(o.order_id)}` }, o.order_id)),
      el('td', {}, (o.customer && o.customer.name) || '–'),
      el('td', {}, o.service_name || o.description || '–'),
      el('td', {}, el('span', { class: `of-chip of-chip--${o.step}` }, o.step_label || stepLabel(o.step))),
      el('td', {}, o.technician ? (o.technician.name || o.technician.id) : el('span', { class: 'of-muted' }, 'Unassigned')),
      el('td', {}, o.appointment
        ? [dateShort(o.appointment.start, tz), el('br'), `${time(o.appointment.start, tz)}–${time(o.appointment.end, tz)}`]
        : el('span', { class: 'of-muted' }, 'Not booked')),
      el('td', {}, dateShort(o.created_at, tz)),
      el('td', {}, slaCell(o)))))));
}

function listScreen(root, ctx) {
  const tz = ctx.business && ctx.business.timezone;
  const heading = el('h1', { class: 'of-title' }, 'Orders');
  const controls = {
    q: el('input', { type: 'search', name: 'q', autocomplete: 'off', maxlength: '200' }),
    step: el('select', { name: 'step' }, el('option', { value: '' }, 'Any step')),
    technician: el('select', { name: 'technician' }, el('option', { value: '' }, 'Any technician')),
    from: el('input', { type: 'date', name: 'from' }),
    to: el('input', { type: 'date', name: 'to' }),
    overdue: el('input', { type: 'checkbox', name: 'overdue', value: '1', id: 'of-orders-overdue' }),
  };
  const fields = {
    q: field({ label: 'Search', control: controls.q, hint: 'Order number, phone, email, postcode or name', className: 'of-orders-q' }),
    step: field({ label: 'Step', control: controls.step }),
    technician: field({ label: 'Technician', control: controls.technician }),
    from: field({ label: 'Appointment from', control: controls.from }),
    to: field({ label: 'Appointment to', control: controls.to }),
  };
  const overdueBox = el('div', { class: 'of-check of-orders-overdue' }, controls.overdue,
    el('label', { for: 'of-orders-overdue' }, 'Only overdue'));
  const form = el('form', { class: 'of-orders-filters', role: 'search', 'aria-label': 'Filter orders', novalidate: true },
    el('div', { class: 'of-orders-filter-row' }, Object.values(fields).map((f) => f.element), overdueBox,
      el('div', { class: 'of-orders-filter-actions' },
        button('Show orders', null, { type: 'submit' }),
        button('Clear', () => ctx.go('#/orders'), { kind: 'secondary' }))));
  const results = el('section', { class: 'of-orders-results', 'aria-labelledby': 'of-orders-results-h' },
    el('h2', { class: 'of-visually-hidden', id: 'of-orders-results-h', tabindex: '-1' }, 'Results'),
    el('div', { 'data-rows': true }));
  fill(root, el('div', { class: 'of-orders' },
    el('div', { class: 'of-screen-head' }, el('div', {}, heading,
      el('p', { class: 'of-subtitle' }, 'Find any order by its number or the customer, or list them by step, technician, appointment date or SLA.')),
    el('a', { class: 'of-button of-button--secondary', href: '#/intake' }, 'Take a phone call')),
    el('div', { class: 'of-card' }, form), results));

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    Object.values(fields).forEach((f) => f.clearError());
    const f = {};
    ['q', 'step', 'technician', 'from', 'to'].forEach((n) => { const v = controls[n].value.trim(); if (v) f[n] = v; });
    if (controls.overdue.checked) f.overdue = '1';
    if (f.from && f.to && f.to < f.from) {
      fields.to.setError('Must not be before the “from” date');
      controls.to.focus();
      return;
    }
    ctx.go(hashOf(f, null));
  });

  // The step and technician choices (the current process map, the technicians).
  const choices = Promise.all([
    api('/workflow').then((r) => (r.data && r.data.steps) || []).catch(() => []),
    api('/technicians').then((r) => (r.data && r.data.technicians) || []).catch(() => []),
  ]).then(([steps, technicians]) => {
    steps.forEach((s) => controls.step.append(el('option', { value: s.key }, s.label || stepLabel(s.key))));
    technicians.forEach((t) => controls.technician.append(el('option', { value: t.id }, t.name || t.id)));
  });

  let loading = 0;
  async function load(query, announce) {
    const mine = ++loading;
    const filters = filtersOf(query);
    const cursor = query.get('cursor') || null;
    await choices;
    if (mine !== loading) return;
    ['q', 'step', 'technician', 'from', 'to'].forEach((n) => {
      const v = filters[n] || '';
      if (controls[n].tagName === 'SELECT' && v && ![...controls[n].options].some((o) => o.value === v)) {
        controls[n].append(el('option', { value: v }, v)); // linked with a step or technician not in the lists
      }
      controls[n].value = v;
    });
    controls.overdue.checked = !!filters.overdue;
    const key = JSON.stringify(filters);
    if (trail.filters !== key) { trail.filters = key; trail.cursors = []; }
    const at = trail.cursors.indexOf(cursor);
    if (cursor && at === -1) trail.cursors.push(cursor);
    else if (cursor) trail.cursors.length = at + 1;
    else trail.cursors = [];
    const pageNumber = cursor ? (trail.cursors.indexOf(cursor) + 2) : 1;
    const box = results.querySelector('[data-rows]');
    box.setAttribute('aria-busy', 'true');
    let answer;
    try {
      answer = (await api('/orders', { query: apiQuery(filters, cursor, tz) })).data;
    } catch (error) {
      if (mine !== loading) return;
      box.removeAttribute('aria-busy');
      const details = error.details;
      const problems = Array.isArray(details) ? details : (details && details.fields) || [];
      problems.forEach((p) => { const name = p.field === 'overdue' ? null : p.field; if (fields[name]) fields[name].setError(p.message); });
      const text = error.code === 'invalid_cursor' ? 'That page link has expired; here is the first page.' : error.message;
      fill(box, alertBox('error', 'The orders could not be listed', text,
        error.code === 'invalid_cursor' ? button('First page', () => ctx.go(hashOf(filters, null))) : null));
      alarm(`The orders could not be listed. ${text}`);
      return;
    }
    if (mine !== loading) return;
    box.removeAttribute('aria-busy');
    const orders = answer.orders || [];
    const previous = cursor ? (trail.cursors[trail.cursors.indexOf(cursor) - 1] || null) : undefined;
    const pager = el('nav', { class: 'of-orders-pager', 'aria-label': 'Pages of orders' },
      cursor ? el('a', { class: 'of-button of-button--secondary', href: hashOf(filters, previous) }, '← Previous page') : null,
      el('span', { class: 'of-muted' }, `Page ${pageNumber}`),
      answer.next_cursor ? el('a', { class: 'of-button of-button--secondary', href: hashOf(filters, answer.next_cursor), 'data-next': true }, 'Next page →') : null);
    const active = Object.keys(filters).length > 0;
    fill(box,
      answer.partial ? alertBox('info', 'More may follow', 'This page stopped early to keep the search quick. “Next page” carries on looking.') : null,
      orders.length ? rowsTable(orders, tz, pageNumber)
        : el('p', { class: 'of-empty of-card' }, active ? 'No orders match these filters.' : 'There are no orders yet.'),
      (cursor || answer.next_cursor) ? pager : null);
    const words = `${plural(orders.length, 'order')} on page ${pageNumber}${answer.next_cursor ? '; there are more' : ''}.`;
    if (announce) say(words);
  }

  load(ctx.query, true);
  return {
    kind: 'list',
    title: 'Orders',
    heading,
    update(next) {
      load(next.query, true).then(() => focusOn(results.querySelector('#of-orders-results-h'), false));
    },
  };
}

export { listScreen, dayStart, filtersOf, hashOf };
