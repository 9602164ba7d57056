/* Map changes as experiments (the report's `experiments`): each published version of a kind's map
 * against the version before it, orders started on each: why it was published (the note) and what
 * it was expected to change, the orders before and after, each measure before and after with its
 * interval and sample size, the difference, and the verdict in words with an icon and a colour
 * (never the colour alone), and the date it is judged on. Keys missing in older reports are skipped. */

import { el, uid } from '../dom.js';
import { dateLong, dateTime, plural } from '../format.js';
import { hours, minutes, percent } from './reports-common.js';
import { isPair, known } from './reports-evidence.js';

const VERDICTS = {
  better: { icon: '\u2714', word: 'Better' },
  worse: { icon: '\u2716', word: 'Worse' },
  cant_tell: { icon: '?', word: 'Can\u2019t tell yet' },
};
const verdictOf = (v) => VERDICTS[v] || VERDICTS.cant_tell;

const MEASURE_UNITS = {
  step_median_minutes: { show: minutes, name: 'Median time in the step', diff: (v) => minutes(Math.abs(v)) },
  cycle_time_hours: { show: hours, name: 'Cycle time (median)', diff: (v) => hours(Math.abs(v)) },
  sla_compliance_percent: { show: percent, name: 'SLA compliance', diff: (v) => `${Math.abs(Number(v)).toLocaleString('en-GB', { maximumFractionDigits: 1 })} points` },
  rework_percent: { show: percent, name: 'Rework (sent back)', diff: (v) => `${Math.abs(Number(v)).toLocaleString('en-GB', { maximumFractionDigits: 1 })} points` },
};
const unitOf = (m) => MEASURE_UNITS[m.measure] || { show: (v) => (known(v) ? String(v) : '–'), name: m.measure || 'Measure', diff: (v) => String(Math.abs(v)) };

/** A verdict as a badge: icon (hidden from screen readers) and words, coloured by its class. */
function verdictBadge(verdict) {
  const v = verdictOf(verdict);
  return el('span', { class: `of-reports-verdict of-reports-verdict--${VERDICTS[verdict] ? verdict : 'cant_tell'}` },
    el('span', { class: 'of-reports-verdict-icon', 'aria-hidden': 'true' }, v.icon), ` ${v.word}`);
}

/** "3 h 10 min (2 h 40 min to 3 h 50 min, 48 orders)". */
function measured(side, unit) {
  const s = side || {};
  if (!known(s.value)) return known(s.n) ? `– (${plural(s.n, 'order')})` : '–';
  const extra = [isPair(s.interval) ? `${unit.show(s.interval[0])} to ${unit.show(s.interval[1])}` : null,
    known(s.n) ? plural(s.n, 'order') : null].filter(Boolean);
  return [unit.show(s.value), extra.length ? el('span', { class: 'of-reports-cell-note' }, ` (${extra.join(', ')})`) : null];
}

function difference(d, unit) {
  if (!d || !known(d.value)) return '–';
  const value = Number(d.value);
  const word = value > 0 ? 'up ' : value < 0 ? 'down ' : '';
  const text = value === 0 ? 'no change' : `${word}${unit.diff(value)}`;
  if (!isPair(d.interval)) return text;
  const signed = (v) => `${Number(v) > 0 ? '+' : Number(v) < 0 ? '\u2212' : ''}${unit.diff(v)}`;
  return [text, el('span', { class: 'of-reports-cell-note' }, ` (${signed(d.interval[0])} to ${signed(d.interval[1])})`)];
}

function judging(x, today) {
  if (!x.judge_on) return null;
  const past = x.judge_on <= today;
  return `${past ? 'Judged on' : 'To be judged on'} ${dateLong(x.judge_on)}.`;
}

