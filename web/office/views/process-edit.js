/* The process map editor (#/process/edit, admins): add, remove, rename and reorder steps (Move
 * up / Move down buttons), change each step's owner and deputy, time allowed and the clock it
 * counts on (business hours or calendar time), whether it waits on the customer (no time limit
 * runs), whose time it takes (role and minutes per visit, for its cost), exit conditions,
 * automations, who may move orders into it, its next steps and whether it is an interruption; then publish
 * the map as a new version with a note saying why (required).
 *
 * Steps are held by an id of the editor's own, so renaming a step's key keeps every reference
 * to it. The API checks the map: its 422 names fields such as `steps[3].sla_minutes`, which are
 * put at that step's control (aria-invalid and the message) and listed at the top with a link
 * to each. A version published by someone else meanwhile comes back as 409: a conflict, shown as
 * such, never overwritten without asking.
 *
 * The map edited is one kind of work's (`?kind=`, views/process-kinds.js). "New kind of work"
 * publishes the edited map instead as version 1 of a new kind (its key and name given), which
 * the API creates; the map it started from is left as it was. */

import { api } from '../api.js';
import { el, fill, say, alarm, alertBox, button, focusOn, hidden, capitalise } from '../dom.js';
import { CONDITIONS, AUTOMATIONS, ROLES, SLA_CLOCKS, STAFF_ROLES, loadStaff } from './process-common.js';
import { kindOf, withKind, loadKinds, labelOfKind } from './process-kinds.js';
import { draftFor, draftMap, draftNotice, expectationState, expectationBody, expectationFields } from './process-draft.js';

const UNITS = { minutes: 1, hours: 60, days: 1440 };
const PROPERTY_WORDS = {
  key: 'Key', label: 'Name', owner: 'Owner', sla_minutes: 'Time allowed', next: 'Next steps',
  exit_conditions: 'To leave it, the order needs', automations: 'On entry, the system', allowed_roles: 'Who may move orders here',
  interruption: 'Interruption', sla_clock: 'Time counts', waits_on_customer: 'Waits on the customer', deputy: 'Deputy',
  staff_role: 'Whose time it takes', staff_minutes: 'Staff minutes per visit',
};
const TOP_WORDS = { name: 'Map name', start_step: 'Start step', note: 'Why', steps: 'Steps', expected_version: 'Version',
  kind: 'New kind of work, Key', kind_label: 'New kind of work, Name' };

let ids = 0;
const newId = () => `s${++ids}`;

function fromMap(map) {
  const idOf = new Map(map.steps.map((s) => [s.key, newId()]));
  const steps = map.steps.map((s) => {
    const minutes = s.sla_minutes;
    const unit = !minutes ? 'hours' : minutes % 1440 === 0 ? 'days' : minutes % 60 === 0 ? 'hours' : 'minutes';
    return {
      id: idOf.get(s.key), key: s.key, label: s.label, owner: s.owner || '',
      slaValue: minutes ? String(minutes / UNITS[unit]) : '', slaUnit: unit,
      next: new Set((s.next || []).map((k) => idOf.get(k)).filter(Boolean)),
      exit_conditions: new Set(s.exit_conditions || []), automations: new Set(s.automations || []),
      allowed_roles: new Set(s.allowed_roles || []), interruption: !!s.interruption, open: false,
      sla_clock: s.sla_clock || 'business', waits_on_customer: !!s.waits_on_customer, deputy: s.deputy || '',
      staff_role: s.staff_role || '', staffMinutes: s.staff_minutes == null ? '' : String(s.staff_minutes),
    };
  });
  return { base: map.version, name: map.name, start: idOf.get(map.start_step), steps, note: '', errors: new Map(), summary: [] };
}

