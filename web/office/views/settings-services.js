/* Settings: services, what customers book (#/settings/services): the list with each one's
 * duration, price and skill; #/settings/services/<id> edits one and #/settings/services/new adds
 * one (PUT /services/{id}). A service no longer offered stays in the list, marked, so its
 * orders keep their name; tick "Offered" to offer it again. Each service is of a kind of work
 * (GET /workflow/kinds): its orders follow that kind's process map. */

import { api } from '../api.js';
import { el, fill, alertBox, say } from '../dom.js';
import { money, duration } from '../format.js';
import {
  textField, checkField, selectField, section, messageArea, busyButton, showError, clearErrors, parseCents, centsText, parseWhole,
  setFlash, showFlash, slug, ID_PATTERN,
} from './settings-common.js';

async function skillsKnown() {
  const [services, technicians, kinds] = await Promise.all([api('/services'), api('/technicians'),
    api('/workflow/kinds').then((r) => r.data.kinds, () => [{ key: 'installation', label: 'Installation' }])]);
  const skills = new Set();
  services.data.services.forEach((s) => s.skill && skills.add(s.skill));
  technicians.data.technicians.forEach((t) => (t.skills || []).forEach((k) => skills.add(k)));
  return { services: services.data.services, skills: [...skills].sort(), kinds };
}

const kindLabel = (kinds, key) => ((kinds || []).find((k) => k.key === (key || 'installation')) || { label: key || 'Installation' }).label;

function list(root, ctx, services, kinds) {
  const heading = el('h1', { class: 'of-title' }, 'Services');
  const message = messageArea();
  const rows = services.slice().sort((a, b) => (a.active === false) - (b.active === false) || a.name.localeCompare(b.name));
  const table = rows.length ? el('div', { class: 'of-table-wrap' }, el('table', { class: 'of-table' },
    el('caption', { class: 'of-visually-hidden' }, 'Services customers can book'),
    el('thead', {}, el('tr', {}, ['Service', 'Kind of work', 'Duration', 'Price from', 'Skill needed', 'Status', ''].map((h, i) =>
      el('th', { scope: 'col', class: i === 3 ? 'of-num' : null }, h || el('span', { class: 'of-visually-hidden' }, 'Actions'))))),
    el('tbody', {}, rows.map((s) => el('tr', {},
      el('th', { scope: 'row' }, s.name, s.description ? el('div', { class: 'of-hint' }, s.description) : null),
      el('td', {}, kindLabel(kinds, s.kind)),
      el('td', {}, duration(s.duration_minutes * 60), s.buffer_after_minutes ? el('div', { class: 'of-hint' }, `+ ${s.buffer_after_minutes} min after`) : null),
      el('td', { class: 'of-num' }, money(s.price_from_cents, ctx.business && ctx.business.currency)),
      el('td', {}, s.skill),
      el('td', {}, s.active === false ? el('span', { class: 'of-chip of-settings-chip--off' }, 'Not offered') : el('span', { class: 'of-chip of-settings-chip--on' }, 'Offered')),
      el('td', {}, el('a', { class: 'of-button of-button--secondary of-button--small', href: `#/settings/services/${encodeURIComponent(s.id)}`, 'aria-label': `Edit ${s.name}` }, 'Edit'))))))) : el('p', { class: 'of-empty' }, 'No services yet.');
  fill(root, el('div', { class: 'of-screen-head' }, heading,
    el('a', { class: 'of-button', href: '#/settings/services/new' }, 'Add a service')),
  el('p', { class: 'of-subtitle' }, 'What customers book online and the office books by phone.'), message, table);
  showFlash(message);
  return { title: 'Services', heading };
}

