/* Settings: technicians (#/settings/technicians): the list with each one's skills, areas and
 * working days; #/settings/technicians/<id> edits a technician's skills, areas (postcode
 * prefixes) and working hours per weekday (PUT /technicians/{id}) and their time off (POST and
 * DELETE /technicians/{id}/time-off). Time off over booked jobs is refused by the API with 409
 * `time_off_clash`: the jobs are listed with the technicians free to take each, and "Add anyway"
 * saves it with `force`, leaving the jobs to reassign on the board. */

import { api } from '../api.js';
import { el, fill, append, alertBox, say, alarm, button, dialog, focusOn, uid } from '../dom.js';
import { dateTime, time, stepLabel, plural } from '../format.js';
import {
  textField, section, messageArea, busyButton, showError, clearErrors, saved, hoursEditor, localToIso,
  showFlash, DAYS, same,
} from './settings-common.js';

const WEEKDAY_SHORT = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };

/** "Mon–Fri 08:00–17:00; Sat 09:00–13:00": runs of weekdays with the same hours together. */
function workingDays(hours) {
  const text = (key) => ((hours && hours[key]) || []).map(([a, b]) => `${a}–${b}`).join(', ');
  const runs = [];
  DAYS.forEach(([key]) => {
    const last = runs[runs.length - 1];
    if (last && last.text === text(key)) last.to = key;
    else runs.push({ from: key, to: key, text: text(key) });
  });
  const worked = runs.filter((r) => r.text);
  if (!worked.length) return 'No working hours';
  return worked.map((r) => `${WEEKDAY_SHORT[r.from]}${r.to !== r.from ? `–${WEEKDAY_SHORT[r.to]}` : ''} ${r.text}`).join('; ');
}

const upcoming = (t) => (t.time_off || []).filter((x) => new Date(x.end) > new Date());

function list(root, technicians, tz) {
  const heading = el('h1', { class: 'of-title' }, 'Technicians');
  const message = messageArea();
  const rows = technicians.slice().sort((a, b) => a.name.localeCompare(b.name));
  const table = rows.length ? el('div', { class: 'of-table-wrap' }, el('table', { class: 'of-table of-settings-techs' },
    el('caption', { class: 'of-visually-hidden' }, 'Technicians'),
    el('thead', {}, el('tr', {}, ['Technician', 'Skills', 'Areas', 'Working hours', 'Time off', ''].map((h) =>
      el('th', { scope: 'col' }, h || el('span', { class: 'of-visually-hidden' }, 'Actions'))))),
    el('tbody', {}, rows.map((t) => {
      const away = upcoming(t);
      return el('tr', {},
        el('th', { scope: 'row' }, t.name, el('div', { class: 'of-hint' }, t.email)),
        el('td', {}, t.skills.length ? el('ul', { class: 'of-settings-chips' }, t.skills.map((s) => el('li', { class: 'of-chip' }, s))) : el('span', { class: 'of-muted' }, 'None')),
        el('td', {}, t.areas.length ? t.areas.join(', ') : el('span', { class: 'of-muted' }, 'Anywhere')),
        el('td', { class: 'of-settings-hours-cell' }, workingDays(t.working_hours)),
        el('td', {}, away.length ? away.slice(0, 2).map((x) => el('div', {}, `${dateTime(x.start, tz)} to ${dateTime(x.end, tz)}`)) : el('span', { class: 'of-muted' }, 'None planned'),
          away.length > 2 ? el('div', { class: 'of-hint' }, `and ${away.length - 2} more`) : null),
        el('td', {}, el('a', { class: 'of-button of-button--secondary of-button--small', href: `#/settings/technicians/${encodeURIComponent(t.id)}`, 'aria-label': `Edit ${t.name}` }, 'Edit')));
    })))) : el('p', { class: 'of-empty' }, 'No technicians yet: invite one in Staff accounts.');
  fill(root, heading, el('p', { class: 'of-subtitle' }, 'Who can be booked for what, where and when. Names, emails and roles are in Staff accounts.'), message, table);
  showFlash(message);
  return { title: 'Technicians', heading };
}

