/* The suggestions of an evaluation with the evidence behind each (the report's `suggestions`,
 * chalicelib/reviews/evaluation.py): its text, the numbers it rests on, the sample size, the
 * interval ("median 3 h 10 min, 90% interval 2 h 40 min to 3 h 50 min, 48 orders"), the saving a
 * month in staff hours and money when the costs are known (as figures: the text says it in words
 * already), and for an admin "Open as a draft" when the suggestion carries a draft map change:
 * the map editor's own link and handover (views/process-draft.js: the draft kept in sessionStorage
 * before `#/process/edit?kind=&draft=&period=&date=` opens, else read from the stored review).
 * Then "Not enough data yet": what the evaluation could not judge, plainly. Every key may be
 * missing in a report stored before it existed: what is there is shown. */

import { el, uid } from '../dom.js';
import { money, plural } from '../format.js';
import { hours, minutes, percent, person } from './reports-common.js';
import { draftLink as editorLink, rememberDraft } from './process-draft.js';

const NUMBER_WORDS = {
  left: (v) => ['Orders that left the step', String(v)],
  orders: (v) => ['Orders', String(v)],
  median_minutes: (v) => ['Median time', minutes(v)],
  p90_minutes: (v) => ['90th percentile', minutes(v)],
  sla_minutes: (v) => ['SLA', minutes(v)],
  suggested_sla_minutes: (v) => ['Suggested SLA', minutes(v)],
  previous_median_minutes: (v) => ['Median the period before', minutes(v)],
  next_step_label: (v) => ['Always went on to', v],
  share_of_cycle_percent: (v) => ['Share of cycle time', percent(v)],
  sla_breached: (v) => ['SLA breaches in the step', String(v)],
  sla_breached_all_steps: (v) => ['SLA breaches in all steps', String(v)],
  sla_compliance_percent: (v) => ['SLA compliance', percent(v)],
  breached_percent: (v) => ['Breached', percent(v)],
  backward_moves: (v) => ['Sent back to an earlier step', String(v)],
  rework_percent: (v) => ['Sent back (rework)', percent(v)],
  returns: (v) => ['Returns', String(v)],
  flagged: (v) => ['Items flagged', String(v)],
  untouched: (v) => ['Left untouched', String(v)],
  median_hours_to_act: (v) => ['Median time to act', hours(v)],
  percent_acted_within_day: (v) => ['Acted on within a day', percent(v)],
  orders_owned: (v) => ['Orders in steps they own', String(v)],
  same_next_step_percent: (v) => ['Went on to the same next step', percent(v)],
  breach_percent: (v) => ['Breached', percent(v)],
  other_owners_breach_percent: (v) => ['Other owners\u2019 steps breached', percent(v)],
  proposed_sla_minutes: (v) => ['Suggested SLA', minutes(v)],
  judged: (v) => ['Visits judged against the SLA', String(v)],
  next_longest_median_minutes: (v) => ['Next-longest median', minutes(v)],
  sent_back_to_label: (v) => ['Sent back to', v],
};

const KIND_TITLES = {
  remove_step: 'Remove a step',
  bottleneck: 'The bottleneck',
  add_check: 'Add a check',
  change_owner: 'Change an owner',
  change_sla: 'Change an SLA',
  add_step_or_owner: 'SLA breaches pile up',
  rework: 'Rework',
};

const known = (v) => v !== null && v !== undefined && v !== '';
const isPair = (v) => Array.isArray(v) && v.length === 2 && known(v[0]) && known(v[1]);
const confidence = (c) => `${Math.round((known(c) ? Number(c) : 0.9) * 100)}%`;

/** What an interval is measured in: `evidence.unit` when given, else its method's words (a share's
 * interval is in percent, a median's or a percentile's in minutes), else the kind's usual measure. */