function editor(root, ctx, service, known) {
  const isNew = !service;
  const s = service || { name: '', description: '', duration_minutes: 60, buffer_after_minutes: 0, skill: '', price_from_cents: 0, active: true };
  const heading = el('h1', { class: 'of-title' }, isNew ? 'New service' : `Edit service: ${s.name}`);
  const message = messageArea();
  const currency = (ctx.business && ctx.business.currency) || 'GBP';
  const skillList = el('datalist', { id: 'of-settings-skills' }, known.skills.map((k) => el('option', { value: k })));
  const f = {
    name: textField({ label: 'Name', name: 'name', value: s.name, hint: 'As customers see it when they book.', props: { maxlength: 120 } }),
    service_id: textField({ label: 'Short id', name: 'service_id', value: '', hint: 'Lowercase letters, digits and dashes; used in links and reports. It can\'t be changed later.', props: { maxlength: 64, spellcheck: 'false' } }),
    description: textField({ label: 'Description', name: 'description', optional: true, control: el('textarea', { class: 'of-textarea', rows: 3, maxlength: 500 }) }),
    duration_minutes: textField({ label: 'Duration (minutes)', name: 'duration_minutes', value: String(s.duration_minutes), hint: 'How long the job takes on site (15 to 600).', props: { inputmode: 'numeric', size: 6 } }),
    buffer_after_minutes: textField({ label: 'Kept free after (minutes)', name: 'buffer_after_minutes', value: String(s.buffer_after_minutes || 0), hint: 'Clearing up before the next job (0 to 240).', props: { inputmode: 'numeric', size: 6 } }),
    skill: textField({ label: 'Skill needed', name: 'skill', value: s.skill, hint: `Only technicians with this skill are booked for it${known.skills.length ? `: ${known.skills.join(', ')}` : ''}.`, props: { list: 'of-settings-skills', maxlength: 40, spellcheck: 'false' } }),
    price_from_cents: textField({ label: `Price from (${currency})`, name: 'price_from_cents', value: centsText(s.price_from_cents), hint: 'The price customers see before a quote, e.g. 45.00.', props: { inputmode: 'decimal', size: 10 } }),
    kind: selectField({ label: 'Kind of work', name: 'kind', value: s.kind || 'installation',
      options: known.kinds.map((k) => [k.key, k.label]), hint: 'Its orders follow this kind’s process map (Process map screen).' }),
    active: checkField({ label: 'Offered to customers', name: 'active', checked: s.active !== false, hint: 'Not ticked: it can no longer be booked; orders already booked keep it.' }),
  };
  f.description.control.value = s.description || '';
  if (!isNew) f.service_id.element.hidden = true;
  let idEdited = false;
  f.service_id.control.addEventListener('input', () => { idEdited = true; });
  f.name.control.addEventListener('input', () => { if (isNew && !idEdited) f.service_id.control.value = slug(f.name.control.value); });

  async function save() {
    clearErrors(f, message);
    const id = isNew ? f.service_id.control.value.trim() : service.id;
    const body = {
      name: f.name.control.value.trim(),
      description: f.description.control.value.trim(),
      duration_minutes: parseWhole(f.duration_minutes.control.value),
      buffer_after_minutes: parseWhole(f.buffer_after_minutes.control.value),
      skill: f.skill.control.value.trim(),
      price_from_cents: parseCents(f.price_from_cents.control.value),
      active: f.active.control.checked,
      kind: f.kind.control.value,
    };
    const local = [];
    if (isNew && !ID_PATTERN.test(id)) local.push({ field: 'service_id', message: 'must be lowercase letters, digits and dashes, starting with a letter or digit' });
    if (isNew && known.services.some((x) => x.id === id)) local.push({ field: 'service_id', message: 'is taken by another service; choose another' });
    if (body.duration_minutes === null) local.push({ field: 'duration_minutes', message: 'must be a whole number of minutes' });
    if (body.buffer_after_minutes === null) local.push({ field: 'buffer_after_minutes', message: 'must be a whole number of minutes' });
    if (body.price_from_cents === null) local.push({ field: 'price_from_cents', message: 'must be an amount such as 45 or 45.50' });
    if (local.length) { showError({ message: 'Check the highlighted fields.', details: local }, f, message); return; }
    try {
      await api(`/services/${encodeURIComponent(id)}`, { method: 'PUT', body });
    } catch (error) {
      showError(error, f, message);
      return;
    }
    setFlash(`${body.name} saved${body.active ? '' : ' (not offered to customers)'}.`);
    ctx.go('#/settings/services');
  }

  const saveButton = busyButton(isNew ? 'Add service' : 'Save service', 'Saving…', save);
  const form = el('form', { class: 'of-settings-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); saveButton.click(); } },
    skillList,
    section('The service', el('div', { class: 'of-grid-2' }, f.name.element, f.service_id.element, f.kind.element, f.skill.element, f.price_from_cents.element,
      f.duration_minutes.element, f.buffer_after_minutes.element), f.description.element, f.active.element),
    el('div', { class: 'of-settings-actions' }, saveButton, el('a', { class: 'of-button of-button--secondary', href: '#/settings/services' }, 'Cancel')));
  fill(root, el('p', { class: 'of-settings-back' }, el('a', { href: '#/settings/services' }, 'All services')), heading, message, form);
  return { title: isNew ? 'New service' : s.name, heading };
}

async function mount(root, ctx) {
  const known = await skillsKnown();
  const id = ctx.parts[1];
  if (!id) return list(root, ctx, known.services, known.kinds);
  if (id === 'new') return editor(root, ctx, null, known);
  const service = known.services.find((s) => s.id === id);
  if (!service) {
    const heading = el('h1', { class: 'of-title' }, 'Service not found');
    fill(root, heading, alertBox('warning', `There is no service "${id}"`, null, el('p', {}, el('a', { href: '#/settings/services' }, 'All services'))));
    say(`There is no service ${id}.`);
    return { title: 'Service not found', heading };
  }
  return editor(root, ctx, service, known);
}

export { mount };
