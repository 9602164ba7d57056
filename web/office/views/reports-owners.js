/* Accountable reviews in an evaluation: each owner's review record (the report's `owners`: items
 * the daily check flagged for them, acted on within a day or later, escalated, untouched, resolved,
 * still open, the median time to act) and whether each check ran and was read (`checks`, in the
 * quarterly evaluation at least: daily, weekly, monthly expected, ran, read, the days missed or
 * unread). Staff by name (the owner's `name`, else the review's `people`), never by id. */

import { el } from '../dom.js';
import { dateShort } from '../format.js';
import { hours, percent, person } from './reports-common.js';
import { known } from './reports-evidence.js';

const count = (v) => (known(v) ? String(v) : '–');

function ownersSection(report, people) {
  const owners = Array.isArray(report.owners) ? report.owners : null;
  if (!owners) return null;
  const columns = ['Owner', 'Flagged', 'Acted on within a day', 'Acted on later', 'Escalated', 'Untouched', 'Resolved',
    'Still open', 'Median time to act'];
  return el('section', { class: 'of-card of-reports-owners', 'aria-labelledby': 'of-reports-owners-title' },
    el('h2', { class: 'of-heading', id: 'of-reports-owners-title' }, 'Owners\u2019 review records'),
    el('p', { class: 'of-chart-intro' }, 'What the daily check flagged for each step owner in the period, and what became of it: '
      + 'acknowledged, snoozed with a reason, or resolved by the order moving.'),
    owners.length ? el('div', { class: 'of-table-wrap' }, el('table', { class: 'of-table' },
      el('caption', { class: 'of-visually-hidden' }, 'Owners\u2019 review records'),
      el('thead', {}, el('tr', {}, columns.map((t, i) => el('th', { scope: 'col', class: i ? 'of-num' : null }, t)))),
      el('tbody', {}, owners.map((o) => el('tr', {},
        el('th', { scope: 'row' }, o.name || person(people, o.owner, 'nobody')),
        el('td', { class: 'of-num' }, count(o.flagged)),
        el('td', { class: 'of-num' }, count(o.acted_within_day),
          known(o.percent_acted_within_day) ? el('span', { class: 'of-muted' }, ` (${percent(o.percent_acted_within_day)})`) : null),
        el('td', { class: 'of-num' }, count(o.acted_later)),
        el('td', { class: 'of-num' }, count(o.escalated)),
        el('td', { class: `of-num${o.untouched ? ' of-reports-untouched' : ''}` }, count(o.untouched)),
        el('td', { class: 'of-num' }, count(o.resolved)),
        el('td', { class: 'of-num' }, count(o.still_open)),
        el('td', { class: 'of-num' }, hours(o.median_hours_to_act)))))))
      : el('p', { class: 'of-empty' }, 'The daily check flagged nothing for any owner in this period.'));
}

const CHECK_NAMES = { daily: 'Daily check', weekly: 'Weekly evaluation', monthly: 'Monthly evaluation', quarterly: 'Quarterly evaluation' };

function days(list) {
  const all = Array.isArray(list) ? list : [];
  if (!all.length) return 'none';
  return all.map((d) => dateShort(d) || d).join(', ');
}

function checksSection(report) {
  const checks = Array.isArray(report.checks) ? report.checks : null;
  if (!checks) return null;
  return el('section', { class: 'of-card of-reports-checks', 'aria-labelledby': 'of-reports-checks-title' },
    el('h2', { class: 'of-heading', id: 'of-reports-checks-title' }, 'Did the checks run and get read?'),
    el('p', { class: 'of-chart-intro' }, 'Each check the period should have had: whether it ran, and whether someone opened it.'),
    checks.length ? el('div', { class: 'of-table-wrap' }, el('table', { class: 'of-table' },
      el('caption', { class: 'of-visually-hidden' }, 'The checks: expected, ran and read'),
      el('thead', {}, el('tr', {}, ['Check', 'Expected', 'Ran', 'Read', 'Missed (did not run)', 'Ran but unread']
        .map((t, i) => el('th', { scope: 'col', class: i && i < 4 ? 'of-num' : null }, t)))),
      el('tbody', {}, checks.map((c) => el('tr', {},
        el('th', { scope: 'row' }, CHECK_NAMES[c.period] || c.period),
        el('td', { class: 'of-num' }, count(c.expected)),
        el('td', { class: 'of-num' }, count(c.ran)),
        el('td', { class: 'of-num' }, count(c.read)),
        el('td', { class: 'of-reports-dates' }, days(c.missed)),
        el('td', { class: 'of-reports-dates' }, days(c.unread))))))) : el('p', { class: 'of-empty' }, 'No check was due in this period.'));
}

export { ownersSection, checksSection };
