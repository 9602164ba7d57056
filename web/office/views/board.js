/* The dispatch board, the office's home screen: `#/` and `#/board` (today), `#/board/{date}` (a
 * day), `#/board/{date}/week` (the seven days from it). One lane per technician with their
 * working hours and time off, the appointments placed by time (customer, service, step in colour
 * and words), and the tray of orders waiting for a time or a technician (GET /board).
 * "Kind of work" (GET /workflow/kinds) shows one kind's orders only (GET /board?kind=), kept in
 * the hash query (`#/board/{date}?kind=estimate`) so that it survives paging and a reload.
 *
 * Drag a card onto a lane at a time, or open it (every card is a button) for the form: both call
 * POST /orders/{id}/assign with the version the board showed (board-move.js). The board asks
 * again every 30 seconds and when the window gets the focus, so changes made elsewhere show
 * within a minute; it stops when the screen is left. No calendar library: the resource views
 * of FullCalendar are commercially licensed, and the board needs only lanes and positions. */

import { api } from '../api.js';
import { el, fill, button, field, alertBox, say, alarm } from '../dom.js';
import { dateLong, dateTime, todayKey, addDays, validDay } from '../format.js';
import { dayRange } from './board-time.js';
import { dayView, weekView, tray } from './board-draw.js';
import { mover } from './board-move.js';

const POLL_MS = 30000;
let active = null; // the board on screen, for update()

function routeOf(ctx, tz) {
  const [first, second] = ctx.parts;
  const date = validDay(first) ? first : todayKey(tz);
  return { date, week: second === 'week' || ctx.query.get('view') === 'week', kind: (ctx.query.get('kind') || '').trim() };
}

// The kind of work shown (GET /workflow/kinds) rides in the hash query: `#/board/{date}?kind=estimate`.
const hashOf = (date, week, kind) => `#/board/${date}${week ? '/week' : ''}${kind ? `?kind=${encodeURIComponent(kind)}` : ''}`;

