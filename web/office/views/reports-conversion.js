/* "Quotes and conversion" in a weekly, monthly or quarterly evaluation (the report's
 * `conversion`, chalicelib/reviews/conversion.py): the numbers against the period before as a
 * table, what became of the quotes sent as an SVG bar chart (charts.js, its numbers as a table
 * beside it), the decline reasons as given, the figures per technician who sent, and the
 * suggestions with the numbers behind them. Also the kinds of work side by side, when the page
 * shows every kind. Staff by name (the report carries the senders' names), never by id. */

import { el } from '../dom.js';
import { money, plural } from '../format.js';
import { barChart, figure, legend, table } from './charts.js';
import { change, hours, percent, range } from './reports-common.js';

const OUTCOMES = [
  ['sent', 'Quotes sent'],
  ['accepted', 'Accepted'],
  ['declined', 'Declined'],
  ['expired', 'Expired unanswered'],
  ['open', 'Still open'],
];

const count = (v) => (v === null || v === undefined ? '–' : String(v));

/** The rows of the numbers table: [label, this period, the period before]. */
function numberRows(now, before, currency) {
  const b = before || {};
  const cash = (v) => money(v, currency);
  return [
    ['Estimates booked', count(now.estimates_booked), count(b.estimates_booked)],
    ...OUTCOMES.map(([key, label]) => [label, count(now[key]), count(b[key])]),
    ['Revised (a later revision was sent)', count(now.revised), count(b.revised)],
    ['Conversion: accepted of decided (accepted, declined or expired)', percent(now.accepted_of_decided_percent), percent(b.accepted_of_decided_percent)],
    ['Accepted of all sent (open ones count against)', percent(now.accepted_of_sent_percent), percent(b.accepted_of_sent_percent)],
    ['Value quoted (required lines, with tax)', cash(now.value_quoted_cents), cash(b.value_quoted_cents)],
    ['Value won (as accepted)', cash(now.value_won_cents), cash(b.value_won_cents)],
    ['Median time from the visit to the quote', hours((now.visit_to_sent || {}).median_hours), hours((b.visit_to_sent || {}).median_hours)],
    ['Median time from the quote to the answer', hours((now.sent_to_answer || {}).median_hours), hours((b.sent_to_answer || {}).median_hours)],
  ];
}

function outcomeChart(now, before) {
  const b = before || {};
  const series = [
    { key: 'before', label: `The period before (${range(b.from, b.to)})`, className: 'of-chart-bar--before' },
    { key: 'now', label: `This period (${range(now.from, now.to)})`, className: 'of-chart-bar--median' },
  ];
  const top = Math.max(1, ...OUTCOMES.flatMap(([key]) => [now[key] || 0, b[key] || 0]));
  const rows = OUTCOMES.map(([key, label]) => ({
    label,
    values: { before: b[key] || 0, now: now[key] || 0 },
    texts: { before: `before: ${b[key] || 0}`, now: `now: ${now[key] || 0}` },
  }));
  const step = top <= 5 ? 1 : Math.ceil(top / 4);
  const ticks = [];
  for (let v = 0; v <= top; v += step) ticks.push({ value: v, text: String(v) });
  return figure({
    title: 'What became of the quotes sent',
    intro: 'Quotes sent in each period, and where they stand now. Conversion counts the accepted among those decided.',
    legend: legend(series),
    chart: barChart({
      title: 'Quotes sent, accepted, declined, expired and still open, this period against the one before',
      description: OUTCOMES.map(([key, label]) => `${label}: ${now[key] || 0} (before: ${b[key] || 0})`).join('; ')
        + `. Conversion ${percent(now.accepted_of_decided_percent)} (before: ${percent(b.accepted_of_decided_percent)}).`,
      series, rows, max: top, ticks, width: 760, labelWidth: 150, valueWidth: 90,
    }),
    table: table({
      caption: 'Quotes by outcome',
      columns: [{ label: 'Outcome' }, { label: 'The period before', numeric: true }, { label: 'This period', numeric: true }],
      rows: OUTCOMES.map(([key, label]) => [label, b[key] || 0, now[key] || 0]),
    }),
  });
}