function toDocument(state) {
  const keyOf = new Map(state.steps.map((s) => [s.id, s.key.trim()]));
  const minutes = (s) => {
    if (s.slaValue.trim() === '') return null;
    const n = Number(s.slaValue) * UNITS[s.slaUnit];
    return Number.isFinite(n) ? Math.round(n * 1000) / 1000 : s.slaValue;
  };
  return {
    name: state.name,
    start_step: keyOf.get(state.start) || (state.steps[0] && state.steps[0].key),
    note: state.note,
    expected_version: state.base,
    ...expectationBody(state), // `expected`, `judge_on` (views/process-draft.js)
    steps: state.steps.map((s) => ({
      key: s.key.trim(), label: s.label, owner: s.owner || null, sla_minutes: minutes(s),
      next: [...s.next].map((id) => keyOf.get(id)).filter(Boolean), // in the order the map had them
      exit_conditions: Object.keys(CONDITIONS).filter((k) => s.exit_conditions.has(k)),
      automations: Object.keys(AUTOMATIONS).filter((k) => s.automations.has(k)),
      allowed_roles: Object.keys(ROLES).filter((k) => s.allowed_roles.has(k)),
      interruption: s.interruption,
      sla_clock: s.sla_clock, waits_on_customer: s.waits_on_customer, deputy: s.deputy || null,
      staff_role: s.staff_role || null, staff_minutes: staffMinutes(s),
    })),
  };
}

/** The step's staff minutes as sent: null when empty, a number when it reads as one (the API
 * says what is wrong with it), else the text as typed. */
function staffMinutes(step) {
  const text = step.staffMinutes.trim();
  if (text === '') return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}

function freshKey(state) {
  const taken = new Set(state.steps.map((s) => s.key));
  let n = 1;
  while (taken.has(n === 1 ? 'new_step' : `new_step_${n}`)) n += 1;
  return n === 1 ? 'new_step' : `new_step_${n}`;
}

