/* What the settings sections share: money and percentages as exact integers (cents, basis
 * points) parsed from text with string arithmetic, never floats; the API's 422 field list put
 * at the fields with a summary; wall-clock times in the business's timezone to and from UTC;
 * a weekly-hours editor (opening hours, a technician's working hours); small form builders. */

import { el, fill, field, showFieldErrors, alertBox, focusOn, say, alarm, uid, button } from '../dom.js';

// --- exact decimals -------------------------------------------------------------------------

/** "12.50" -> 1250, "12" -> 1200, "1,234.5" -> 123450 (scale 2); null when not a plain amount.
 * Digits are joined as text and read as one integer, so no binary fraction is ever rounded. */
function parseDecimal(text, places) {
  const clean = String(text === null || text === undefined ? '' : text).replace(/[\s,£$€]/g, '');
  const m = /^(\d{0,12})(?:\.(\d*))?$/.exec(clean);
  if (!m || (m[1] === '' && !m[2])) return null;
  const fraction = m[2] || '';
  if (fraction.length > places) return null;
  const digits = (m[1] || '0') + fraction.padEnd(places, '0');
  const value = Number(digits); // an integer string: exact below 2^53
  return Number.isSafeInteger(value) ? value : null;
}

/** 1250 -> "12.50", 7 -> "0.07" (scale 2), the inverse of parseDecimal, by string slicing. */
function formatDecimal(value, places) {
  if (value === null || value === undefined || value === '') return '';
  const negative = Number(value) < 0;
  const digits = String(Math.abs(Math.trunc(Number(value)))).padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places);
  const fraction = digits.slice(digits.length - places);
  return `${negative ? '-' : ''}${whole}${places ? `.${fraction}` : ''}`;
}

const parseCents = (text) => parseDecimal(text, 2);
const centsText = (cents) => formatDecimal(cents, 2);
/** "20" or "17.5" (%) -> basis points 2000, 1750. */
const parseBasisPoints = (text) => parseDecimal(text, 2);
const percentText = (bp) => formatDecimal(bp, 2).replace(/\.?0+$/, '') || '0';

/** A whole number from a form field, or null. */
function parseWhole(text) {
  const t = String(text || '').trim();
  return /^\d{1,9}$/.test(t) ? Number(t) : null;
}

// --- errors -------------------------------------------------------------------------------

/** The API's field problems, [{field, message}], whichever shape the details have. */
function problemsOf(error) {
  if (!error || !error.details) return [];
  if (Array.isArray(error.details)) return error.details;
  if (Array.isArray(error.details.fields)) return error.details.fields;
  return [];
}

/** Shows an API error: field problems at their fields, and a summary (with the problems no field
 * took) in `summary`, announced. Returns the unmatched problems. */
function showError(error, fieldsByName, summary, title) {
  const problems = problemsOf(error);
  const unmatched = showFieldErrors({ details: { fields: problems } }, fieldsByName);
  const count = problems.length;
  const heading = title || (count ? `${count === 1 ? 'One field needs' : `${count} fields need`} attention` : 'Not saved');
  const list = count
    ? el('ul', { class: 'of-settings-problems' }, problems.map((p) => el('li', {}, fieldsByName[p.field]
      ? el('a', { href: '#', onclick: (e) => { e.preventDefault(); focusOn(fieldsByName[p.field].control); } },
        `${labelOf(fieldsByName[p.field])}: ${p.message}`)
      : `${p.field}: ${p.message}`)))
    : null;
  fill(summary, alertBox('error', heading, error.message, list));
  summary.hidden = false;
  alarm(`Not saved. ${error.message}${count ? ` ${problems.map((p) => `${labelOf(fieldsByName[p.field]) || p.field}: ${p.message}`).join('. ')}` : ''}`);
  if (!unmatched.length && count) return unmatched; // the focus is at the first field
  focusOn(summary.firstChild);
  return unmatched;
}