function declineReasons(now) {
  const reasons = now.decline_reasons || [];
  return el('section', { class: 'of-card of-reports-reasons', 'aria-labelledby': 'of-reports-reasons-title' },
    el('h3', { class: 'of-heading', id: 'of-reports-reasons-title' }, 'Why customers declined'),
    reasons.length ? table({
      caption: 'Decline reasons, as the customers gave them',
      columns: [{ label: 'Reason, as given' }, { label: 'Declines', numeric: true }],
      rows: reasons.map((r) => [r.reason || 'No reason given', r.count]),
    }) : el('p', { class: 'of-empty' }, 'No quote was declined in this period.'));
}

function bySender(now, currency) {
  const rows = now.by_technician || [];
  return el('section', { class: 'of-card of-reports-senders', 'aria-labelledby': 'of-reports-senders-title' },
    el('h3', { class: 'of-heading', id: 'of-reports-senders-title' }, 'By who sent the quote'),
    rows.length ? table({
      caption: 'Quotes per technician who sent them',
      columns: [{ label: 'Sent by' }, { label: 'Sent', numeric: true }, { label: 'Accepted', numeric: true },
        { label: 'Declined', numeric: true }, { label: 'Expired', numeric: true }, { label: 'Open', numeric: true },
        { label: 'Conversion', numeric: true }, { label: 'Quoted', numeric: true }, { label: 'Won', numeric: true }],
      rows: rows.map((t) => [t.name || 'a former staff member', t.sent, t.accepted, t.declined, t.expired, t.open,
        percent(t.accepted_of_decided_percent), money(t.value_quoted_cents, currency), money(t.value_won_cents, currency)]),
    }) : el('p', { class: 'of-empty' }, 'No quote was sent in this period.'));
}

const NUMBER_WORDS = {
  prompt_decided: 'Decided, sent promptly', prompt_accepted: 'Of those accepted', prompt_percent: 'Conversion when prompt',
  late_decided: 'Decided, sent later', late_accepted: 'Of those accepted', late_percent: 'Conversion when late',
  reason: 'Reason', count: 'Declines giving it', declined: 'All declines', expired: 'Expired unanswered',
  decided: 'Decided', reminder_days: 'Reminders after (days)', expired_percent: 'Share expired', within_days: 'Days after the visit',
};
const TITLES = { late_quotes: 'Quote sooner after the visit', decline_reason: 'A reason that keeps coming back', expiring_unanswered: 'Quotes run out unanswered' };

function numberText(key, value) {
  if (key.endsWith('_percent')) return percent(value);
  if (Array.isArray(value)) return value.length ? value.join(', ') : 'none';
  return String(value);
}

function suggestionList(conversion) {
  const items = (conversion.suggestions || []).map((s) => el('li', { class: `of-reports-suggestion of-reports-suggestion--${s.kind}` },
    el('h4', { class: 'of-reports-suggestion-title' }, TITLES[s.kind] || 'Suggestion'),
    el('p', {}, s.text),
    el('dl', { class: 'of-reports-numbers' }, Object.entries(s.numbers || {}).filter(([k]) => NUMBER_WORDS[k])
      .map(([k, v]) => el('div', {}, el('dt', {}, NUMBER_WORDS[k]), el('dd', {}, numberText(k, v)))))));
  return el('section', { class: 'of-card of-reports-conversion-suggestions', 'aria-labelledby': 'of-reports-conversion-suggestions-title' },
    el('h3', { class: 'of-heading', id: 'of-reports-conversion-suggestions-title' }, 'What the quotes suggest'),
    items.length ? el('ul', { class: 'of-reports-suggestion-list' }, items)
      : el('p', { class: 'of-empty' }, 'Nothing stands out: the numbers are too few, or nothing is off.'));
}

function card(label, value, detail, before, delta) {
  return el('div', { class: 'of-card of-reports-kpi' },
    el('h3', { class: 'of-reports-kpi-label' }, label),
    el('p', { class: 'of-reports-kpi-value' }, value),
    detail ? el('p', { class: 'of-reports-kpi-detail' }, detail) : null,
    el('p', { class: `of-reports-kpi-change${delta ? ` of-reports-kpi-change--${delta.tone}` : ''}` },
      `The period before: ${before}`, delta ? `, ${delta.text}` : ''));
}

