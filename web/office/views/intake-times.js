/* The phone call's free times (GET /availability): a row of days (seven at a time, with how many
 * times are free on each), the free times of the chosen day as radio buttons (arrow keys move
 * between them), each with the technician the assignment rule would give it, and, once a time
 * is chosen, the technician (the proposed one, or another free then). A newer load wins over a
 * slower older one. */

import { api } from '../api.js';
import { el, fill, field, button, alertBox, say, focusOn } from '../dom.js';
import { dateLong, dateShort, time, todayKey, addDays, plural } from '../format.js';

const DAYS = 7;

/** timesPicker({tz, onChange()}) -> {element, load(serviceId, postcode), reload(), clear(), slot(), technician()} */
function timesPicker(options) {
  const tz = options.tz;
  const element = el('div', { class: 'of-intake-times' });
  const changed = () => options.onChange && options.onChange();
  let answer = null; // the last GET /availability answer
  let query = null; // {serviceId, postcode}
  let from = todayKey(tz);
  let day = null;
  let slot = null;
  let techSelect = null;
  let request = 0;

  function clear(text) {
    request += 1;
    answer = null; slot = null; techSelect = null;
    fill(element, el('p', { class: 'of-empty' }, text || 'Choose the service to see the free times.'));
    changed();
  }

  function load(serviceId, postcode) {
    if (!query || query.serviceId !== serviceId || query.postcode !== postcode) { slot = null; techSelect = null; }
    query = { serviceId, postcode };
    return fetchTimes();
  }

  async function fetchTimes() {
    const mine = ++request;
    fill(element, el('p', { class: 'of-loading' }, 'Finding free times…'));
    changed();
    let data;
    try {
      data = (await api('/availability', { query: { service_id: query.serviceId, postcode: query.postcode, from, days: DAYS } })).data;
    } catch (error) {
      if (mine !== request) return;
      answer = null; slot = null;
      const away = error.code === 'area_not_served';
      fill(element, alertBox(away ? 'warning' : 'error', away ? 'Not in our area' : 'The free times could not be shown', error.message,
        away ? el('p', {}, 'You can still save the call as a request.') : null));
      say(error.message);
      changed();
      return;
    }
    if (mine !== request) return;
    answer = data;
    if (!day || !data.days.some((d) => d.date === day)) {
      const first = data.days.find((d) => d.times.length);
      day = first ? first.date : data.days[0].date;
    }
    if (slot && !data.days.some((d) => d.times.some((t) => t.start === slot.start))) slot = null;
    render();
    const total = data.days.reduce((n, d) => n + d.times.length, 0);
    say(`${plural(total, 'free time')} in the ${plural(data.days.length, 'day')} from ${dateLong(data.days[0].date)}.`);
    changed();
  }

  function move(days) {
    const today = todayKey(tz);
    const target = addDays(from, days);
    from = target < today ? today : target;
    day = null; slot = null;
    fetchTimes();
  }

  function render() {
    const today = todayKey(tz);
    const dayButtons = answer.days.map((d) => el('li', {}, el('button', {
      type: 'button', class: 'of-intake-day', 'aria-pressed': d.date === day ? 'true' : 'false',
      onclick: () => {
        day = d.date; slot = null; render(); changed();
        focusOn(element.querySelector('.of-intake-day[aria-pressed="true"]'));
      },
    }, el('span', { class: 'of-intake-day-name' }, dateShort(d.date)),
    el('span', { class: 'of-intake-day-count' }, d.times.length ? `${d.times.length} free` : 'none free'))));
    const earlier = button('Earlier days', () => move(-DAYS), { kind: 'secondary', small: true, attrs: { disabled: from <= today ? true : null } });
    const later = button('Later days', () => move(DAYS), { kind: 'secondary', small: true });
    const shown = answer.days.find((d) => d.date === day) || answer.days[0];
    const grid = shown.times.length
      ? el('div', { class: 'of-intake-slots' }, shown.times.map((t, i) => {
        const id = `of-intake-slot-${i}`;
        return el('div', { class: 'of-intake-slot' },
          el('input', { type: 'radio', name: 'of-intake-slot', id, value: t.start, checked: slot && slot.start === t.start ? true : null,
            onchange: () => { slot = t; renderTechnician(); changed(); } }),
          el('label', { for: id },
            el('span', { class: 'of-intake-slot-time' }, `${time(t.start, tz)}–${time(t.end, tz)}`),
            el('span', { class: 'of-intake-slot-tech' }, t.technician.name)));
      }))
      : el('p', { class: 'of-empty' }, `No free times on ${dateLong(shown.date)}. Choose another day.`);
    fill(element,
      el('div', { class: 'of-intake-days-bar' },
        el('ul', { class: 'of-intake-days', 'aria-label': 'Days' }, dayButtons),
        el('div', { class: 'of-intake-days-nav' }, earlier, later)),
      el('fieldset', { class: 'of-intake-slot-set' },
        el('legend', { class: 'of-label' }, `Free times on ${dateLong(shown.date)}`,
          el('span', { class: 'of-muted' }, ` · ${answer.service.name}, with the technician who would get each`)),
        grid),
      el('div', { class: 'of-intake-tech', 'data-tech': '' }));
    renderTechnician();
  }

  function renderTechnician() {
    const box = element.querySelector('[data-tech]');
    techSelect = null;
    if (!box || !slot) { if (box) fill(box); return; }
    const select = el('select', { name: 'technician_id' },
      el('option', { value: slot.technician.id }, `${slot.technician.name} (proposed)`),
      slot.also_free.map((p) => el('option', { value: p.id }, p.name)));
    select.addEventListener('change', changed);
    const hint = slot.also_free.length
      ? `Proposed by the assignment rule (fewest booked minutes that day). Also free: ${slot.also_free.map((p) => p.name).join(', ')}.`
      : 'The only technician free then.';
    fill(box, field({ label: 'Technician', control: select, name: 'technician_id', hint }).element);
    techSelect = select;
  }

  function technician() {
    if (!slot) return null;
    const id = techSelect ? techSelect.value : slot.technician.id;
    return [slot.technician, ...slot.also_free].find((p) => p.id === id) || slot.technician;
  }

  return {
    element,
    load,
    clear,
    reload: () => { slot = null; return query ? fetchTimes() : null; },
    slot: () => slot,
    technician,
    focus: () => focusOn(element.querySelector('input[name="of-intake-slot"], .of-intake-day') || element),
    stop: () => { request += 1; },
  };
}

export { timesPicker };
