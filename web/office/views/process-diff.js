/* The difference between two versions of the process map, step by step: which steps were added,
 * removed or renamed (a new label, or a new key with the same label), and which properties of
 * the others changed (owner, deputy, time allowed and its clock, waiting on the customer, exit
 * conditions, automations, roles, next steps, interruption, staff time, position); drawn side by side with every change said in words as well as
 * highlighted. */

import { el, hidden } from '../dom.js';
import { plural } from '../format.js';
import { ownerName, sla, staffWords, conditionsWords, automationsWords, rolesWords, listWords } from './process-common.js';

const PROPERTIES = [
  ['label', 'Name'], ['key', 'Key'], ['owner', 'Owner'], ['deputy', 'Deputy'], ['sla_minutes', 'Time allowed'],
  ['sla_clock', 'Time counts'], ['waits_on_customer', 'Waits on the customer'], ['exit_conditions', 'To leave it'],
  ['automations', 'On entry'], ['allowed_roles', 'Moved here by'],
  ['next', 'Next steps'], ['interruption', 'Interruption'], ['staff', 'Staff time'], ['order', 'Position'],
];
const WORD = Object.fromEntries(PROPERTIES);

const same = (x, y) => JSON.stringify(x === undefined ? null : x) === JSON.stringify(y === undefined ? null : y);
const sorted = (list) => [...(list || [])].sort();

/** The step before `key` among the steps both versions have (for "moved"). */
function predecessors(map, common) {
  const result = new Map();
  let previous = null;
  map.steps.forEach((s) => { if (common.has(s.key)) { result.set(s.key, previous); previous = s.key; } });
  return result;
}

/** diffMaps(a, b) -> {meta: [{prop, before, after}], rows: [{status, before, after, changes}], counts} */
function diffMaps(a, b) {
  const inA = new Map(a.steps.map((s) => [s.key, s]));
  const inB = new Map(b.steps.map((s) => [s.key, s]));
  const removed = a.steps.filter((s) => !inB.has(s.key));
  const added = b.steps.filter((s) => !inA.has(s.key));
  // A new key with the label of a removed step: the same step, renamed.
  const renamedFrom = new Map();
  added.forEach((s) => {
    const old = removed.find((r) => r.label === s.label && ![...renamedFrom.values()].includes(r));
    if (old) renamedFrom.set(s.key, old);
  });
  const keyInA = (key) => (inA.has(key) ? key : renamedFrom.has(key) ? renamedFrom.get(key).key : null);
  const keyInB = new Map(b.steps.map((s) => [keyInA(s.key), s.key]).filter(([k]) => k));
  const common = new Set([...keyInB.keys()]);
  const beforeA = predecessors(a, common);
  const beforeB = new Map();
  let previous = null;
  b.steps.forEach((s) => { const k = keyInA(s.key); if (k) { beforeB.set(k, previous); previous = k; } });

  const rows = b.steps.map((after) => {
    const oldKey = keyInA(after.key);
    const before = oldKey ? inA.get(oldKey) : null;
    if (!before) return { status: 'added', before: null, after, changes: [] };
    const changes = PROPERTIES.map(([p]) => p).filter((p) => {
      if (p === 'order') return beforeA.get(oldKey) !== beforeB.get(oldKey);
      if (p === 'staff') return staffWords(before) !== staffWords(after);
      if (p === 'sla_clock') return (before.sla_clock || 'business') !== (after.sla_clock || 'business');
      if (p === 'waits_on_customer') return Boolean(before.waits_on_customer) !== Boolean(after.waits_on_customer);
      if (p === 'next') return !same(sorted(before.next.map((k) => keyInB.get(k) || `removed:${k}`)), sorted(after.next));
      if (['exit_conditions', 'automations', 'allowed_roles'].includes(p)) return !same(sorted(before[p]), sorted(after[p]));
      return !same(before[p], after[p]);
    });
    const renamed = changes.includes('label') || changes.includes('key');
    return { status: renamed ? 'renamed' : changes.length ? 'changed' : 'unchanged', before, after, changes };
  });
  removed.filter((r) => ![...renamedFrom.values()].includes(r)).forEach((r) => {
    const i = a.steps.indexOf(r);
    const prior = a.steps.slice(0, i).reverse().find((s) => rows.some((row) => row.before === s));
    const at = prior ? rows.findIndex((row) => row.before === prior) + 1 : 0;
    rows.splice(at, 0, { status: 'removed', before: r, after: null, changes: [] });
  });
  const meta = [['name', 'Map name'], ['start_step', 'Start step']]
    .filter(([p]) => a[p] !== b[p]).map(([p, words]) => ({ prop: p, words, before: a[p], after: b[p] }));
  const counts = { added: 0, removed: 0, renamed: 0, changed: 0, unchanged: 0 };
  rows.forEach((r) => { counts[r.status] += 1; });
  return { meta, rows, counts };
}

