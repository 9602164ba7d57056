/* Drawing the board: the day view (one lane per technician, the hours across, appointments
 * placed by time, working hours light and the rest shaded, time off hatched), the week view (a
 * row per technician, a cell per day with a strip of the day's hours and its appointments
 * listed) and the tray of orders waiting. Every card is a button (activating it opens the form)
 * and draggable; lanes and cells are drop targets with data-technician and data-day. */

import { el, hidden, uid } from '../dom.js';
import { dateLong, dateShort } from '../format.js';
import { hhmm, local, onDay, percent } from './board-time.js';

const DONE = ['completed', 'invoiced', 'paid', 'closed'];
const KNOWN = ['requested', 'scheduled', 'en_route', 'in_progress', 'on_hold', 'cancelled'];

/** The colour family of a step (the chip's colours, office.css). */
const tone = (step) => (DONE.includes(step) ? 'done' : KNOWN.includes(step) ? step : 'other');

function chip(card) {
  return el('span', { class: `of-chip of-chip--${card.step} of-board-chip` }, card.step_label || card.step);
}

function span(card) {
  return `${hhmm(local(card.start).minutes)}–${hhmm(local(card.end).minutes)}`;
}

/** An appointment on a lane or in a week cell. */
function appointmentCard(a, technician, handlers, compact, range) {
  const flags = a.flags || [];
  const name = a.customer_name || a.order_id;
  const tail = `(${a.tentative ? 'proposed, not confirmed; ' : ''}${technician.name}${a.movable ? '; open to move or reassign' : ''})`;
  const node = el('button', {
    type: 'button',
    class: `of-board-card of-board-card--${tone(a.step)}${a.tentative ? ' of-board-card--tentative' : ''}${flags.length ? ' of-board-card--flagged' : ''}${compact ? ' of-board-card--compact' : ''}`,
    draggable: a.movable ? 'true' : null,
    'data-order-id': a.order_id,
    title: `${span(a)} ${name} – ${a.service_name || ''} (${a.step_label})${flags.map((f) => `\n${f.label}: ${f.text}`).join('')}`,
    onclick: () => handlers.open(a.order_id),
  },
  el('span', { class: 'of-board-card-time' }, span(a)),
  el('span', { class: 'of-board-card-name' }, name, hidden(',')),
  el('span', { class: 'of-board-card-service' }, a.service_name || 'Job', hidden(',')),
  el('span', { class: 'of-board-card-step' }, chip(a), hidden(tail)),
  flags.length ? el('span', { class: 'of-board-card-flag' }, `⚑ ${flags.map((f) => f.label).join(', ')}`) : null);
  if (!compact && range) {
    const when = onDay(local(a.start).day, a.start, a.end);
    node.style.left = `${percent(range, when.from)}%`;
    node.style.width = `${Math.max(2.5, percent(range, when.to) - percent(range, when.from))}%`;
  }
  if (a.movable) handlers.draggable(node, a.order_id, range && !compact ? a : null);
  return node;
}

/** Working hours (light), time off (hatched) and, in a week cell, booked time, on a track. */
function background(technician, day, range, withBookings, appointments) {
  const parts = [];
  const dayHours = (technician.days.find((d) => d.date === day) || { hours: [] }).hours;
  dayHours.forEach((h) => {
    const when = onDay(day, h.start, h.end);
    if (when) {
      parts.push(el('div', { class: 'of-board-hours', style: `left:${percent(range, when.from)}%;width:${percent(range, when.to) - percent(range, when.from)}%`, 'aria-hidden': 'true' }));
    }
  });
  technician.time_off.forEach((off) => {
    const when = onDay(day, off.start, off.end);
    if (!when || percent(range, when.to) <= percent(range, when.from)) return;
    parts.push(el('div', { class: 'of-board-off', style: `left:${percent(range, when.from)}%;width:${percent(range, when.to) - percent(range, when.from)}%` },
      el('span', { class: 'of-board-off-text' }, `Time off${off.reason ? `: ${off.reason}` : ''}`)));
  });
  if (withBookings) {
    appointments.forEach((a) => {
      const when = onDay(day, a.start, a.end);
      if (when) {
        parts.push(el('div', { class: `of-board-booked of-board-booked--${tone(a.step)}`, 'aria-hidden': 'true',
          style: `left:${percent(range, when.from)}%;width:${Math.max(1.5, percent(range, when.to) - percent(range, when.from))}%` }));
      }
    });
  }
  return parts;
}

/** Words for a technician's day: "08:00–17:00", "Not working", with time off. */
function dayWords(technician, day) {
  const hours = (technician.days.find((d) => d.date === day) || { hours: [] }).hours;
  const words = hours.length ? hours.map((h) => `${hhmm(local(h.start).minutes)}–${hhmm(local(h.end).minutes)}`).join(', ') : 'Not working';
  const off = technician.time_off.map((o) => onDay(day, o.start, o.end) && `time off ${hhmm(onDay(day, o.start, o.end).from)}–${hhmm(Math.min(onDay(day, o.start, o.end).to, 1439))}${o.reason ? ` (${o.reason})` : ''}`).filter(Boolean);
  return [words, ...off].join('; ');
}