function labelOf(f) {
  if (!f) return '';
  const label = f.element.querySelector('.of-label, legend');
  return label ? label.firstChild.textContent.trim() : '';
}

function clearErrors(fieldsByName, summary) {
  Object.values(fieldsByName).forEach((f) => f.clearError());
  if (summary) { fill(summary); summary.hidden = true; }
}

/** A success line in `place` and in the polite live region. */
function saved(place, text) {
  fill(place, alertBox('success', text, null));
  place.hidden = false;
  say(text);
}

// --- timezones ----------------------------------------------------------------------------

function zoneParts(date, tz) {
  const parts = {};
  new Intl.DateTimeFormat('en-GB', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(date).forEach((p) => { parts[p.type] = p.value; });
  return parts;
}

function offsetMs(date, tz) {
  const p = zoneParts(date, tz);
  const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  return asUtc - Math.floor(date.getTime() / 1000) * 1000;
}

/** "2026-12-02T09:00" on the business's wall clock -> "2026-12-02T09:00:00.000Z". */
function localToIso(local, tz) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local || '');
  if (!m) return null;
  const guess = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  // The offsets a day either side; a wall-clock time read with each is right when the zone has
  // that offset at that instant. Twice (the hour repeated in autumn): the first, as Python's
  // zoneinfo reads it (fold=0); never (the hour skipped in spring): read with the offset before.
  const before = offsetMs(new Date(guess - 86400000), tz);
  const after = offsetMs(new Date(guess + 86400000), tz);
  const fits = [guess - before, guess - after].filter((ts) => offsetMs(new Date(ts), tz) === guess - ts).sort((a, b) => a - b);
  return new Date(fits.length ? fits[0] : guess - before).toISOString();
}

/** An instant -> "2026-12-02T09:00" on the business's wall clock (for datetime-local inputs). */
function isoToLocal(iso, tz) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = zoneParts(d, tz);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

// --- form builders ------------------------------------------------------------------------

function input(props) { return el('input', { class: 'of-input', type: 'text', ...props }); }

/** A text field: {label, name, value, hint, optional, props} -> the dom.js field. */
function textField(options) {
  return field({ label: options.label, hint: options.hint, optional: options.optional, name: options.name,
    className: options.className, control: options.control || input({ value: options.value ?? '', ...(options.props || {}) }) });
}

/** A checkbox with its label beside it, in the shape of a dom.js field. */
function checkField(options) {
  const id = uid('of-check');
  const control = el('input', { type: 'checkbox', id, class: 'of-checkbox', name: options.name });
  control.checked = !!options.checked;
  const hint = options.hint ? el('p', { class: 'of-hint', id: `${id}-hint` }, options.hint) : null;
  if (hint) control.setAttribute('aria-describedby', hint.id);
  const error = el('p', { class: 'of-error-message', id: `${id}-error`, hidden: true });
  const element = el('div', { class: 'of-field of-settings-check' },
    el('div', { class: 'of-settings-check-row' }, control, el('label', { class: 'of-label', for: id }, options.label)), hint, error);
  return {
    element, control,
    setError(message) { error.textContent = message; error.hidden = false; control.setAttribute('aria-invalid', 'true'); control.setAttribute('aria-describedby', [hint && hint.id, error.id].filter(Boolean).join(' ')); },
    clearError() { error.hidden = true; error.textContent = ''; control.removeAttribute('aria-invalid'); if (hint) control.setAttribute('aria-describedby', hint.id); else control.removeAttribute('aria-describedby'); },
  };
}

/** A select: {label, name, value, options: [[value, text]...], hint}. */
function selectField(options) {
  const control = el('select', { class: 'of-select', name: options.name },
    options.options.map(([value, text]) => el('option', { value }, text)));
  control.value = options.value ?? '';
  return field({ label: options.label, hint: options.hint, control, name: options.name, className: options.className });
}

