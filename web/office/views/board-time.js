/* The board's time arithmetic. The API gives every time as an ISO string in the business's
 * timezone ("2026-12-02T10:00:00+00:00"), so the local day and minute are read off the string;
 * a time chosen on the board (a drop, the form) is turned back into an instant in that timezone,
 * whatever the computer's own timezone, with Intl. Moves snap to SNAP minutes. */

const SNAP = 15;

/** "2026-12-02T10:30:00+00:00" -> {day: "2026-12-02", minutes: 630} (local wall-clock time). */
function local(iso) {
  return { day: iso.slice(0, 10), minutes: Number(iso.slice(11, 13)) * 60 + Number(iso.slice(14, 16)) };
}

const hhmm = (minutes) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
const snap = (minutes) => Math.round(minutes / SNAP) * SNAP;

const zoneFormats = new Map();
function zoneFormat(tz) {
  if (!zoneFormats.has(tz)) {
    zoneFormats.set(tz, new Intl.DateTimeFormat('en-GB', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit',
      day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }));
  }
  return zoneFormats.get(tz);
}

/** Minutes the timezone is ahead of UTC at an instant (ms). */
function offsetAt(ms, tz) {
  const p = {};
  zoneFormat(tz).formatToParts(new Date(ms)).forEach((part) => { p[part.type] = part.value; });
  const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second);
  return Math.round((asUtc - ms) / 60000);
}

/** The instant of a local day and minute in tz, as an ISO string (UTC). */
function instant(day, minutes, tz) {
  const [y, m, d] = day.split('-').map(Number);
  const wall = Date.UTC(y, m - 1, d, 0, minutes);
  let ms = wall - offsetAt(wall, tz) * 60000;
  ms = wall - offsetAt(ms, tz) * 60000; // again, in case the first guess crossed a clock change
  return new Date(ms).toISOString();
}

/** The hours a day is drawn across: from the earliest working hour to the latest (or an
 * appointment outside them), whole hours; 08:00-18:00 when nobody works. */
function dayRange(board) {
  let first = Infinity;
  let last = -Infinity;
  const see = (startIso, endIso) => {
    const s = local(startIso);
    const e = local(endIso);
    first = Math.min(first, s.minutes);
    last = Math.max(last, e.day > s.day ? 24 * 60 : e.minutes);
  };
  board.technicians.forEach((t) => t.days.forEach((d) => d.hours.forEach((h) => see(h.start, h.end))));
  board.appointments.forEach((a) => see(a.start, a.end));
  if (first === Infinity) { first = 8 * 60; last = 18 * 60; }
  first = Math.max(0, Math.floor(first / 60) * 60);
  last = Math.min(24 * 60, Math.max(first + 60, Math.ceil(last / 60) * 60));
  return { start: first, end: last, span: last - first };
}

/** The share of the range (0-100 %) at which a minute of the day lies. */
function percent(range, minutes) {
  return Math.max(0, Math.min(100, ((minutes - range.start) / range.span) * 100));
}

/** The part of [startIso, endIso) that falls on `day`, in minutes of that day (null if none). */
function onDay(day, startIso, endIso) {
  const s = local(startIso);
  const e = local(endIso);
  if (e.day < day || s.day > day || (e.day === day && e.minutes === 0 && s.day < day)) return null;
  return { from: s.day < day ? 0 : s.minutes, to: e.day > day ? 24 * 60 : e.minutes };
}

/** The minute of the day under a pointer at clientX over `element` (snapped). */
function minuteAt(element, clientX, range, offsetMinutes) {
  const box = element.getBoundingClientRect();
  const share = Math.max(0, Math.min(1, (clientX - box.left) / Math.max(1, box.width)));
  const minute = snap(range.start + share * range.span - (offsetMinutes || 0));
  return Math.max(range.start, Math.min(range.end - SNAP, minute));
}

export { SNAP, local, hhmm, snap, instant, dayRange, percent, onDay, minuteAt };
