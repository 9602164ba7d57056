/* One daily check as a page: how many items of each kind it flagged and in which steps (charts
 * with their tables), each item with its order, step, owner by name, how long and how many checks
 * in a row, and who was told. The review inbox (#/reviews) is where owners act on the items. */

import { el } from '../dom.js';
import { dateTime, plural } from '../format.js';
import { barChart, figure, table } from './charts.js';
import { minutes, person } from './reports-common.js';

const KINDS = {
  sla_breach: 'Past the step\u2019s SLA',
  no_technician: 'No technician assigned',
  not_started: 'Appointments not started',
  not_invoiced: 'Completed but not invoiced',
  invoice_send_failed: 'Invoices whose email failed',
  invoice_overdue: 'Overdue invoices',
  technician_away: 'Technician away',
  technician_deactivated: 'Technician deactivated',
  quote_unanswered: 'Quotes waiting for an answer',
};
const TOLD = { sent: 'sent', sending: 'being sent', unknown: 'may have been sent', failed: 'failed' };

function countChart(title, intro, counts, description) {
  const entries = counts.filter(([, n]) => n > 0);
  const top = Math.max(1, ...entries.map(([, n]) => n));
  const series = [{ key: 'n', label: 'Items', className: 'of-chart-bar--median' }];
  return figure({
    title,
    intro,
    chart: barChart({ title, description, series, max: top, width: 560, labelWidth: 190, valueWidth: 70,
      rows: entries.map(([label, n, note]) => ({ label, note, values: { n }, texts: { n: String(n) } })) }),
    table: table({ caption: title, columns: [{ label: title.includes('kind') ? 'Kind' : 'Step' }, { label: 'Items', numeric: true }],
      rows: entries.map(([label, n]) => [label, n]) }),
  });
}

function dailyPage(review) {
  const report = review.report;
  const people = review.people || {};
  const items = report.items || [];
  const total = items.length + (report.items_omitted || 0);
  const kinds = Object.keys(KINDS).map((k) => [KINDS[k], (report.counts || {})[k] || 0]);
  const steps = [];
  items.forEach((i) => {
    let row = steps.find((s) => s[3] === i.step);
    if (!row) { row = [i.step_label, 0, `owner: ${person(people, i.owner, 'nobody')}`, i.step]; steps.push(row); }
    row[1] += 1;
  });
  const summary = el('p', { class: 'of-reports-bottleneck' },
    el('strong', {}, total ? `${plural(total, 'item')} flagged. ` : 'Nothing flagged. '),
    total ? `${report.escalated} escalated to the admins after ${report.escalate_after} checks in a row.` : 'Every open order was on time.');
  const itemRows = items.map((i) => [
    KINDS[i.kind] || i.kind,
    i.order_id ? el('a', { href: `#/orders/${encodeURIComponent(i.order_id)}` }, i.order_id) : '–',
    i.step_label,
    person(people, i.owner, 'nobody (the admins)'),
    `${dateTime(i.since)} (${minutes(i.minutes)})`,
    `${i.checks}${i.escalated ? ' (escalated)' : ''}`,
    i.todo ? `${i.detail} ${i.todo}` : i.detail,
  ]);
  const told = review.told || [];
  return el('div', { class: 'of-reports-daily' },
    summary,
    total ? el('div', { class: 'of-grid-2 of-reports-charts' },
      countChart('Items by kind', 'What the check found, by kind.', kinds,
        kinds.filter(([, n]) => n).map(([k, n]) => `${k}: ${n}`).join(', ') + '.'),
      countChart('Items by step', 'Where the items are, with the step\u2019s owner.', steps,
        steps.map(([label, n, note]) => `${label} (${note}): ${n}`).join(', ') + '.')) : null,
    el('section', { class: 'of-card of-section', 'aria-labelledby': 'of-reports-items-title' },
      el('h2', { class: 'of-heading', id: 'of-reports-items-title' }, 'The items'),
      items.length ? table({
        caption: 'The items the daily check flagged',
        columns: [{ label: 'Kind' }, { label: 'Order' }, { label: 'Step' }, { label: 'Owner' }, { label: 'Since' },
          { label: 'Checks in a row', numeric: true }, { label: 'What is wrong' }],
        rows: itemRows,
        highlight: (n) => items[n].escalated,
      }) : el('p', { class: 'of-empty' }, 'No items.'),
      report.items_omitted ? el('p', { class: 'of-hint' }, `${report.items_omitted} more are counted above but not listed.`) : null,
      el('p', { class: 'of-hint' }, 'Owners acknowledge or snooze their items in ', el('a', { href: '#/reviews' }, 'the review inbox'), '.')),
    el('section', { class: 'of-card of-section', 'aria-labelledby': 'of-reports-told-title' },
      el('h2', { class: 'of-heading', id: 'of-reports-told-title' }, 'Who was told'),
      told.length ? el('ul', { class: 'of-reports-told' }, told.map((t) => el('li', {},
        `${person(people, t.to, 'the office')}: ${plural((t.items || []).length, 'item')}, ${TOLD[t.status] || t.status}`,
        t.at ? ` (${dateTime(t.at)})` : '')))
        : el('p', { class: 'of-empty' }, 'Nobody: there was nothing to tell.')));
}

export { dailyPage };