/** A form section: an h2 and its fields. */
function section(title, ...children) {
  const id = uid('of-settings-h');
  return el('section', { class: 'of-settings-group', 'aria-labelledby': id }, el('h2', { class: 'of-settings-group-title', id }, title), children);
}

/** The message area above a form (errors and success), and the Save row. */
function messageArea() { return el('div', { class: 'of-settings-message', hidden: true }); }

/** A button that shows `busy` while the promise runs and can't be pressed twice. */
function busyButton(text, busyText, action, options) {
  const b = button(text, async () => {
    if (b.disabled) return;
    b.disabled = true;
    b.setAttribute('aria-disabled', 'true');
    b.textContent = busyText;
    try { await action(); } finally { b.disabled = false; b.removeAttribute('aria-disabled'); b.textContent = text; }
  }, options);
  return b;
}

// --- weekly hours -------------------------------------------------------------------------

const DAYS = [['mon', 'Monday'], ['tue', 'Tuesday'], ['wed', 'Wednesday'], ['thu', 'Thursday'], ['fri', 'Friday'],
  ['sat', 'Saturday'], ['sun', 'Sunday']];

/** An editor of {"mon": [["08:00", "17:00"], ...], ...}: per weekday a list of from-to windows,
 * each with labelled time inputs, "Add hours" and "Remove". Returns {element, value(), fields}
 * (fields: the per-day error targets, named `${name}.${day}` as the API names them, and `name`). */
function hoursEditor(name, hours, caption) {
  const fields = {};
  const rows = DAYS.map(([key, label]) => {
    const list = el('div', { class: 'of-settings-windows' });
    const closed = el('p', { class: 'of-settings-closed' }, 'Not working');
    const errorId = uid('of-hours-error');
    const error = el('p', { class: 'of-error-message', id: errorId, hidden: true });
    const addButton = button('Add hours', () => { addWindow().focus(); say(`${label}: hours added.`); },
      { kind: 'secondary', small: true, attrs: { 'aria-label': `Add hours on ${label}` } });
    const group = el('fieldset', { class: 'of-settings-day' }, el('legend', { class: 'of-settings-day-name' }, label),
      el('div', { class: 'of-settings-day-body' }, list, closed, addButton), error);
    const windows = () => [...list.querySelectorAll('.of-settings-window')];
    const renumber = () => {
      windows().forEach((row, i) => {
        const [s, e] = row.querySelectorAll('input');
        s.setAttribute('aria-label', `${label}, hours ${i + 1}, from`);
        e.setAttribute('aria-label', `${label}, hours ${i + 1}, to`);
        row.querySelector('button').setAttribute('aria-label', `Remove ${label} hours ${i + 1}`);
      });
      closed.hidden = windows().length > 0;
    };
    function addWindow(from, to) {
      const start = el('input', { type: 'time', class: 'of-input of-settings-time', value: from || '08:00' });
      const end = el('input', { type: 'time', class: 'of-input of-settings-time', value: to || '17:00' });
      const row = el('div', { class: 'of-settings-window' }, start, el('span', { 'aria-hidden': 'true' }, 'to'), end,
        button('Remove', () => { row.remove(); renumber(); say(`${label}: hours removed.`); addButton.focus(); },
          { kind: 'secondary', small: true }));
      list.appendChild(row);
      renumber();
      return start;
    }
    ((hours && hours[key]) || []).forEach(([from, to]) => addWindow(from, to));
    renumber();
    fields[`${name}.${key}`] = {
      element: group,
      get control() { return list.querySelector('input') || addButton; },
      setError(message) {
        error.textContent = message; error.hidden = false; group.classList.add('of-field--error');
        list.querySelectorAll('input').forEach((i) => { i.setAttribute('aria-invalid', 'true'); i.setAttribute('aria-describedby', errorId); });
      },
      clearError() {
        error.hidden = true; error.textContent = ''; group.classList.remove('of-field--error');
        list.querySelectorAll('input').forEach((i) => { i.removeAttribute('aria-invalid'); i.removeAttribute('aria-describedby'); });
      },
    };
    return { key, list };
  });
  const value = () => Object.fromEntries(rows.map(({ key, list }) =>
    [key, [...list.querySelectorAll('.of-settings-window')].map((row) => [...row.querySelectorAll('input')].map((i) => i.value))
      .sort((x, y) => x[0].localeCompare(y[0]))]));
  /** The problems a person can fix before sending, in plain words: [{field, message}]. */
  const check = () => {
    const problems = [];
    const hoursNow = value();
    DAYS.forEach(([key]) => {
      const windows = hoursNow[key];
      if (windows.some(([a, b]) => !a || !b)) problems.push({ field: `${name}.${key}`, message: `give both times of each hours, or remove them` });
      else if (windows.some(([a, b]) => a >= b)) problems.push({ field: `${name}.${key}`, message: `each "from" time must be before its "to" time` });
      else if (windows.slice().sort((x, y) => x[0].localeCompare(y[0])).some((w, i, all) => i > 0 && w[0] < all[i - 1][1])) {
        problems.push({ field: `${name}.${key}`, message: `the hours overlap; join them or change one` });
      }
    });
    return problems;
  };
  const element = el('div', { class: 'of-settings-hours', role: 'group', 'aria-label': caption },
    rows.map((r) => fields[`${name}.${r.key}`].element));
  fields[name] = {
    element,
    get control() { return element.querySelector('input') || element.querySelector('button'); },
    setError(message) { fields[`${name}.mon`].setError(message); },
    clearError() { fields[`${name}.mon`].clearError(); },
  };
  return { element, value, check, fields };
}