const KIND_UNITS = { remove_step: 'percent', bottleneck: 'minutes', change_sla: 'percent', add_check: 'percent', change_owner: 'percent' };
function unitOf(s) {
  const e = s.evidence || {};
  if (e.unit) return e.unit;
  const method = String(e.method || '').toLowerCase();
  if (/share|wilson|proportion|rate/.test(method)) return 'percent';
  if (/median|percentile|bootstrap/.test(method)) return 'minutes';
  return KIND_UNITS[s.kind] || 'minutes';
}

/** The figure an interval is about, in words: [word, value, show]. */
const PERCENT_FIGURES = [
  ['same_next_step_percent', 'went on to the same next step'],
  ['rework_percent', 'sent back'],
  ['breach_percent', 'breached'],
  ['percent_acted_within_day', 'acted on within a day'],
];
function measured(s, unit) {
  const n = s.numbers || {};
  const method = String((s.evidence || {}).method || '').toLowerCase();
  if (unit === 'percent') {
    const found = PERCENT_FIGURES.find(([key]) => known(n[key]));
    return found ? { value: `${percent(n[found[0]])} ${found[1]}`, show: percent } : { value: null, show: percent };
  }
  if (unit === 'hours') {
    const value = [n.median_hours_to_act, n.median_hours].find(known);
    return { value: known(value) ? `median ${hours(value)}` : null, show: hours };
  }
  if (/90th percentile/.test(method) && known(n.p90_minutes)) return { value: `90th percentile ${minutes(n.p90_minutes)}`, show: minutes };
  return { value: known(n.median_minutes) ? `median ${minutes(n.median_minutes)}` : null, show: minutes };
}

/** "median 3 h 10 min, 90% interval 2 h 40 min to 3 h 50 min, 48 orders" (the parts known). */
function evidenceText(s) {
  const e = s.evidence || {};
  const m = measured(s, unitOf(s));
  const parts = [];
  if (m.value) parts.push(m.value);
  if (isPair(e.interval)) parts.push(`${confidence(e.confidence)} interval ${m.show(e.interval[0])} to ${m.show(e.interval[1])}`);
  const noun = (s.numbers || {}).reason === 'slow_to_act' ? 'flagged item' : 'order';
  if (known(e.sample_size)) parts.push(plural(e.sample_size, noun));
  return parts.join(', ');
}

const decimal = (v) => Number(v).toLocaleString('en-GB', { maximumFractionDigits: 1 });
/** The saving a month as figures: [[words, value]...] (the parts known; none without a saving). */
function savingFigures(saving, currency) {
  if (!saving || typeof saving !== 'object') return [];
  const month = saving.per_month || {};
  const staff = [saving.staff_hours_per_month, month.staff_hours].find(known);
  const cost = [saving.cost_cents_per_month, month.cost_cents].find(known);
  const customer = [saving.customer_hours_per_month, month.customer_hours].find(known);
  return [
    known(staff) ? ['Staff time saved a month', `${decimal(staff)} h`] : null,
    known(cost) ? ['Cost saved a month', money(cost, saving.currency || currency)] : null,
    known(customer) && Number(customer) ? ['Customers\u2019 waiting saved a month', `${decimal(customer)} h`] : null,
  ].filter(Boolean);
}

/** "Open as a draft": the map editor's own link and handover (views/process-draft.js: the draft
 * kept in sessionStorage for the editor, which otherwise reads it from the stored review). */
function draftButton(s, label, review) {
  const keep = () => rememberDraft(s);
  return el('a', { class: 'of-button of-button--secondary of-button--small of-reports-draft', href: editorLink(s, review || {}),
    onclick: keep, onauxclick: keep, 'aria-label': `Open as a draft: ${label || s.text}` }, 'Open as a draft');
}