function keyNumbers(now, before, currency) {
  const b = before || {};
  const toSent = now.visit_to_sent || {};
  return el('div', { class: 'of-reports-kpis', role: 'group', 'aria-label': 'Key figures of the quotes' },
    card('Conversion', percent(now.accepted_of_decided_percent),
      now.decided ? `${now.accepted} accepted of ${plural(now.decided, 'quote')} decided; ${percent(now.accepted_of_sent_percent)} of all sent`
        : 'no quote was decided yet',
      percent(b.accepted_of_decided_percent), change(now.accepted_of_decided_percent, b.accepted_of_decided_percent, 'percent', false)),
    card('Quotes sent', count(now.sent), `${plural(now.estimates_booked || 0, 'estimate')} booked; ${now.open || 0} still open`,
      count(b.sent), null),
    card('Value won', money(now.value_won_cents, currency), `of ${money(now.value_quoted_cents, currency)} quoted`,
      money(b.value_won_cents, currency), null),
    card('Visit to quote', hours(toSent.median_hours), toSent.quotes ? `median of ${plural(toSent.quotes, 'quote')}` : 'no visit known',
      hours((b.visit_to_sent || {}).median_hours), change(toSent.median_hours, (b.visit_to_sent || {}).median_hours, 'hours', true)));
}

/** The "Quotes and conversion" section of an evaluation page. */
function conversionSection(report) {
  const now = report.conversion;
  if (!now) return null;
  const before = now.previous || {};
  const currency = now.currency;
  const prompt = (now.promptness || {}).prompt || {};
  const late = (now.promptness || {}).late || {};
  const days = (now.promptness || {}).within_days || 2;
  return el('section', { class: 'of-section of-reports-conversion', 'aria-labelledby': 'of-reports-conversion-title' },
    el('h2', { class: 'of-heading', id: 'of-reports-conversion-title' }, 'Quotes and conversion'),
    el('p', { class: 'of-reports-note' },
      `Estimates booked in the period, and the quotes sent in it with what became of them since. `
      + `Sent within ${days} days of the visit: ${prompt.accepted || 0} of ${plural(prompt.decided || 0, 'decided quote')} accepted (${percent(prompt.accepted_percent)}); `
      + `later: ${late.accepted || 0} of ${late.decided || 0} (${percent(late.accepted_percent)}).`),
    keyNumbers(now, before, currency),
    el('div', { class: 'of-grid-2 of-reports-charts' }, outcomeChart(now, before), suggestionList(now)),
    el('div', { class: 'of-grid-2 of-reports-charts' },
      el('section', { class: 'of-card of-reports-conversion-numbers', 'aria-labelledby': 'of-reports-conversion-numbers-title' },
        el('h3', { class: 'of-heading', id: 'of-reports-conversion-numbers-title' }, 'The numbers'),
        table({
          caption: 'Quotes and conversion, this period against the one before',
          columns: [{ label: 'Figure' }, { label: 'This period', numeric: true }, { label: 'The period before', numeric: true }],
          rows: numberRows(now, before, currency),
        })),
      declineReasons(now)),
    bySender(now, currency));
}

/** The kinds of work side by side (the page for every kind): orders, bottleneck, cycle time. */
function kindsSection(report, chosen) {
  const kinds = Object.entries(report.kinds || {});
  if (chosen || kinds.length < 2) return null;
  return el('section', { class: 'of-card of-section of-reports-kinds', 'aria-labelledby': 'of-reports-kinds-title' },
    el('h2', { class: 'of-heading', id: 'of-reports-kinds-title' }, 'Kinds of work side by side'),
    table({
      caption: 'Each kind of work in this period',
      columns: [{ label: 'Kind of work' }, { label: 'Map version', numeric: true }, { label: 'Orders moved', numeric: true },
        { label: 'Orders moved before', numeric: true }, { label: 'Bottleneck' }, { label: 'Cycle time (median)', numeric: true }],
      rows: kinds.map(([key, k]) => [
        el('a', { href: `#/reports/${report.period}/${report.date}?kind=${encodeURIComponent(key)}` }, k.label || key),
        k.current_workflow_version, k.orders, (k.previous || {}).orders || 0,
        k.bottleneck ? k.bottleneck.label : '–', hours((k.cycle_time || {}).median_hours)]),
    }));
}

export { conversionSection, kindsSection };
