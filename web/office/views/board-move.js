/* Moving work on the board: dragging a card (HTML5 drag and drop) onto a lane or a week cell at a
 * time (snapped to 15 minutes), or the same through a form (technician, date, start time) that
 * every card opens, for the keyboard. Either way the app calls the API as any client would:
 * POST /orders/{id}/assign with the version the board showed, and for a request the move to its
 * `confirm_step` (POST /orders/{id}/transitions). A refusal shows the API's reason (an alert and
 * the assertive live region) and the card stays where it was; a 409 on the version says who
 * changed the order meanwhile and reloads the board, never overwriting. */

import { api, me } from '../api.js';
import { el, fill, field, button, dialog, alertBox, alarm, say, showFieldErrors, capitalise, uid } from '../dom.js';
import { dateShort } from '../format.js';
import { SNAP, hhmm, instant, local, minuteAt, onDay } from './board-time.js';

function problems(error) {
  const d = error && error.details;
  if (Array.isArray(d)) return d;
  return d && Array.isArray(d.fields) ? d.fields : [];
}

const isStale = (error) => error.status === 409 && error.details && error.details.current_version !== undefined;

/** Why a technician is not free then, as the board can see it (added to the API's sentence). */
function whyBusy(board, technicianId, day, from, to, orderId) {
  const t = board.technicians.find((x) => x.id === technicianId);
  if (!t) return '';
  const hours = (t.days.find((d) => d.date === day) || { hours: [] }).hours.map((h) => onDay(day, h.start, h.end)).filter(Boolean);
  if (!hours.some((h) => h.from <= from && to <= h.to)) {
    return hours.length ? ` It is outside ${t.name}'s working hours (${hours.map((h) => `${hhmm(h.from)}–${hhmm(h.to)}`).join(', ')}).`
      : ` ${t.name} does not work that day.`;
  }
  if (t.time_off.some((o) => { const w = onDay(day, o.start, o.end); return w && w.from < to && from < w.to; })) {
    return ` ${t.name} has time off then.`;
  }
  const other = board.appointments.find((a) => a.technician_id === technicianId && a.order_id !== orderId
    && local(a.start).day === day && local(a.start).minutes < to + 30 && from < local(a.end).minutes + 30);
  return other ? ` ${t.name} has ${other.customer_name || 'another job'} at ${hhmm(local(other.start).minutes)} (with travel time between jobs).` : '';
}

/** The API's reason in plain words. */
function refusal(error, board, move) {
  const t = board.technicians.find((x) => x.id === move.technicianId);
  const fields = problems(error);
  const tech = fields.find((f) => f.field === 'technician_id');
  if (tech && t) return `${t.name} ${tech.message}.`;
  const start = fields.find((f) => f.field === 'start');
  if (start) return `The start time ${start.message}.`;
  if (error.status === 409) return error.message + whyBusy(board, move.technicianId, move.day, move.minutes, move.minutes + move.length, move.orderId);
  return fields.length ? `${error.message} ${fields.map((f) => capitalise(f.message)).join('. ')}.` : error.message;
}

/** Who changed the order meanwhile, by name: the newest entry of its history. */
async function changedBy(orderId, board) {
  try {
    const order = (await api(`/orders/${encodeURIComponent(orderId)}`)).data;
    const moves = order.history || [];
    const latest = moves[moves.length - 1];
    const by = latest && latest.by;
    if (!by) return { name: 'Someone', version: order.version };
    if (me() && by === me().id) return { name: 'You (in another window)', version: order.version };
    const tech = board.technicians.find((t) => t.id === by);
    if (tech) return { name: tech.name, version: order.version };
    const member = (await api(`/staff/${encodeURIComponent(by)}`).catch(() => null));
    return { name: member && member.data && member.data.name ? member.data.name : 'Someone else', version: order.version };
  } catch (e) {
    return { name: 'Someone else', version: null };
  }
}