function laneLabel(technician, day) {
  const id = uid('of-board-lane');
  return { id, node: el('div', { class: 'of-board-lane-label', id },
    el('span', { class: 'of-board-lane-name' }, technician.name),
    el('span', { class: 'of-board-lane-meta' }, technician.skills.join(', ') || 'No skills listed'),
    day ? el('span', { class: 'of-board-lane-meta' }, dayWords(technician, day)) : null) };
}

function axis(range) {
  const ticks = [];
  for (let m = range.start; m < range.end; m += 60) {
    ticks.push(el('span', { class: 'of-board-tick', style: `left:${percent(range, m)}%` }, hhmm(m)));
  }
  return el('div', { class: 'of-board-axis', 'aria-hidden': 'true' }, ticks);
}

function dayView(board, range, handlers) {
  const day = board.dates[0];
  const rows = board.technicians.map((t) => {
    const label = laneLabel(t, day);
    const mine = board.appointments.filter((a) => a.technician_id === t.id && local(a.start).day === day);
    const track = el('div', { class: 'of-board-track', role: 'group', 'aria-labelledby': label.id,
      'data-technician': t.id, 'data-day': day },
    background(t, day, range, false, []),
    mine.map((a) => appointmentCard(a, t, handlers, false, range)),
    mine.length ? null : hidden('No appointments.'));
    handlers.dropTarget(track, t.id, day);
    return [label.node, track];
  });
  return el('div', { class: 'of-board-grid of-board-grid--day', style: `--of-board-hours:${range.span / 60}`,
    'data-range': `${range.start}-${range.end}` },
    el('div', { class: 'of-board-corner' }, 'Technician'), axis(range), rows);
}

function weekView(board, range, handlers) {
  const today = handlers.today;
  const head = board.dates.map((d) => el('div', { class: `of-board-dayhead${d === today ? ' of-board-dayhead--today' : ''}` },
    el('a', { href: `#/board/${d}` }, dateShort(d), hidden(`: open ${dateLong(d)}`))));
  const rows = board.technicians.map((t) => {
    const label = laneLabel(t, null);
    const cells = board.dates.map((d) => {
      const mine = board.appointments.filter((a) => a.technician_id === t.id && local(a.start).day === d);
      const cellLabel = `${t.name}, ${dateShort(d)}: ${dayWords(t, d)}`;
      const cell = el('div', { class: 'of-board-cell', role: 'group', 'aria-label': cellLabel, 'data-technician': t.id, 'data-day': d },
        el('div', { class: 'of-board-strip', title: dayWords(t, d) }, background(t, d, range, true, mine)),
        mine.length ? el('div', { class: 'of-board-cell-list' }, mine.map((a) => appointmentCard(a, t, handlers, true, null)))
          : el('span', { class: 'of-board-cell-empty' }, (t.days.find((x) => x.date === d) || { hours: [] }).hours.length ? 'Free' : 'Off'));
      handlers.dropTarget(cell, t.id, d);
      return cell;
    });
    return [label.node, cells];
  });
  return el('div', { class: 'of-board-grid of-board-grid--week', 'data-range': `${range.start}-${range.end}` },
    el('div', { class: 'of-board-corner' }, 'Technician'), head, rows);
}

function trayCard(item, handlers) {
  const name = item.customer_name || item.order_id;
  const where = [item.postcode, item.town].filter(Boolean).join(', ');
  const reasons = item.reasons || [];
  const node = el('button', {
    type: 'button',
    class: `of-board-card of-board-card--tray of-board-card--${tone(item.step)}`,
    draggable: 'true',
    'data-order-id': item.order_id,
    onclick: () => handlers.open(item.order_id),
  },
  el('span', { class: 'of-board-card-name' }, name, hidden(',')),
  el('span', { class: 'of-board-card-service' }, `${item.service_name || 'Job'} · ${item.duration_minutes} min`, hidden(',')),
  where ? el('span', { class: 'of-board-card-where' }, where, hidden(',')) : null,
  el('span', { class: 'of-board-card-step' }, chip(item), hidden('.')),
  reasons.map((r) => el('span', { class: 'of-board-card-reason' }, r.kind === 'requested' ? null : el('strong', {}, `${r.label}: `), r.text)),
  hidden('Open to book.'));
  handlers.draggable(node, item.order_id, null);
  return node;
}

function tray(board, handlers) {
  const heading = el('h2', { class: 'of-heading', id: uid('of-board-tray') }, `Waiting (${board.tray.length})`);
  return el('aside', { class: 'of-board-tray', 'aria-labelledby': heading.id },
    heading,
    el('p', { class: 'of-hint' }, 'Drag an order onto a technician at a time, or open it to book it with the form.'),
    board.tray.length ? el('ul', { class: 'of-board-tray-list' }, board.tray.map((t) => el('li', {}, trayCard(t, handlers))))
      : el('p', { class: 'of-empty' }, 'Nothing is waiting.'));
}

export { dayView, weekView, tray, tone };
