/* A suggestion of the process evaluation opened in the map editor as a draft, and what a version
 * is expected to change (an experiment), for the editor (views/process-edit.js).
 *
 * Opening a draft: `#/process/edit?kind=<kind>&draft=<suggestion id>` (with `&period=&date=` of
 * the review it came from; by default the latest weekly review). The draft is the suggestion's
 * `draft` field as the evaluation made it ({work_kind, base_version, note, map, expected}): the
 * reports screen may hand it over in sessionStorage (`rememberDraft`, read once), else it is read
 * from the stored review (GET /reports/reviews). The editor then shows the draft's map, the note
 * and the expectation filled in, for an admin to review and publish; publishing is the editor's
 * own (a version published since the draft was made is the editor's 409 conflict).
 *
 * The expectation: what the admin expects the version to change (a sentence; optionally a step,
 * a measure and which way) and a local date to judge it on, sent as `expected` and `judge_on`
 * with the map. Every value reaches the page as text (textContent), never as markup. */

import { api } from '../api.js';
import { el, alertBox } from '../dom.js';
import { withKind } from './process-kinds.js';

const STORE = 'office:process-draft:';
const MEASURES = {
  '': 'Not said',
  step_median_minutes: 'Time in a step (median)',
  cycle_time_hours: 'Cycle time (to paid)',
  sla_compliance_percent: 'SLA compliance',
  rework_percent: 'Orders sent back (rework)',
};
const DIRECTIONS = { '': 'Not said', lower: 'Goes down', higher: 'Goes up' };
const PERIODS = ['weekly', 'monthly', 'quarterly'];

/** The editor's link that opens `suggestion` as a draft (`review`: {period, date} it came from). */
function draftLink(suggestion, review = {}) {
  const draft = suggestion && suggestion.draft;
  return withKind('#/process/edit', (draft && draft.work_kind) || suggestion.work_kind, {
    draft: suggestion.id, period: review.period || null, date: review.date || null });
}

/** Hand the draft to the editor through sessionStorage (read once when the editor opens it). */
function rememberDraft(suggestion) {
  try {
    sessionStorage.setItem(STORE + suggestion.id, JSON.stringify(suggestion.draft));
  } catch (error) { /* storage full or refused: the editor reads the stored review instead */ }
}

function fromStorage(id) {
  try {
    const text = sessionStorage.getItem(STORE + id);
    if (text === null) return null;
    sessionStorage.removeItem(STORE + id);
    return JSON.parse(text);
  } catch (error) {
    return null;
  }
}

function findSuggestion(report, id) {
  const lists = [report.suggestions || []];
  Object.values(report.kinds || {}).forEach((part) => lists.push(part.suggestions || []));
  for (const list of lists) {
    const found = list.find((s) => s && s.id === id);
    if (found) return found;
  }
  return null;
}

const validDraft = (d) => d && d.map && Array.isArray(d.map.steps) && d.map.steps.length > 0;

/** The draft the route asks for: {draft, error} (both null when the route asks for none). */
async function draftFor(ctx) {
  const id = ctx.query.get('draft');
  if (!id) return { draft: null, error: null };
  const kept = fromStorage(id);
  if (validDraft(kept)) return { draft: kept, error: null };
  const period = PERIODS.includes(ctx.query.get('period')) ? ctx.query.get('period') : 'weekly';
  const query = new URLSearchParams({ period });
  if (/^\d{4}-\d{2}-\d{2}$/.test(ctx.query.get('date') || '')) query.set('date', ctx.query.get('date'));
  try {
    const { data } = await api(`/reports/reviews?${query}`);
    const found = findSuggestion((data && data.report) || {}, id);
    if (found && validDraft(found.draft)) return { draft: found.draft, error: null };
    return { draft: null, error: `The ${period} review has no draft for the suggestion “${id}”.` };
  } catch (error) {
    return { draft: null, error: `The draft could not be read: ${error.message}` };
  }
}

/** The map the editor opens: the draft's map at the version it was made from. */
const draftMap = (draft) => ({ ...draft.map, version: draft.base_version });

/** The notice above the editor: where the draft came from, or why it could not be opened. */
function draftNotice(found, current) {
  const { draft, error } = found || {};
  if (error) return alertBox('warning', 'The draft could not be opened', `${error} The current map is shown instead.`);
  if (!draft) return null;
  const stale = current && current.version !== draft.base_version
    ? ` It was made from version ${draft.base_version}; version ${current.version} has been published since, so publishing will ask what to do.` : '';
  return el('div', { 'data-draft-notice': '' }, alertBox('info', 'A draft from a suggestion of the process evaluation',
    `The map below is the suggested change, not yet published: ${draft.note}${stale} Review every step, then publish it with the note (and the expectation) below, or cancel.`));
}

/** The editor's expectation state, filled from a draft when there is one. */
function expectationState(draft) {
  const e = (draft && draft.expected) || {};
  return { text: e.text || '', step: e.step || '', measure: e.measure || '', direction: e.direction || '', judgeOn: '' };
}

/** `expected` and `judge_on` for the PUT body: nothing when left empty (the API names what is wrong). */
function expectationBody(state) {
  const e = state.expectation;
  if (!e) return {};
  const body = {};
  const said = { text: e.text.trim(), step: e.step, measure: e.measure, direction: e.direction };
  if (said.text || said.step || said.measure || said.direction) {
    body.expected = Object.fromEntries(Object.entries(said).filter(([, value]) => value !== ''));
  }
  if (e.judgeOn) body.judge_on = e.judgeOn;
  return body;
}

/** The publish box's fieldset: what the version is expected to change, and when to judge it.
 * `labelled(path, label, control, hint)` is the editor's own (errors at `expected.text`... show there). */
function expectationFields(state, labelled) {
  state.expectation = state.expectation || expectationState(null);
  const e = state.expectation;
  const select = (prop, options) => el('select', { class: 'of-select', onchange: (ev) => { e[prop] = ev.target.value; } },
    Object.entries(options).map(([value, text]) => el('option', { value, selected: value === e[prop] }, text)));
  const steps = { '': 'Not said' };
  state.steps.forEach((s) => { if (s.key.trim()) steps[s.key.trim()] = s.label || s.key; });
  const text = el('textarea', { class: 'of-textarea', rows: 2, maxlength: 500, oninput: (ev) => { e.text = ev.target.value; } });
  text.value = e.text;
  const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
  const judgeOn = el('input', { class: 'of-input', type: 'date', value: e.judgeOn, min: tomorrow,
    oninput: (ev) => { e.judgeOn = ev.target.value; } });
  return el('fieldset', { class: 'of-process-expectation', 'data-expectation': '' },
    el('legend', { class: 'of-label' }, 'What do you expect it to change? (optional)'),
    labelled('expected.text', 'Expected', text, 'In a sentence, e.g. “Requests are booked within the hour”. Required if you fill in any of these.'),
    el('div', { class: 'of-process-edit-row' },
      labelled('expected.step', 'Step', select('step', steps)),
      labelled('expected.measure', 'Measure', select('measure', MEASURES)),
      labelled('expected.direction', 'Which way', select('direction', DIRECTIONS)),
      labelled('judge_on', 'Judge it on', judgeOn, 'Then it is compared with the version before; you and the step’s owner are told.')));
}

export { draftLink, rememberDraft, draftFor, draftMap, draftNotice, expectationState, expectationBody, expectationFields };