function describeStep(map, step, staff) {
  const label = (key) => (map.steps.find((s) => s.key === key) || { label: key }).label;
  return {
    label: step.label,
    key: step.key,
    owner: ownerName(staff, step.owner),
    deputy: step.deputy ? ownerName(staff, step.deputy) : 'the admins',
    sla_minutes: sla(step.sla_minutes),
    sla_clock: (step.sla_clock || 'business') === 'calendar' ? 'calendar time' : 'business hours',
    waits_on_customer: step.waits_on_customer ? 'yes' : 'no',
    staff: staffWords(step),
    exit_conditions: step.exit_conditions.length ? conditionsWords(step.exit_conditions) : 'no conditions',
    automations: step.automations.length ? automationsWords(step.automations) : 'nothing automatic',
    allowed_roles: rolesWords(step.allowed_roles),
    next: step.next.length ? listWords(step.next.map(label), 'or') : 'none (an end step)',
    interruption: step.interruption ? 'yes' : 'no',
    order: `step ${map.steps.indexOf(step) + 1}`,
  };
}

function cell(map, step, staff, changes, missing, compact) {
  if (!step) return el('td', { class: 'of-process-diff-missing' }, missing);
  const words = describeStep(map, step, staff);
  if (compact) return el('td', {}, `${words.owner} · ${words.sla_minutes} · next: ${words.next}`);
  return el('td', {}, el('dl', { class: 'of-process-diff-dl' }, PROPERTIES.map(([p, name]) => {
    const changed = changes.includes(p);
    return [el('dt', { class: changed ? 'of-process-diff-changed' : null }, name),
      el('dd', { class: changed ? 'of-process-diff-changed' : null },
        changed ? el('mark', {}, words[p]) : words[p],
        changed ? el('span', { class: 'of-process-diff-flag' }, ' (changed)') : null)];
  })));
}

const STATUS_WORDS = { added: 'Added', removed: 'Removed', renamed: 'Renamed', changed: 'Changed', unchanged: 'Unchanged' };

function diffTable(a, b, staff) {
  const diff = diffMaps(a, b);
  const c = diff.counts;
  const summary = [
    plural(c.added, 'step added', 'steps added'), plural(c.removed, 'removed', 'removed'),
    plural(c.renamed, 'renamed', 'renamed'), plural(c.changed, 'changed', 'changed'), plural(c.unchanged, 'unchanged', 'unchanged'),
  ].join(', ');
  const metaList = diff.meta.length ? el('ul', { class: 'of-process-diff-meta' }, diff.meta.map((m) => el('li', {},
    `${m.words}: `, el('del', {}, hidden('was '), m.before), ' → ', el('ins', {}, hidden('now '), m.after)))) : null;
  const table = el('table', { class: 'of-table of-process-diff' },
    el('caption', { class: 'of-visually-hidden' }, `Version ${a.version} and version ${b.version}, step by step`),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col' }, 'Change'),
      el('th', { scope: 'col' }, `Version ${a.version}`),
      el('th', { scope: 'col' }, `Version ${b.version}`))),
    el('tbody', {}, diff.rows.map((r) => el('tr', { class: `of-process-diff-row of-process-diff-row--${r.status}`, 'data-change': r.status },
      el('th', { scope: 'row' },
        el('span', { class: `of-chip of-process-diff-status of-process-diff-status--${r.status}` }, STATUS_WORDS[r.status]),
        el('span', { class: 'of-process-diff-name' }, (r.after || r.before).label),
        r.changes.length ? el('span', { class: 'of-process-diff-what' }, `Changed: ${listWords(r.changes.map((p) => WORD[p].toLowerCase()))}`) : null),
      cell(a, r.before, staff, r.changes, `Not in version ${a.version}`, r.status === 'unchanged'),
      cell(b, r.after, staff, r.changes, `Not in version ${b.version}`, r.status === 'unchanged')))));
  return { diff, element: el('div', { class: 'of-process-diff-wrap' },
    el('p', { class: 'of-process-diff-summary' }, `${summary}.`), metaList, el('div', { class: 'of-table-wrap' }, table)) };
}

export { diffMaps, diffTable };