function experimentCard(x, kindLabel, today) {
  const headingId = uid('of-reports-experiment');
  const measures = Array.isArray(x.measures) ? x.measures : [];
  const orders = x.orders || {};
  const expectation = x.expectation && typeof x.expectation === 'object'
    ? (x.expectation.text || Object.entries(x.expectation).map(([k, v]) => `${k.replace(/_/g, ' ')}: ${v}`).join('; '))
    : x.expectation;
  // The differences' intervals are family-wise (wider than 90%, so that judging many measures gives
  // no chance verdicts): the heading says the confidence the report used.
  const sure = [x.confidence, ...measures.map((m) => m.difference && m.difference.confidence)].find((c) => typeof c === 'number');
  const differenceHead = `Difference (${sure ? `${Number((100 * sure).toPrecision(4))}%` : '90%'} interval)`;
  const title = `${kindLabel ? `${kindLabel}: ` : ''}version ${x.to_version ?? '?'} against version ${x.from_version ?? '?'}`;
  return el('article', { class: 'of-card of-reports-experiment', 'aria-labelledby': headingId },
    el('div', { class: 'of-reports-experiment-head' },
      el('h3', { class: 'of-reports-version-title', id: headingId }, title.charAt(0).toUpperCase() + title.slice(1)),
      verdictBadge(x.verdict)),
    x.text ? el('p', {}, x.text) : null,
    el('dl', { class: 'of-reports-numbers of-reports-experiment-facts' },
      x.note ? el('div', {}, el('dt', {}, 'Why it was published'), el('dd', {}, x.note)) : null,
      expectation ? el('div', {}, el('dt', {}, 'Expected'), el('dd', {}, expectation)) : null,
      x.published_at ? el('div', {}, el('dt', {}, 'Published'), el('dd', {}, dateTime(x.published_at))) : null,
      el('div', {}, el('dt', {}, 'Orders started before'), el('dd', {}, known(orders.before) ? String(orders.before) : '–')),
      el('div', {}, el('dt', {}, 'Orders started after'), el('dd', {}, known(orders.after) ? String(orders.after) : '–'))),
    judging(x, today) ? el('p', { class: 'of-reports-judge' }, judging(x, today)) : null,
    measures.length ? el('div', { class: 'of-table-wrap' }, el('table', { class: 'of-table of-reports-experiment-table' },
      el('caption', { class: 'of-visually-hidden' }, `${title}: each measure before and after`),
      el('thead', {}, el('tr', {}, ['Measure', `Version ${x.from_version ?? ''}`.trim(), `Version ${x.to_version ?? ''}`.trim(), differenceHead, 'Verdict']
        .map((t, i) => el('th', { scope: 'col', class: i && i < 4 ? 'of-num' : null }, t)))),
      el('tbody', {}, measures.map((m) => {
        const unit = unitOf(m);
        return el('tr', {},
          el('th', { scope: 'row' }, m.label || unit.name),
          el('td', { class: 'of-num' }, measured(m.before, unit)),
          el('td', { class: 'of-num' }, measured(m.after, unit)),
          el('td', { class: 'of-num' }, difference(m.difference, unit)),
          el('td', {}, verdictBadge(m.verdict)));
      })))) : el('p', { class: 'of-empty' }, 'No measure yet: too few orders on either version.'));
}

/** The section "Map changes as experiments", or null when the report has none (or predates them).
 * options: {kindLabel: (work_kind) -> label or null, today: 'YYYY-MM-DD'}. */
function experimentsSection(report, options) {
  const list = Array.isArray(report.experiments) ? report.experiments : [];
  if (!list.length) return null;
  const opts = { kindLabel: () => null, today: new Date().toISOString().slice(0, 10), ...(options || {}) };
  return el('section', { class: 'of-section of-reports-experiments', 'aria-labelledby': 'of-reports-experiments-title' },
    el('h2', { class: 'of-heading', id: 'of-reports-experiments-title' }, 'Map changes as experiments'),
    el('p', { class: 'of-chart-intro' }, 'Orders started on each version of a map, against the version before it. '
      + '\u201cCan\u2019t tell yet\u201d: the difference is within what chance alone would give, or too few orders.'),
    el('div', { class: 'of-reports-experiment-list' }, list.map((x) => experimentCard(x, opts.kindLabel(x.work_kind), opts.today))));
}

export { experimentsSection, verdictBadge };
