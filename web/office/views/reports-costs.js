/* What each step costs (the report's `costs`): per step the staff time and its cost in the period
 * and per month, at the rates per hour per role from the settings, in the business's currency;
 * and the customers' waits (request to visit, completion to invoice, invoice to payment). */

import { el } from '../dom.js';
import { money, plural } from '../format.js';
import { hours, minutes } from './reports-common.js';
import { known } from './reports-evidence.js';

const ROLES = { technician: 'Technician', dispatcher: 'Dispatcher', admin: 'Admin' };
const decimal = (v) => (known(v) ? Number(v).toLocaleString('en-GB', { maximumFractionDigits: 1 }) : '–');
const WAITS = [
  ['request_to_visit', 'From the request to the visit'],
  ['completion_to_invoice', 'From the work completed to the invoice'],
  ['invoice_to_payment', 'From the invoice to the payment'],
];

function costsSection(report, options) {
  const costs = report.costs;
  if (!costs || typeof costs !== 'object') return null;
  const opts = { kindLabel: () => null, kind: null, ...(options || {}) };
  const currency = costs.currency;
  const cash = (v) => money(v, currency);
  const rates = Object.entries(costs.rates_per_hour_cents || {}).filter(([, v]) => known(v));
  // the steps staff work in (a step without a role is waiting, not work), of the kind chosen
  const steps = (Array.isArray(costs.steps) ? costs.steps : [])
    .filter((s) => s.staff_role && (!opts.kind || !s.work_kind || s.work_kind === opts.kind));
  const several = new Set(steps.map((s) => s.work_kind).filter(Boolean)).size > 1;
  const waits = costs.customer_waits || {};
  const totalCost = steps.reduce((sum, s) => sum + (((s.per_month || {}).cost_cents) || 0), 0);
  const totalHours = steps.reduce((sum, s) => sum + (Number((s.per_month || {}).staff_hours) || 0), 0);
  return el('section', { class: 'of-card of-reports-costs', 'aria-labelledby': 'of-reports-costs-title' },
    el('h2', { class: 'of-heading', id: 'of-reports-costs-title' }, 'What each step costs'),
    el('p', { class: 'of-chart-intro' }, rates.length
      ? `Staff time in each step at the cost per hour of its role: ${rates.map(([role, cents]) => `${(ROLES[role] || role).toLowerCase()} ${cash(cents)}`).join(', ')} an hour.`
      : 'Staff time in each step. Set a cost per hour for each role in the business settings to see it in money.'),
    steps.length ? el('div', { class: 'of-table-wrap' }, el('table', { class: 'of-table' },
      el('caption', { class: 'of-visually-hidden' }, 'Staff time and cost per step, in the period and a month'),
      el('thead', {},
        el('tr', {}, el('th', { scope: 'col', rowspan: 2 }, 'Step'), el('th', { scope: 'col', rowspan: 2 }, 'Who'),
          el('th', { scope: 'colgroup', colspan: 4, class: 'of-num' }, 'In the period'),
          el('th', { scope: 'colgroup', colspan: 3, class: 'of-num' }, 'A month')),
        el('tr', {}, ['Visits', 'Staff time a visit', 'Staff hours', 'Cost', 'Visits', 'Staff hours', 'Cost']
          .map((t) => el('th', { scope: 'col', class: 'of-num' }, t)))),
      el('tbody', {}, steps.map((s) => {
        const month = s.per_month || {};
        const kindLabel = several ? opts.kindLabel(s.work_kind) : null;
        return el('tr', {},
          el('th', { scope: 'row' }, s.label || s.step, kindLabel ? el('span', { class: 'of-muted' }, ` (${kindLabel})`) : null),
          el('td', {}, ROLES[s.staff_role] || s.staff_role || '–'),
          el('td', { class: 'of-num' }, known(s.visits) ? String(s.visits) : '–'),
          el('td', { class: 'of-num' }, known(s.staff_minutes_per_visit) ? minutes(s.staff_minutes_per_visit) : 'the whole step'),
          el('td', { class: 'of-num' }, decimal(s.staff_hours)),
          el('td', { class: 'of-num' }, cash(s.cost_cents)),
          el('td', { class: 'of-num' }, known(month.visits) ? decimal(month.visits) : '–'),
          el('td', { class: 'of-num' }, decimal(month.staff_hours)),
          el('td', { class: 'of-num' }, cash(month.cost_cents)));
      })),
      el('tfoot', {}, el('tr', {}, el('th', { scope: 'row', colspan: 6 }, 'All steps, a month'),
        el('td', { class: 'of-num' }), el('td', { class: 'of-num' }, decimal(totalHours)),
        el('td', { class: 'of-num' }, rates.length ? cash(totalCost) : '–')))))
      : el('p', { class: 'of-empty' }, `No step${opts.kind ? ' of this kind of work' : ''} has a staff role, so no staff time is counted. `
        + 'A step\u2019s role is set in the map editor.'),
    el('h3', { class: 'of-reports-subheading' }, 'How long customers wait'),
    el('div', { class: 'of-table-wrap' }, el('table', { class: 'of-table' },
      el('caption', { class: 'of-visually-hidden' }, 'How long customers wait'),
      el('thead', {}, el('tr', {}, ['Wait', 'Orders', 'Median', '90th percentile'].map((t, i) => el('th', { scope: 'col', class: i ? 'of-num' : null }, t)))),
      el('tbody', {}, WAITS.map(([key, label]) => {
        const w = waits[key] || {};
        return el('tr', {}, el('th', { scope: 'row' }, label),
          el('td', { class: 'of-num' }, known(w.orders) ? plural(w.orders, 'order') : '–'),
          el('td', { class: 'of-num' }, hours(w.median_hours)),
          el('td', { class: 'of-num' }, hours(w.p90_hours)));
      })))));
}

export { costsSection };