async function mountEditor(root, ctx) {
  const heading = el('h1', { class: 'of-title' }, 'Edit the process map');
  if (ctx.user.role !== 'admin') {
    fill(root, heading, alertBox('info', 'Only an admin can change the process map', null,
      el('a', { href: '#/process' }, 'Back to the process map')));
    return { title: 'Edit the process map', heading };
  }
  const kind = kindOf(ctx.query);
  const [{ data: map }, staff, kinds] = await Promise.all([api(withKind('/workflow', kind)), loadStaff(), loadKinds()]);
  // `?draft=<suggestion id>`: the evaluation's suggested change, its note and expectation (views/process-draft.js).
  const found = await draftFor(ctx);
  const state = fromMap(found.draft ? draftMap(found.draft) : map);
  if (found.draft) state.note = found.draft.note || '';
  state.expectation = expectationState(found.draft);
  // Publishing as a new kind of work instead: its key and name.
  const fresh = { on: false, key: '', label: '', base: 0 };
  const target = () => (fresh.on ? fresh.key.trim() : kind);
  const controls = new Map(); // error path ("steps.s3.sla_minutes", "note") -> the control to focus
  const summary = el('div', { class: 'of-process-summary-box' });
  const stepsList = el('ol', { class: 'of-process-edit-steps' });
  const mapFields = el('div', { class: 'of-process-edit-map of-card' });
  const publishBox = el('div', { class: 'of-card of-process-publish' });
  const subtitle = el('p', { class: 'of-subtitle' });
  let busy = false;
  let dirty = false; // changed since it was opened (moves, additions and removals count too)

  const errorAt = (path) => state.errors.get(path);

  function control(path, node) { controls.set(path, node); return node; }

  /** A labelled control (input/select/textarea) with its error from the last answer. */
  function labelled(path, label, node, hint) {
    const id = `of-pe-${path.replace(/[^a-z0-9]+/gi, '-')}`;
    node.id = id;
    const message = errorAt(path);
    const described = [];
    const hintNode = hint ? el('p', { class: 'of-hint', id: `${id}-hint` }, hint) : null;
    if (hintNode) described.push(hintNode.id);
    const errorNode = message ? el('p', { class: 'of-error-message', id: `${id}-error` }, hidden('Error: '), capitalise(message)) : null;
    if (errorNode) { described.push(errorNode.id); node.setAttribute('aria-invalid', 'true'); }
    if (described.length) node.setAttribute('aria-describedby', described.join(' '));
    control(path, node);
    return el('div', { class: `of-field${message ? ' of-field--error' : ''}` }, el('label', { class: 'of-label', for: id }, label), hintNode, node, errorNode);
  }

  /** A group of checkboxes (a fieldset), with its error from the last answer. */
  function checks(path, legend, options, selected, onToggle) {
    const message = errorAt(path);
    const errorId = `of-pe-${path.replace(/[^a-z0-9]+/gi, '-')}-error`;
    const boxes = options.map(([value, text]) => {
      const input = el('input', { type: 'checkbox', checked: selected.has(value), 'aria-invalid': message ? 'true' : null,
        'aria-describedby': message ? errorId : null, onchange: (e) => { onToggle(value, e.target.checked); } });
      return el('label', { class: 'of-check' }, input, el('span', { 'data-next-label': value }, text));
    });
    if (boxes.length) control(path, boxes[0].querySelector('input'));
    return el('fieldset', { class: `of-process-checks${message ? ' of-field--error' : ''}` },
      el('legend', { class: 'of-label' }, legend),
      message ? el('p', { class: 'of-error-message', id: errorId }, hidden('Error: '), capitalise(message)) : null,
      boxes.length ? boxes : el('p', { class: 'of-muted' }, 'No other steps yet.'));
  }

  function renderMapFields() {
    const name = el('input', { class: 'of-input', value: state.name, maxlength: 100, oninput: (e) => { state.name = e.target.value; } });
    const start = el('select', { class: 'of-select', onchange: (e) => { state.start = e.target.value; } },
      state.steps.map((s) => el('option', { value: s.id, selected: s.id === state.start }, s.label || s.key)));
    fill(mapFields, el('h2', { class: 'of-visually-hidden' }, 'The map'),
      el('div', { class: 'of-process-edit-row' },
        labelled('name', 'Map name', name),
        labelled('start_step', 'Start step', start, 'Where every new order begins.')));
  }

  function stepItem(step, index) {
    const path = (p) => `steps.${step.id}${p ? `.${p}` : ''}`;
    const title = `Step ${index + 1}: ${step.label || step.key}`;
    const input = (prop, attrs) => el('input', { class: 'of-input', value: step[prop], ...attrs,
      oninput: (e) => {
        step[prop] = e.target.value;
        if (prop === 'label' || prop === 'key') {
          document.querySelectorAll(`[data-next-label="${step.id}"]`).forEach((n) => { n.textContent = step.label || step.key; });
          legendText.textContent = `Step ${index + 1}: ${step.label || step.key}`;
          legendHidden.textContent = legendText.textContent;
        }
      } });
    const legendText = el('span', {}, title);
    const legendHidden = el('span', {}, title);
    const owner = el('select', { class: 'of-select', onchange: (e) => { step.owner = e.target.value; } },
      el('option', { value: '' }, 'No owner'),
      [...staff.values()].map((m) => el('option', { value: m.id, selected: m.id === step.owner }, `${m.name} (${m.role}${m.active === false ? ', inactive' : ''})`)),
      step.owner && !staff.has(step.owner) ? el('option', { value: step.owner, selected: true }, `${step.owner} (not on the staff list)`) : null);
    const staffSelect = (prop, none) => el('select', { class: 'of-select', onchange: (e) => { step[prop] = e.target.value; } },
      el('option', { value: '' }, none),
      [...staff.values()].map((m) => el('option', { value: m.id, selected: m.id === step[prop] }, `${m.name} (${m.role}${m.active === false ? ', inactive' : ''})`)),
      step[prop] && !staff.has(step[prop]) ? el('option', { value: step[prop], selected: true }, `${step[prop]} (not on the staff list)`) : null);
    const deputy = staffSelect('deputy', 'No deputy (the admins)');
    const choose = (prop, options) => el('select', { class: 'of-select', onchange: (e) => { step[prop] = e.target.value; } },
      Object.entries(options).map(([value, text]) => el('option', { value, selected: value === step[prop] }, text)));
    const slaClock = choose('sla_clock', SLA_CLOCKS);
    const staffRole = choose('staff_role', { '': 'Nobody’s (the order only waits)', ...STAFF_ROLES });
    const staffMinutesInput = input('staffMinutes', { type: 'number', min: 1, step: 1, inputmode: 'numeric', class: 'of-input of-process-sla' });
    const slaValue = input('slaValue', { type: 'number', min: 0, step: 'any', inputmode: 'decimal', class: 'of-input of-process-sla' });
    const slaUnit = el('select', { class: 'of-select', onchange: (e) => { step.slaUnit = e.target.value; } },
      Object.keys(UNITS).map((u) => el('option', { value: u, selected: u === step.slaUnit }, u)));
    const others = state.steps.filter((o) => o.id !== step.id).map((o) => [o.id, o.label || o.key]);
    const toggle = (set) => (value, on) => { if (on) set.add(value); else set.delete(value); };
    // A next step ticked goes before the first one that comes later in the map; the others keep
    // their order (the order of the move buttons an order's page shows).
    const toggleNext = (value, on) => {
      const list = [...step.next].filter((id) => id !== value);
      if (on) {
        const position = (id) => state.steps.findIndex((x) => x.id === id);
        const at = list.findIndex((id) => position(id) > position(value));
        list.splice(at < 0 ? list.length : at, 0, value);
      }
      step.next = new Set(list);
    };
    const stepError = errorAt(path(''));
    const move = (delta) => () => {
      dirty = true;
      const i = state.steps.indexOf(step);
      state.steps.splice(i, 1);
      state.steps.splice(i + delta, 0, step);
      renderSteps();
      const again = stepsList.querySelector(`[data-step-id="${step.id}"] [data-move="${delta < 0 ? 'up' : 'down'}"]`);
      focusOn(again && !again.disabled ? again : stepsList.querySelector(`[data-step-id="${step.id}"] [aria-expanded]`), true);
      say(`${step.label || step.key} is now step ${state.steps.indexOf(step) + 1} of ${state.steps.length}.`);
    };
    const bodyId = `of-pe-body-${step.id}`;
    const brief = el('p', { class: 'of-process-edit-brief' }, briefOf(step));
    const body = el('div', { id: bodyId, class: 'of-process-edit-body', hidden: !step.open },
      el('fieldset', { class: 'of-process-edit-fieldset' },
        el('legend', { class: 'of-visually-hidden' }, legendHidden),
        el('div', { class: 'of-process-edit-row' },
          labelled(path('label'), 'Name', input('label', { maxlength: 80 })),
          labelled(path('key'), 'Key', input('key', { maxlength: 40, autocapitalize: 'off', spellcheck: 'false' }), 'Lower-case letters, digits and _.'),
          labelled(path('owner'), 'Owner', owner),
          labelled(path('deputy'), 'Deputy', deputy, 'Gets the owner’s digest while the owner is on time off.'),
          el('div', { class: 'of-process-edit-sla' },
            labelled(path('sla_minutes'), 'Time allowed', slaValue, 'Empty: no time limit.'),
            labelled(`${path('sla_minutes')}.unit`, 'Unit', slaUnit)),
          labelled(path('sla_clock'), 'Time counts', slaClock, 'Business hours: the opening hours, less holidays.')),
        el('label', { class: 'of-check' },
          control(path('waits_on_customer'), el('input', { type: 'checkbox', checked: step.waits_on_customer,
            'aria-invalid': errorAt(path('waits_on_customer')) ? 'true' : null,
            onchange: (e) => { step.waits_on_customer = e.target.checked; } })),
          'Waits on the customer (a quote sent, an answer asked for): no time limit runs here'),
        errorAt(path('waits_on_customer')) ? el('p', { class: 'of-error-message' }, hidden('Error: '), capitalise(errorAt(path('waits_on_customer')))) : null,
        el('div', { class: 'of-process-edit-row' },
          labelled(path('staff_role'), 'Whose time it takes', staffRole, 'For what the step costs.'),
          labelled(path('staff_minutes'), 'Staff minutes per visit', staffMinutesInput, 'Empty: the whole time in the step.')),
        el('label', { class: 'of-check' },
          control(path('interruption'), el('input', { type: 'checkbox', checked: step.interruption, onchange: (e) => { step.interruption = e.target.checked; } })),
          'An interruption (may be entered without this step’s exit conditions, like on hold or cancelled)'),
        el('div', { class: 'of-process-edit-groups' },
          checks(path('next'), 'Next steps', others, step.next, toggleNext),
          checks(path('exit_conditions'), 'To leave it, the order needs', Object.entries(CONDITIONS), step.exit_conditions, toggle(step.exit_conditions)),
          checks(path('automations'), 'On entry, the system', Object.entries(AUTOMATIONS), step.automations, toggle(step.automations)),
          checks(path('allowed_roles'), 'Who may move orders here', Object.entries(ROLES), step.allowed_roles, toggle(step.allowed_roles)))));
    const opener = el('button', { type: 'button', class: 'of-process-edit-toggle', 'aria-expanded': step.open ? 'true' : 'false', 'aria-controls': bodyId,
      onclick: () => {
        step.open = !step.open;
        body.hidden = !step.open;
        opener.setAttribute('aria-expanded', step.open ? 'true' : 'false');
        brief.textContent = briefOf(step);
      } }, el('span', { class: 'of-process-edit-caret', 'aria-hidden': 'true' }), legendText);
    return el('li', { class: `of-card of-process-edit-step${stepError || hasErrors(step) ? ' of-process-edit-step--error' : ''}`, 'data-step-id': step.id },
      el('div', { class: 'of-process-edit-head' },
        el('div', { class: 'of-process-edit-title' },
          el('h3', { class: 'of-process-edit-legend' }, opener,
            step.interruption ? el('span', { class: 'of-chip of-process-tag of-process-tag--interruption' }, 'Interruption') : null),
          brief),
        el('div', { class: 'of-process-edit-actions' },
          button('Move up', move(-1), { kind: 'secondary', small: true, attrs: { 'aria-label': `Move up: ${title}`, disabled: index === 0, 'data-move': 'up' } }),
          button('Move down', move(1), { kind: 'secondary', small: true, attrs: { 'aria-label': `Move down: ${title}`, disabled: index === state.steps.length - 1, 'data-move': 'down' } }),
          button('Add a step after', () => addStep(index + 1), { kind: 'secondary', small: true, attrs: { 'aria-label': `Add a step after ${title}` } }),
          button('Remove', () => removeStep(step), { kind: 'danger', small: true, attrs: { 'aria-label': `Remove ${title}` } }))),
      stepError ? el('p', { class: 'of-error-message' }, hidden('Error: '), capitalise(stepError)) : null,
      body);
  }

  const hasErrors = (step) => [...state.errors.keys()].some((k) => k.startsWith(`steps.${step.id}.`));

  function briefOf(step) {
    const owner = step.owner ? (staff.get(step.owner) || { name: step.owner }).name : 'no owner';
    const unit = step.slaValue.trim() === '1' ? step.slaUnit.replace(/s$/, '') : step.slaUnit;
    const clock = step.sla_clock === 'calendar' ? ' (calendar time)' : ' (business hours)';
    const time = step.waits_on_customer ? 'waits on the customer' : step.slaValue.trim() ? `${step.slaValue} ${unit}${clock}` : 'no time limit';
    const next = [...step.next].map((id) => state.steps.find((o) => o.id === id)).filter(Boolean).map((o) => o.label || o.key);
    return `${owner} · ${time} · next: ${next.length ? next.join(', ') : 'none (an end step)'}`;
  }

  function setAllOpen(open) {
    state.steps.forEach((s) => { s.open = open; });
    renderSteps();
    say(open ? 'Every step is open.' : 'Every step is closed.');
  }

  function renderSteps() {
    [...controls.keys()].filter((k) => k.startsWith('steps.')).forEach((k) => controls.delete(k));
    fill(stepsList, state.steps.map(stepItem));
    renderMapFields();
  }

  function addStep(at) {
    dirty = true;
    const following = state.steps[at];
    const step = { id: newId(), key: freshKey(state), label: 'New step', owner: '', slaValue: '', slaUnit: 'hours',
      next: new Set(following ? [following.id] : []), exit_conditions: new Set(), automations: new Set(),
      allowed_roles: new Set(['admin', 'dispatcher']), interruption: false, open: true,
      sla_clock: 'business', waits_on_customer: false, deputy: '', staff_role: '', staffMinutes: '' };
    state.steps.splice(at, 0, step);
    renderSteps();
    focusOn(stepsList.querySelector(`[data-step-id="${step.id}"] input`), true);
    say(`A new step was added as step ${at + 1}. Name it, and tick it as a next step where orders should go to it.`);
  }

  function removeStep(step) {
    dirty = true;
    const i = state.steps.indexOf(step);
    state.steps.splice(i, 1);
    state.steps.forEach((s) => s.next.delete(step.id));
    if (state.start === step.id) state.start = state.steps[0] && state.steps[0].id;
    renderSteps();
    const after = stepsList.querySelector(`[data-step-id="${(state.steps[i] || state.steps[i - 1] || {}).id}"] [aria-expanded]`);
    focusOn(after || addButton, true);
    say(`${step.label || step.key} was removed; no step leads to it any more.`);
  }

  /** The 422's fields, by the editor's own paths: steps[3].x -> steps.<id of the 4th step sent>.x */
  function takeErrors(details, sentIds) {
    state.errors = new Map();
    state.summary = [];
    (Array.isArray(details) ? details : (details && details.fields) || []).forEach((d) => {
      const m = /^steps\[(\d+)\](?:\.(\w+))?$/.exec(d.field || '');
      let path = d.field || '';
      let where = TOP_WORDS[path] || (path ? path : 'The map');
      if (m && sentIds[Number(m[1])]) {
        const step = state.steps.find((s) => s.id === sentIds[Number(m[1])]);
        path = `steps.${sentIds[Number(m[1])]}${m[2] ? `.${m[2]}` : ''}`;
        where = `Step ${Number(m[1]) + 1} “${step ? step.label || step.key : ''}”${m[2] ? `, ${PROPERTY_WORDS[m[2]] || m[2]}` : ''}`;
        if (step) step.open = true;
      }
      state.errors.set(path, state.errors.has(path) ? `${state.errors.get(path)}; ${d.message}` : d.message);
      state.summary.push({ path, text: `${where}: ${d.message}` });
    });
  }

  function renderSummary() {
    if (!state.summary.length) { fill(summary); return; }
    const n = state.summary.length;
    const box = alertBox('error', `The map was not published: ${n === 1 ? 'one problem' : `${n} problems`} to fix`,
      'Each is also shown at its field.',
      el('ul', {}, state.summary.map((p) => el('li', {},
        el('a', { href: '#/process/edit', onclick: (e) => {
          e.preventDefault();
          const stepId = p.path.startsWith('steps.') ? p.path.split('.')[1] : null;
          const step = state.steps.find((x) => x.id === stepId);
          if (step && !step.open) { step.open = true; renderSteps(); }
          const target = controls.get(p.path);
          focusOn(target || (stepId && stepsList.querySelector(`[data-step-id="${stepId}"] [aria-expanded]`)) || summary, true);
        } }, p.text)))));
    fill(summary, box);
  }

  function renderPublish() {
    const note = el('textarea', { class: 'of-textarea', rows: 3, maxlength: 1000, required: true, 'aria-required': 'true',
      oninput: (e) => { state.note = e.target.value; } });
    note.value = state.note;
    const publish = button(fresh.on ? 'Publish as a new kind of work' : `Publish as version ${state.base + 1}`, onPublish, { attrs: { 'data-publish': '' } });
    const asNew = el('input', { type: 'checkbox', checked: fresh.on, onchange: (e) => {
      fresh.on = e.target.checked;
      renderPublish();
      const first = publishBox.querySelector(fresh.on ? '#of-pe-kind' : 'input[type="checkbox"]');
      focusOn(first, true);
      say(fresh.on ? 'This map will be published as the first version of a new kind of work. Give its key and name.'
        : `This map will be published as version ${state.base + 1} of ${labelOfKind(kinds, kind)}.`);
    } });
    const keyInput = el('input', { class: 'of-input', value: fresh.key, maxlength: 40, autocapitalize: 'off', spellcheck: 'false',
      oninput: (e) => { fresh.key = e.target.value; } });
    const labelInput = el('input', { class: 'of-input', value: fresh.label, maxlength: 60, oninput: (e) => { fresh.label = e.target.value; } });
    fill(publishBox, el('h2', { class: 'of-heading' }, 'Publish'),
      el('p', {}, fresh.on
        ? 'Publishing makes this map version 1 of a new kind of work; its services and orders follow it. The map you started from is not changed.'
        : `Publishing makes this map version ${state.base + 1} of ${labelOfKind(kinds, kind)}. New orders follow it; orders already open keep the version they started on.`),
      el('fieldset', { class: 'of-process-new-kind' },
        el('legend', { class: 'of-label' }, 'New kind of work'),
        el('label', { class: 'of-check' }, asNew, 'Publish this map as a new kind of work (for example repairs or estimates)'),
        fresh.on ? el('div', { class: 'of-process-edit-row' },
          labelled('kind', 'Key', keyInput, 'Lower-case letters, digits and _, e.g. roof_repair.'),
          labelled('kind_label', 'Name', labelInput, 'As the office sees it, e.g. “Roof repair”.')) : null),
      labelled('note', 'Why are you changing the process? (required)', note, 'Kept with the version, e.g. “Quality check before completion, after the quarterly review”.'),
      expectationFields(state, labelled),
      el('div', { class: 'of-button-row' }, publish, el('a', { class: 'of-button of-button--secondary', href: withKind('#/process', kind) }, 'Cancel')));
    if (busy) publish.disabled = true;
  }

  function renderAll() {
    subtitle.textContent = `${labelOfKind(kinds, kind)}: editing version ${state.base}, “${map.name}”. Nothing changes until you publish.`;
    renderSummary();
    renderSteps();
    renderPublish();
  }

  async function onPublish() {
    if (busy) return;
    busy = true;
    renderPublish();
    const sentIds = state.steps.map((s) => s.id);
    try {
      const document = toDocument(state);
      const body = fresh.on ? { ...document, expected_version: fresh.base, kind_label: fresh.label.trim() || undefined } : document;
      const { data } = await api(withKind('/workflow', target() || kind), { method: 'PUT', body });
      say(fresh.on ? `The new kind of work is published as version ${data.version}.` : `Version ${data.version} is published.`);
      ctx.go(fresh.on ? withKind('#/process/versions', data.kind, { published: data.version })
        : withKind('#/process/versions', kind, { from: state.base, to: data.version, published: data.version }));
      return;
    } catch (error) {
      busy = false;
      if (error.status === 422 && error.code === 'validation_failed') {
        takeErrors(error.details, sentIds);
        renderAll();
        alarm(`The map was not published: ${state.summary.length} problem${state.summary.length === 1 ? '' : 's'} to fix.`);
        focusOn(summary.querySelector('.of-alert'), true);
      } else if (error.status === 409) {
        showConflict(error);
      } else {
        state.errors = new Map(); state.summary = [];
        renderAll();
        fill(summary, alertBox('error', 'The map was not published', error.message));
        alarm(`The map was not published. ${error.message}`);
        focusOn(summary.querySelector('.of-alert'), true);
      }
    }
  }

  function showConflict(error) {
    const latest = error.details && error.details.current_version;
    renderPublish();
    fill(summary, alertBox('warning', 'Conflict: someone else published the map meanwhile',
      `You started from version ${state.base}; version ${latest || 'a newer one'} has been published since. Your changes are not published and are still here.`,
      el('div', { class: 'of-button-row' },
        latest ? el('a', { class: 'of-button of-button--secondary', href: withKind('#/process/versions', target() || kind, { from: state.base, to: latest }), target: '_blank', rel: 'noopener' },
          `Compare version ${state.base} with ${latest} (opens a new tab)`) : null,
        latest ? button(`Keep my changes, to publish over version ${latest}`, () => {
          if (fresh.on) fresh.base = latest; else state.base = latest;
          state.errors = new Map(); state.summary = [];
          renderAll();
          say(`Your changes will be published over version ${latest}. Check them, then publish.`);
          focusOn(publishBox.querySelector('textarea'), true);
        }) : null,
        button('Discard my changes and start again from the newest version', () => ctx.refresh(), { kind: 'secondary' }))));
    alarm('Conflict: someone else published the map meanwhile. Your changes are not published.');
    focusOn(summary.querySelector('.of-alert'), true);
  }

  const addButton = button('Add a step at the end', () => addStep(state.steps.length), { kind: 'secondary' });
  fill(root,
    el('div', { class: 'of-screen-head' }, el('div', {}, heading, subtitle),
      el('div', { class: 'of-toolbar' }, el('a', { class: 'of-button of-button--secondary', href: withKind('#/process', kind) }, 'Back to the map'))),
    draftNotice(found, map), summary, mapFields,
    el('section', { class: 'of-section', 'aria-labelledby': 'of-pe-steps' },
      el('div', { class: 'of-process-edit-steps-head' },
        el('h2', { class: 'of-heading', id: 'of-pe-steps' }, 'Steps, in order'),
        el('div', { class: 'of-toolbar' },
          button('Open every step', () => setAllOpen(true), { kind: 'secondary', small: true }),
          button('Close every step', () => setAllOpen(false), { kind: 'secondary', small: true }))),
      stepsList, el('div', { class: 'of-button-row' }, addButton)),
    el('div', { class: 'of-section' }, publishBox));
  renderAll();
  // Closing or reloading the tab with unpublished changes asks first (navigating within the app
  // cannot be held back; the changes are then dropped, as Cancel does).
  root.addEventListener('input', () => { dirty = true; });
  root.addEventListener('change', () => { dirty = true; });
  const guard = (e) => { if (dirty && !busy) { e.preventDefault(); e.returnValue = ''; } };
  window.addEventListener('beforeunload', guard);
  return { title: 'Edit the process map', heading, leave: () => window.removeEventListener('beforeunload', guard) };
}

export { mountEditor, toDocument, fromMap };