/** The "Settings are for admins" page for anyone else. */
function adminsOnly(root) {
  const heading = el('h1', { class: 'of-title' }, 'Settings are for admins');
  fill(root, el('div', { class: 'of-settings-denied' }, heading,
    el('p', {}, 'Business details, services, the price list, technicians and staff accounts are changed by an admin. Ask one of your admins if something needs changing.'),
    el('p', {}, el('a', { href: '#/board' }, 'Back to the board'))));
  return { title: 'Settings', heading };
}

/** Same list, same order? (to send only what changed) */
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

export {
  parseDecimal, formatDecimal, parseCents, centsText, parseBasisPoints, percentText, parseWhole,
  problemsOf, showError, clearErrors, saved, localToIso, isoToLocal,
  input, textField, checkField, selectField, section, messageArea, busyButton, hoursEditor, adminsOnly, same, DAYS,
};

// --- across a navigation ------------------------------------------------------------------

let flashText = null;
/** A success message for the next section view (after "Save" goes back to a list). */
function setFlash(text) { flashText = text; }
/** Shows and announces the flash message in `place`, once. */
function showFlash(place) {
  if (!flashText) return;
  saved(place, flashText);
  flashText = null;
}

/** "Window installation" -> "window-installation": an id the API takes (a-z, 0-9, dashes). */
function slug(text) {
  return String(text || '').toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64);
}
const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

export { setFlash, showFlash, slug, ID_PATTERN };

/** A 409 from a stale `expected_version`: what happened, and a button to load the settings again. */
function showStale(error, summary, reload) {
  fill(summary, alertBox('warning', 'Someone else changed these settings meanwhile',
    'Nothing was saved, so their change is kept. Load the settings again to see it, then make your change again.',
    el('div', { class: 'of-button-row' }, button('Load the settings again', reload))));
  summary.hidden = false;
  alarm('Not saved: someone else changed these settings meanwhile. Load them again, then make your change again.');
  focusOn(summary.firstChild);
}

const isStale = (error) => error && error.status === 409 && error.details && error.details.current_version !== undefined;

export { showStale, isStale };