function profileForm(tech, skills, onSaved) {
  const message = messageArea();
  const skillId = uid('of-skills');
  const boxes = skills.map((s) => {
    const box = el('input', { type: 'checkbox', class: 'of-checkbox', value: s, id: uid('of-skill') });
    box.checked = tech.skills.includes(s);
    return el('div', { class: 'of-settings-check-row' }, box, el('label', { for: box.id }, s));
  });
  const skillError = el('p', { class: 'of-error-message', hidden: true, id: uid('of-skill-error') });
  const skillSet = el('fieldset', { class: 'of-field of-settings-skills', 'aria-describedby': `${skillId}-hint` },
    el('legend', { class: 'of-label' }, 'Skills'), el('p', { class: 'of-hint', id: `${skillId}-hint` }, 'A service is booked only with a technician who has its skill.'),
    el('div', { class: 'of-settings-skill-boxes' }, boxes), skillError);
  const other = textField({ label: 'Other skills', optional: true, name: 'other_skills', hint: 'New skills, separated by commas.', props: { spellcheck: 'false' } });
  const areas = textField({ label: 'Areas', name: 'areas', value: tech.areas.join(', '), hint: 'Postcode beginnings, separated by commas, e.g. BS, BA1. Empty: anywhere.', props: { spellcheck: 'false', autocapitalize: 'characters' } });
  const hours = hoursEditor('working_hours', tech.working_hours, `${tech.name}'s working hours`);
  const f = {
    skills: { element: skillSet, get control() { return skillSet.querySelector('input') || other.control; },
      setError(m) { skillError.textContent = m; skillError.hidden = false; }, clearError() { skillError.hidden = true; skillError.textContent = ''; } },
    areas, ...hours.fields,
  };
  async function save() {
    clearErrors(f, message);
    other.clearError();
    const chosen = [...skillSet.querySelectorAll('input:checked')].map((b) => b.value);
    const extra = other.control.value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
    const body = {
      skills: [...new Set([...chosen, ...extra])],
      areas: areas.control.value.split(',').map((a) => a.trim()).filter(Boolean),
      working_hours: hours.value(),
    };
    const local = hours.check();
    if (local.length) { showError({ message: 'Check the highlighted hours.', details: local }, f, message); return; }
    for (const key of Object.keys(body)) if (same(body[key], tech[key])) delete body[key];
    if (!Object.keys(body).length) { saved(message, 'Nothing to save: nothing was changed.'); return; }
    try {
      const answer = (await api(`/technicians/${encodeURIComponent(tech.id)}`, { method: 'PUT', body })).data;
      Object.assign(tech, answer);
    } catch (error) {
      showError(error, f, message);
      return;
    }
    areas.control.value = tech.areas.join(', ');
    saved(message, `${tech.name}'s skills, areas and hours saved.`);
    onSaved();
  }
  const saveButton = busyButton('Save skills, areas and hours', 'Saving…', save);
  const form = el('form', { class: 'of-settings-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); saveButton.click(); } },
    section('Skills and areas', el('div', { class: 'of-grid-2' }, skillSet, el('div', {}, other.element, areas.element))),
    section('Working hours', el('p', { class: 'of-hint' }, 'In the business\'s timezone. Jobs are booked only inside these hours.'), hours.element),
    el('div', { class: 'of-settings-actions' }, saveButton));
  return el('div', {}, message, form);
}

function clashList(orders, tz) {
  return el('ul', { class: 'of-settings-clashes' }, orders.map((o) => el('li', {},
    el('a', { href: `#/orders/${encodeURIComponent(o.order_id)}` }, o.order_id), ': ',
    `${o.service_name || 'Job'}${o.customer ? ` for ${o.customer}` : ''}, ${dateTime(o.start, tz)}–${time(o.end, tz)} (${stepLabel(o.step)}). `,
    o.free_technicians && o.free_technicians.length
      ? `Free to take it: ${o.free_technicians.map((t) => t.name).join(', ')}.`
      : 'Nobody else is free then.')));
}

function timeOffPart(tech, tz) {
  const wrap = el('div', {});
  const listPlace = el('div', {});
  const message = messageArea();
  const clashPlace = el('div', { class: 'of-settings-clash-place' });
  const from = textField({ label: 'From', name: 'start', props: { type: 'datetime-local' } });
  const to = textField({ label: 'To', name: 'end', props: { type: 'datetime-local' } });
  const reason = textField({ label: 'Reason', name: 'reason', optional: true, hint: 'e.g. Holiday, Dentist, Training.', props: { maxlength: 200 } });
  const f = { start: from, end: to, reason };

  const renderList = () => {
    const entries = (tech.time_off || []).slice().sort((a, b) => a.start.localeCompare(b.start));
    fill(listPlace, entries.length ? el('div', { class: 'of-table-wrap' }, el('table', { class: 'of-table' },
      el('caption', { class: 'of-visually-hidden' }, `${tech.name}'s time off`),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'From'), el('th', { scope: 'col' }, 'To'), el('th', { scope: 'col' }, 'Reason'),
        el('th', { scope: 'col' }, el('span', { class: 'of-visually-hidden' }, 'Actions')))),
      el('tbody', {}, entries.map((x) => el('tr', { class: new Date(x.end) < new Date() ? 'of-settings-past' : null },
        el('td', {}, dateTime(x.start, tz)), el('td', {}, dateTime(x.end, tz)), el('td', {}, x.reason || '–'),
        el('td', {}, button('Remove', () => removeEntry(x), { kind: 'secondary', small: true, attrs: { 'aria-label': `Remove time off from ${dateTime(x.start, tz)}` } })))))))
      : el('p', { class: 'of-empty' }, 'No time off.'));
  };

  function removeEntry(entry) {
    const d = dialog({
      title: 'Remove this time off?',
      body: [el('p', { class: 'of-settings-dialog-text' }, `${tech.name}, ${dateTime(entry.start, tz)} to ${dateTime(entry.end, tz)}${entry.reason ? ` (${entry.reason})` : ''}. They can be booked in that time again.`)],
      actions: [
        busyButton('Remove time off', 'Removing…', async () => {
          try {
            Object.assign(tech, (await api(`/technicians/${encodeURIComponent(tech.id)}/time-off/${encodeURIComponent(entry.id)}`, { method: 'DELETE' })).data);
          } catch (error) {
            d.close();
            fill(message, alertBox('error', 'The time off was not removed', error.message)); message.hidden = false;
            alarm(`The time off was not removed. ${error.message}`);
            return;
          }
          d.close();
          renderList();
          saved(message, 'Time off removed.');
          focusOn(from.control);
        }, { kind: 'danger' }),
        button('Keep it', () => d.close(), { kind: 'secondary' }),
      ],
    });
  }

  async function add(force) {
    clearErrors(f, message);
    fill(clashPlace);
    const body = { start: localToIso(from.control.value, tz), end: localToIso(to.control.value, tz), force: !!force };
    if (reason.control.value.trim()) body.reason = reason.control.value.trim();
    const local = [];
    if (!body.start) local.push({ field: 'start', message: 'give the date and time it starts' });
    if (!body.end) local.push({ field: 'end', message: 'give the date and time it ends' });
    if (local.length) { showError({ message: 'Check the highlighted fields.', details: local }, f, message); return; }
    let answer;
    try {
      answer = (await api(`/technicians/${encodeURIComponent(tech.id)}/time-off`, { method: 'POST', body })).data;
    } catch (error) {
      if (error.status === 409 && error.code === 'time_off_clash') { showClash(error); return; }
      showError(error, f, message);
      return;
    }
    Object.assign(tech, answer);
    renderList();
    from.control.value = ''; to.control.value = ''; reason.control.value = '';
    const clashes = answer.clashes || [];
    if (clashes.length) {
      fill(message, alertBox('warning', `Time off added. ${plural(clashes.length, 'job needs', 'jobs need')} another technician`,
        'Reassign them on the board; the daily review lists them until then.', clashList(clashes, tz)));
      message.hidden = false;
      say(`Time off added. ${plural(clashes.length, 'job needs', 'jobs need')} another technician.`);
      focusOn(message.firstChild);
    } else {
      saved(message, 'Time off added.');
    }
  }

  function showClash(error) {
    const orders = (error.details && error.details.orders) || [];
    const box = alertBox('warning', `${tech.name} has ${plural(orders.length, 'booked job')} in that time`,
      'Reassign them first, or add the time off anyway and reassign them after.', clashList(orders, tz),
      el('div', { class: 'of-button-row' },
        busyButton('Add anyway', 'Adding…', () => add(true), { kind: 'danger' }),
        button('Cancel', () => { fill(clashPlace); say('Time off not added.'); focusOn(from.control); }, { kind: 'secondary' })));
    fill(clashPlace, box);
    alarm(`Not added: ${tech.name} has ${plural(orders.length, 'booked job')} in that time. ${orders.map((o) => `${o.order_id}, ${o.customer || ''}`).join('; ')}. Add anyway, or cancel.`);
    focusOn(box);
  }

  const addButton = busyButton('Add time off', 'Adding…', () => add(false));
  const form = el('form', { class: 'of-settings-form of-settings-timeoff-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); addButton.click(); } },
    el('div', { class: 'of-settings-timeoff-fields' }, from.element, to.element, reason.element),
    el('div', { class: 'of-settings-actions' }, addButton));
  renderList();
  append(wrap, [message, listPlace, el('h3', { class: 'of-settings-subhead' }, 'Add time off'),
    el('p', { class: 'of-hint' }, `Dates and times in ${tz.replace(/_/g, ' ')} time. Time off over booked jobs lists those jobs first, with who is free to take each.`), form, clashPlace]);
  return wrap;
}