function suggestionItem(s, ctx, options) {
  const numbers = Object.entries(s.numbers || {}).filter(([key, v]) => NUMBER_WORDS[key] && known(v) && typeof v !== 'object')
    .map(([key, v]) => NUMBER_WORDS[key](v));
  const e = s.evidence;
  const evidence = e ? evidenceText(s) : '';
  const saving = savingFigures(s.saving, options.currency);
  const admin = ctx && ctx.user && ctx.user.role === 'admin';
  const kindLabel = options.kindLabel(s.work_kind);
  const label = s.label || (s.owner ? person(options.people, s.owner) : '');
  const figures = (list, className) => el('dl', { class: `of-reports-numbers${className ? ` ${className}` : ''}` },
    list.map(([k, v]) => el('div', {}, el('dt', {}, k), el('dd', {}, v))));
  return el('li', { class: `of-reports-suggestion of-reports-suggestion--${s.kind}` },
    el('h3', { class: 'of-reports-suggestion-title' }, KIND_TITLES[s.kind] || 'Suggestion', label ? `: ${label}` : '',
      kindLabel ? el('span', { class: 'of-reports-suggestion-kind' }, ` (${kindLabel})`) : null),
    el('p', {}, s.text),
    evidence ? el('p', { class: 'of-reports-evidence' }, el('strong', {}, 'Evidence: '), evidence,
      e.method ? el('span', { class: 'of-muted' }, ` (${e.method}${known(e.needed) ? `; at least ${e.needed} needed` : ''})`) : null) : null,
    saving.length ? figures(saving, 'of-reports-saving') : null,
    numbers.length ? figures(numbers) : null,
    s.draft && s.id && admin ? el('p', { class: 'of-reports-draft-row' }, draftButton(s, label, options.review),
      el('span', { class: 'of-hint' }, ' Opens the change in the map editor, to review before publishing.')) : null);
}

function notEnoughList(entries, options) {
  if (!entries.length) return null;
  const headingId = uid('of-reports-not-enough');
  return el('div', { class: 'of-reports-not-enough', role: 'group', 'aria-labelledby': headingId },
    el('h3', { class: 'of-reports-subheading', id: headingId }, 'Not enough data yet'),
    el('p', { class: 'of-hint' }, 'No suggestion is made about these until more orders have passed through them.'),
    el('ul', { class: 'of-reports-not-enough-list' }, entries.map((n) => {
      const kindLabel = options.kindLabel(n.work_kind);
      const text = n.text || `Not enough data yet${n.step ? ` for '${n.step}'` : ''} (${plural(n.sample_size || 0, 'order')}`
        + `${known(n.needed) ? `; at least ${n.needed} needed` : ''}).`;
      const named = kindLabel && !String(text).startsWith(`${kindLabel}:`);
      return el('li', {}, named ? el('span', { class: 'of-reports-suggestion-kind' }, `${kindLabel}: `) : null, text);
    })));
}

/** The section "What the figures suggest": the suggestions with their evidence, then what there is
 * not enough data for. options: {currency, kindLabel: (work_kind) -> label or null}. */
function suggestionSection(report, ctx, options) {
  const opts = { currency: undefined, people: {}, kindLabel: () => null, ...(options || {}) };
  const suggestions = Array.isArray(report.suggestions) ? report.suggestions : [];
  const notEnough = Array.isArray(report.not_enough_data) ? report.not_enough_data : [];
  const items = suggestions.map((s) => suggestionItem(s, ctx, opts));
  return el('section', { class: 'of-card of-reports-suggestions', 'aria-labelledby': 'of-reports-suggestions-title' },
    el('h2', { class: 'of-heading', id: 'of-reports-suggestions-title' }, 'What the figures suggest'),
    items.length ? el('ul', { class: 'of-reports-suggestion-list' }, items)
      : el('p', { class: 'of-empty' }, notEnough.length
        ? 'No suggestion: where a step stood out, there is not enough data yet to be sure (below).'
        : 'Nothing to change: no step stood out in this period.'),
    notEnoughList(notEnough, opts));
}

/** A [lo, hi] interval of minutes in words: "2 h 40 min to 3 h 50 min", or "–". */
const minutesInterval = (pair) => (isPair(pair) ? `${minutes(pair[0])} to ${minutes(pair[1])}` : '–');

export { suggestionSection, evidenceText, savingFigures, minutesInterval, isPair, known };
