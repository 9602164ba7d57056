/* The process map screen (#/process): the current map drawn as a flow, and every step with its
 * owner (by name), the time allowed, what it takes to leave it, what happens on entry, who may
 * move orders into it, its next steps and the orders open in it. Dispatchers read it; admins
 * also edit it (#/process/edit, views/process-edit.js) and everyone in the office sees the
 * versions with their notes and a diff of any two (#/process/versions, views/process-versions.js).
 * Each kind of work has its own map: the picker chooses it, kept in the hash (`?kind=`,
 * views/process-kinds.js) and carried to the editor and the versions. */

import { api } from '../api.js';
import { el, fill } from '../dom.js';
import { dateTime, plural } from '../format.js';
import { flowDiagram } from './process-flow.js';
import { kindOf, withKind, loadKinds, labelOfKind, kindPicker, chooseKind } from './process-kinds.js';
import {
  loadStaff, ownerName, slaWords, staffWords, conditionsWords, automationsWords, rolesWords, labelOf, isEnd, listWords, ordersWord,
} from './process-common.js';

async function mount(root, ctx) {
  const sub = ctx.parts[0];
  if (sub === 'edit') {
    const { mountEditor } = await import('./process-edit.js');
    return mountEditor(root, ctx);
  }
  if (sub === 'versions') {
    const { mountVersions } = await import('./process-versions.js');
    return mountVersions(root, ctx);
  }
  return mountMap(root, ctx);
}

/** Another comparison on the versions page keeps the page (and the focus where it belongs). */
function update(ctx, view) {
  if (ctx.parts[0] === 'versions' && view && typeof view.update === 'function') return view.update(ctx);
  return false;
}

async function mountMap(root, ctx) {
  const heading = el('h1', { class: 'of-title' }, 'Process map');
  const kind = kindOf(ctx.query);
  const [mapAnswer, staff, listing, kinds] = await Promise.all([
    api(withKind('/workflow', kind)),
    loadStaff(),
    api(withKind('/workflow/versions', kind)).then((r) => r.data, () => null),
    loadKinds(),
  ]);
  const map = mapAnswer.data;
  const current = listing && listing.versions.find((v) => v.version === map.version);
  const counts = current ? current.open_orders_by_step : {};
  // Orders started on earlier versions are open in steps of those versions' maps, by key.
  const allCounts = {};
  ((listing && listing.versions) || []).forEach((v) => {
    Object.entries(v.open_orders_by_step).forEach(([key, n]) => { allCounts[key] = (allCounts[key] || 0) + n; });
  });
  const admin = ctx.user.role === 'admin';
  const ends = map.steps.filter(isEnd).length;
  const interruptions = map.steps.filter((s) => s.interruption).length;

  fill(root,
    el('div', { class: 'of-screen-head' },
      el('div', {},
        heading,
        el('p', { class: 'of-subtitle' },
          `${labelOfKind(kinds, kind)}: “${map.name}”, version ${map.version}, published ${dateTime(map.published_at)} by ${ownerName(staff, map.published_by)}.`)),
      el('div', { class: 'of-toolbar' },
        kindPicker(kinds, kind, chooseKind(ctx, '')),
        el('a', { class: 'of-button of-button--secondary', href: withKind('#/process/versions', kind) }, 'Versions and changes'),
        admin ? el('a', { class: 'of-button', href: withKind('#/process/edit', kind) }, 'Edit the map') : null)),
    map.note ? el('p', { class: 'of-process-note' }, el('strong', {}, 'Why this version: '), map.note) : null,
    el('p', { class: 'of-process-summary' },
      `${plural(map.steps.length, 'step')}, ${plural(ends, 'end step')}, ${plural(interruptions, 'interruption')}`,
      current ? `; ${ordersWord(current.open_orders)} on this version` : '',
      listing && listing.open_orders !== (current ? current.open_orders : 0)
        ? ` (${ordersWord(listing.open_orders - (current ? current.open_orders : 0))} on earlier versions keep the map they started on)` : '',
      '.'),
    admin ? null : el('p', { class: 'of-muted' }, 'Only an admin can change the map.'),
    el('div', { class: 'of-process-layout' },
      el('section', { class: 'of-card of-process-drawing', 'aria-labelledby': 'of-process-flow-heading' },
        el('h2', { class: 'of-heading', id: 'of-process-flow-heading' }, 'The flow'),
        flowDiagram(map, staff, { counts: allCounts })),
      el('section', { class: 'of-process-details', 'aria-labelledby': 'of-process-steps-heading' },
        el('h2', { class: 'of-heading', id: 'of-process-steps-heading' }, 'The steps'),
        el('ol', { class: 'of-process-steps' }, map.steps.map((s) => stepCard(map, s, staff, allCounts[s.key] || 0, counts[s.key] || 0))))));
  return { title: 'Process map', heading };
}

function stepCard(map, step, staff, open, openHere) {
  const tags = [];
  if (step.key === map.start_step) tags.push(el('span', { class: 'of-chip of-process-tag' }, 'Start'));
  if (isEnd(step)) tags.push(el('span', { class: 'of-chip of-process-tag of-process-tag--end' }, 'End step'));
  if (step.interruption) tags.push(el('span', { class: 'of-chip of-process-tag of-process-tag--interruption' }, 'Interruption'));
  const next = (step.next || []).map((k) => labelOf(map, k));
  return el('li', { class: `of-card of-process-step${step.interruption ? ' of-process-step--interruption' : ''}`, 'data-step': step.key },
    el('h3', { class: 'of-process-step-title' }, step.label, ' ', el('code', { class: 'of-process-key' }, step.key), ' ', tags),
    el('dl', { class: 'of-dl of-process-dl' },
      el('dt', {}, 'Owner'), el('dd', {}, ownerName(staff, step.owner)),
      el('dt', {}, 'Deputy'), el('dd', {}, step.deputy ? ownerName(staff, step.deputy) : 'the admins'),
      el('dt', {}, 'Time allowed'), el('dd', {}, slaWords(step)),
      el('dt', {}, 'Staff time'), el('dd', {}, staffWords(step)),
      el('dt', {}, 'To leave it'), el('dd', {}, step.exit_conditions.length ? `the order needs ${conditionsWords(step.exit_conditions)}` : 'no conditions'),
      el('dt', {}, 'On entry'), el('dd', {}, step.automations.length ? `the system ${automationsWords(step.automations)}` : 'nothing automatic'),
      el('dt', {}, 'Moved here by'), el('dd', {}, rolesWords(step.allowed_roles)),
      el('dt', {}, 'Next steps'), el('dd', {}, next.length ? listWords(next, 'or') : 'none: orders end here'),
      el('dt', {}, 'Open orders'), el('dd', {}, String(open),
        open !== openHere ? ` (${openHere} on this version, ${open - openHere} on earlier ones)` : '')));
}

export { mount, update };