function editor(root, tech, skills, tz) {
  const heading = el('h1', { class: 'of-title' }, tech.name);
  const summary = el('p', { class: 'of-subtitle' });
  const renderSummary = () => fill(summary, `Technician · ${tech.email}${tech.phone ? ` · ${tech.phone}` : ''}`);
  renderSummary();
  fill(root, el('p', { class: 'of-settings-back' }, el('a', { href: '#/settings/technicians' }, 'All technicians')), heading, summary,
    profileForm(tech, skills, renderSummary),
    el('div', { class: 'of-settings-form' }, section('Time off', timeOffPart(tech, tz))));
  return { title: tech.name, heading };
}

async function mount(root, ctx) {
  const tz = (ctx.business && ctx.business.timezone) || 'UTC';
  const [techs, services] = await Promise.all([api('/technicians'), api('/services')]);
  const technicians = techs.data.technicians;
  const id = ctx.parts[1];
  if (!id) return list(root, technicians, tz);
  const tech = technicians.find((t) => t.id === id);
  if (!tech) {
    const heading = el('h1', { class: 'of-title' }, 'Technician not found');
    fill(root, heading, alertBox('warning', `There is no active technician "${id}"`, null, el('p', {}, el('a', { href: '#/settings/technicians' }, 'All technicians'))));
    return { title: 'Technician not found', heading };
  }
  const skills = new Set();
  services.data.services.forEach((s) => s.skill && skills.add(s.skill));
  technicians.forEach((t) => t.skills.forEach((s) => skills.add(s)));
  return editor(root, tech, [...skills].sort(), tz);
}

export { mount };