function mover(state) {
  let dragged = null; // {orderId, offset (minutes between the grab point and the card's start)}

  /** The order's card; a proposed request is on a lane and in the tray: the lane's card with
   * the tray's reasons and the step that confirms it, so moving it books it. */
  const find = (orderId) => {
    const b = state.board();
    const onLane = b.appointments.find((a) => a.order_id === orderId);
    const waiting = b.tray.find((t) => t.order_id === orderId);
    if (!onLane) return waiting;
    return waiting ? { ...onLane, confirm_step: waiting.confirm_step, reasons: waiting.reasons } : onLane;
  };

  /** Assign (unless nothing changes) and confirm a request; then reload. Resolves {result: 'done' |
   * 'conflict' | 'refused' | 'fields', text}. */
  async function move(orderId, technicianId, day, minutes, options = {}) {
    const b = state.board();
    const card = find(orderId);
    if (!card) return { result: 'refused', text: 'This order is no longer on the board.' };
    const t = b.technicians.find((x) => x.id === technicianId);
    const start = instant(day, minutes, b.timezone);
    const m = { orderId, technicianId, day, minutes, length: card.duration_minutes || 60 };
    const where = `${t ? t.name : technicianId}, ${dateShort(day)} at ${hhmm(minutes)}`;
    const same = card.technician_id === technicianId && (card.start || (card.appointment && card.appointment.start)) &&
      local(card.start || card.appointment.start).day === day && local(card.start || card.appointment.start).minutes === minutes;
    state.busy(true);
    if (options.node) options.node.setAttribute('aria-busy', 'true');
    let version = card.version;
    try {
      if (!same) {
        const assigned = await api(`/orders/${encodeURIComponent(orderId)}/assign`, {
          method: 'POST', body: { technician_id: technicianId, start, expected_version: version } });
        version = assigned.data.version;
      }
      if (card.confirm_step) {
        await api(`/orders/${encodeURIComponent(orderId)}/transitions`, {
          method: 'POST', body: { to: card.confirm_step.key, expected_version: version } });
      }
      const text = `${card.customer_name || orderId} ${card.confirm_step ? 'booked' : 'moved'}: ${where}.`;
      state.message('success', card.confirm_step ? 'Booked' : 'Moved', text);
      say(text);
      await state.reload();
      return { result: 'done', text };
    } catch (error) {
      if (options.form && error.status === 422 && problems(error).length) {
        options.form(error);
        return { result: 'fields', text: error.message };
      }
      if (isStale(error)) {
        const who = await changedBy(orderId, b);
        const text = `${who.name} changed this order meanwhile, so it was not ${card.confirm_step ? 'booked' : 'moved'}. ` +
          'The board now shows it as it is; nothing was overwritten. Look at it again and try once more if it still makes sense.';
        state.message('warning', 'Changed by someone else', text);
        alarm(text);
        await state.reload();
        return { result: 'conflict', text };
      }
      const text = `Not ${card.confirm_step ? 'booked' : 'moved'} (${where}): ${refusal(error, b, m)}`;
      state.message('error', 'The move was refused', text);
      alarm(text);
      state.render(); // the card goes back where it was
      return { result: 'refused', text };
    } finally {
      state.busy(false);
    }
  }

  function draggable(node, orderId, appointment) {
    node.addEventListener('dragstart', (event) => {
      let offset = 0;
      if (appointment) {
        const box = node.getBoundingClientRect();
        const range = state.range();
        const perMinute = box.width / Math.max(1, local(appointment.end).minutes - local(appointment.start).minutes);
        offset = Math.round((event.clientX - box.left) / Math.max(0.01, perMinute) / SNAP) * SNAP;
        if (!Number.isFinite(offset) || offset < 0 || offset > range.span) offset = 0;
      }
      dragged = { orderId, offset };
      state.busy(true);
      event.dataTransfer.effectAllowed = 'move';
      event.dataTransfer.setData('text/plain', orderId);
      node.classList.add('of-board-card--dragging');
    });
    node.addEventListener('dragend', () => {
      node.classList.remove('of-board-card--dragging');
      document.querySelectorAll('.of-board-drop').forEach((n) => n.remove());
      dragged = null;
      state.busy(false);
    });
  }

  function dropTarget(target, technicianId, day) {
    const marker = () => target.querySelector(':scope > .of-board-drop') ||
      target.appendChild(el('div', { class: 'of-board-drop', 'aria-hidden': 'true' }, el('span', {})));
    target.addEventListener('dragover', (event) => {
      if (!dragged) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'move';
      const range = state.range();
      const minute = minuteAt(target, event.clientX, range, dragged.offset);
      const line = marker();
      line.style.left = `${((minute - range.start) / range.span) * 100}%`;
      line.firstChild.textContent = hhmm(minute);
    });
    target.addEventListener('dragleave', (event) => {
      if (!target.contains(event.relatedTarget)) target.querySelectorAll(':scope > .of-board-drop').forEach((n) => n.remove());
    });
    target.addEventListener('drop', (event) => {
      event.preventDefault();
      target.querySelectorAll(':scope > .of-board-drop').forEach((n) => n.remove());
      const orderId = (dragged && dragged.orderId) || event.dataTransfer.getData('text/plain');
      if (!orderId) return;
      const minute = minuteAt(target, event.clientX, state.range(), dragged ? dragged.offset : 0);
      dragged = null;
      move(orderId, technicianId, day, minute, { node: target });
    });
  }

  /** The form every card opens: technician, date and start time, checked by the API. */
  function open(orderId) {
    const b = state.board();
    const card = find(orderId);
    if (!card) return;
    const startIso = card.start || (card.appointment && card.appointment.start);
    const when = startIso ? local(startIso) : { day: b.dates[0], minutes: 9 * 60 };
    const technician = field({ label: 'Technician', name: 'technician_id', control: el('select', {},
      b.technicians.map((t) => el('option', { value: t.id, selected: t.id === card.technician_id ? true : null },
        t.name + (card.skill && !t.skills.includes(card.skill) ? ` (no ${card.skill} skill)` : '')))) });
    const date = field({ label: 'Date', name: 'date', control: el('input', { type: 'date', value: when.day, required: true }) });
    const time = field({ label: 'Start time', name: 'start', hint: `${card.duration_minutes} minutes; in 15-minute steps.`,
      control: el('input', { type: 'time', value: hhmm(snapMinutes(when.minutes)), step: String(SNAP * 60), required: true }) });
    const status = el('div', { class: 'of-board-form-status' });
    const reasons = (card.reasons || card.flags || []).map((r) => el('li', {}, el('strong', {}, `${r.label}: `), r.text));
    const verb = card.confirm_step ? (startIso ? 'Confirm' : 'Book') : 'Move';
    let d = null;
    const submit = async (event) => {
      if (event) event.preventDefault();
      [technician, date, time].forEach((f) => f.clearError());
      fill(status);
      const [h, m] = (time.control.value || '').split(':').map(Number);
      if (!date.control.value) { date.setError('Choose a date'); date.control.focus(); return; }
      if (!Number.isFinite(h) || !Number.isFinite(m)) { time.setError('Choose a start time'); time.control.focus(); return; }
      const done = await move(orderId, technician.control.value, date.control.value, h * 60 + m, {
        form: (error) => {
          const rest = showFieldErrors({ details: { fields: problems(error) } }, { technician_id: technician, start: time });
          fill(status, alertBox('error', 'Not saved', rest.length ? `${error.message} ${rest.map((p) => capitalise(p.message)).join('. ')}.`
            : refusal(error, b, { technicianId: technician.control.value })));
          alarm(`Not saved: ${problems(error).map((p) => p.message).join('; ')}`);
        },
      });
      if (done.result === 'done' || done.result === 'conflict') d.close();
      else if (done.result === 'refused') fill(status, alertBox('error', 'Not saved', done.text));
    };
    const formId = uid('of-board-form');
    const form = el('form', { class: 'of-board-form', id: formId, onsubmit: submit, novalidate: true },
      el('p', {}, el('strong', {}, card.customer_name || orderId), ` · ${card.service_name || 'Job'} · ${[card.postcode, card.town].filter(Boolean).join(', ')}`),
      reasons.length ? el('ul', { class: 'of-board-form-reasons' }, reasons) : null,
      technician.element, el('div', { class: 'of-grid-2' }, date.element, time.element), status,
      el('p', {}, el('a', { href: `#/orders/${encodeURIComponent(orderId)}` }, 'Open the order')));
    state.busy(true);
    d = dialog({ title: `${verb}: ${card.customer_name || orderId}`, body: [form],
      actions: card.movable === false ? [button('Close', () => d.close(), { kind: 'secondary' })]
        : [button(verb, null, { type: 'submit', attrs: { form: formId } }), button('Cancel', () => d.close(), { kind: 'secondary' })] });
    d.element.addEventListener('close', () => state.busy(false));
    technician.control.focus();
  }

  return { draggable, dropTarget, open, move };
}

const snapMinutes = (m) => Math.round(m / SNAP) * SNAP;

export { mover };