function mount(root, ctx) {
  const tz = (ctx.business && ctx.business.timezone) || undefined;
  const heading = el('h1', { class: 'of-title' }, 'Dispatch board');
  const subtitle = el('p', { class: 'of-subtitle' });
  const updated = el('p', { class: 'of-board-updated of-muted' });
  const message = el('div', { class: 'of-board-message' });
  const body = el('div', { class: 'of-board-body', 'aria-busy': 'true' }, el('p', { class: 'of-loading' }, 'Loading the board…'));
  const picker = field({ label: 'Date', name: 'date', control: el('input', { type: 'date' }) });
  const dayButton = button('Day', () => ctx.go(hashOf(state.route.date, false, state.route.kind)), { kind: 'secondary', small: true, attrs: { 'aria-pressed': 'true' } });
  const weekButton = button('Week', () => ctx.go(hashOf(state.route.date, true, state.route.kind)), { kind: 'secondary', small: true, attrs: { 'aria-pressed': 'false' } });
  const previous = button('Previous', () => ctx.go(hashOf(addDays(state.route.date, state.route.week ? -7 : -1), state.route.week, state.route.kind)), { kind: 'secondary', small: true });
  const next = button('Next', () => ctx.go(hashOf(addDays(state.route.date, state.route.week ? 7 : 1), state.route.week, state.route.kind)), { kind: 'secondary', small: true });
  const today = button('Today', () => ctx.go(hashOf(todayKey(tz), state.route.week, state.route.kind)), { kind: 'secondary', small: true });
  picker.control.addEventListener('change', () => {
    if (validDay(picker.control.value)) ctx.go(hashOf(picker.control.value, state.route.week, state.route.kind));
  });
  const kindPicker = field({ label: 'Kind of work', name: 'kind', className: 'of-board-kind',
    control: el('select', {}, el('option', { value: '' }, 'All')) });
  kindPicker.control.addEventListener('change', () => ctx.go(hashOf(state.route.date, state.route.week, kindPicker.control.value)));
  const kindsLoaded = api('/workflow/kinds').then((r) => {
    const list = Array.isArray(r.data) ? r.data : (r.data && r.data.kinds) || [];
    list.forEach((k) => kindPicker.control.append(el('option', { value: k.key || k }, k.label || k.key || k)));
  }, () => { /* the board still works; only "All" is offered */ }).then(() => { kindPicker.control.value = state.route.kind; });

  const state = {
    route: routeOf(ctx, tz),
    data: null,
    range: null,
    busy: 0,
    loads: 0,
    timer: null,
    drawnOnce: false,
  };

  const board = () => state.data;
  const handlers = {};
  const moves = mover({
    board,
    range: () => state.range,
    busy: (on) => { state.busy = Math.max(0, state.busy + (on ? 1 : -1)); },
    message: (kind, title, text) => fill(message, alertBox(kind, title, text)),
    reload: () => load({ quiet: true }),
    render: () => render(),
  });
  Object.assign(handlers, { open: moves.open, draggable: moves.draggable, dropTarget: moves.dropTarget });

  function toolbar() {
    const { date, week } = state.route;
    picker.control.value = date;
    kindsLoaded.then(() => {
      if (state.route.kind && ![...kindPicker.control.options].some((o) => o.value === state.route.kind)) {
        kindPicker.control.append(el('option', { value: state.route.kind }, state.route.kind)); // linked with a kind not listed
      }
      kindPicker.control.value = state.route.kind;
    });
    dayButton.setAttribute('aria-pressed', String(!week));
    weekButton.setAttribute('aria-pressed', String(week));
    previous.textContent = week ? '← Previous week' : '← Previous day';
    next.textContent = week ? 'Next week →' : 'Next day →';
    subtitle.textContent = week ? `The week from ${dateLong(date)}` : dateLong(date);
  }

  function render() {
    const data = state.data;
    if (!data) return;
    const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest('[data-order-id]');
    const focusId = focused && root.contains(focused) ? focused.getAttribute('data-order-id') : null;
    state.range = dayRange(data);
    handlers.today = todayKey(tz);
    const lanes = data.technicians.length
      ? (data.days === 7 ? weekView : dayView)(data, state.range, handlers)
      : el('p', { class: 'of-empty' }, 'No active technicians. Add them in Settings.');
    const count = data.appointments.length;
    fill(body, el('div', { class: 'of-board-layout' },
      el('section', { class: 'of-board-lanes', 'aria-label': `${state.route.week ? 'Week' : 'Day'}: ${count} appointment${count === 1 ? '' : 's'}` }, lanes),
      tray(data, handlers)));
    body.setAttribute('aria-busy', 'false');
    updated.textContent = `Updated ${dateTime(data.as_of, tz)}${data.review ? ` · flags from the daily review of ${dateLong(data.review.date)}` : ''}`;
    if (focusId) {
      const again = root.querySelector(`[data-order-id="${CSS.escape(focusId)}"]`);
      if (again) again.focus({ preventScroll: true });
    }
    if (!state.drawnOnce) {
      state.drawnOnce = true;
      try { performance.mark('board-drawn'); } catch (e) { /* old browsers: no marks */ }
      root.setAttribute('data-board-drawn', 'true');
    }
  }

  async function load(options = {}) {
    const mine = ++state.loads;
    const { date, week, kind } = state.route;
    try {
      const answer = await api('/board', { query: { date, days: week ? 7 : 1, kind: kind || undefined } });
      if (mine !== state.loads) return;
      state.data = answer.data;
      render();
      if (!options.quiet) say(`${week ? 'Week' : 'Day'} board: ${answer.data.appointments.length} appointments, ${answer.data.tray.length} waiting.`);
    } catch (error) {
      if (mine !== state.loads) return;
      if (!state.data) {
        fill(body, alertBox('error', 'The board could not be loaded', error.message, button('Try again', () => load())));
        body.setAttribute('aria-busy', 'false');
      } else if (!options.poll) {
        fill(message, alertBox('error', 'The board could not be brought up to date', error.message));
        alarm(`The board could not be brought up to date: ${error.message}`);
      }
    }
  }

  function poll() {
    if (state.busy || document.hidden || document.querySelector('dialog[open]')) return;
    load({ quiet: true, poll: true });
  }
  const onFocus = () => poll();
  state.timer = setInterval(poll, POLL_MS);
  window.addEventListener('focus', onFocus);

  fill(root, el('div', { class: 'of-board' },
    el('div', { class: 'of-screen-head' },
      el('div', {}, heading, subtitle),
      el('div', { class: 'of-toolbar of-board-toolbar', role: 'group', 'aria-label': 'Which days' },
        previous, today, next, picker.element, kindPicker.element,
        el('div', { class: 'of-board-views', role: 'group', 'aria-label': 'View' }, dayButton, weekButton),
        button('Refresh', () => load(), { kind: 'secondary', small: true }))),
    updated, message, body));
  toolbar();
  load({ quiet: true });

  const view = {
    title: 'Board',
    heading,
    show(nextCtx) {
      state.route = routeOf(nextCtx, tz);
      state.data = null;
      fill(message);
      toolbar();
      fill(body, el('p', { class: 'of-loading' }, 'Loading the board…'));
      body.setAttribute('aria-busy', 'true');
      load();
    },
    leave() {
      clearInterval(state.timer);
      window.removeEventListener('focus', onFocus);
      state.loads += 1; // an answer still on its way is dropped
      if (active === view) active = null;
    },
  };
  active = view;
  return view;
}

/** Another date or view of the board: the same screen, drawn again (polling carries on). */
function update(ctx, view) {
  const target = view || active;
  if (!target || typeof target.show !== 'function') return false;
  target.show(ctx);
  return true;
}

export { mount, update };
