/* Words, numbers, dates, times and money as the technician reads them (en-GB, in the
 * business's timezone and currency from the saved preferences). */

import { prefs } from './api.js';

var LOCALE = 'en-GB';

function plural(n, one, many) { return n + ' ' + (n === 1 ? one : many); }

function megabytes(bytes) { return (bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '') + ' MB'; }

function shorten(text, max) {
  text = String(text || '').replace(/\s+/g, ' ').trim();
  return text.length > max ? text.slice(0, max - 1).trimEnd() + '…' : text;
}

function capital(text) { text = String(text || ''); return text.charAt(0).toUpperCase() + text.slice(1); }

// --- dates, times and money ---------------------------------------------------------------
// Times from the API carry an offset (or Z); they are shown in the business's timezone, which
// GET /technician/jobs names, whatever timezone the phone is in.

var formatters = {};
function formatter(kind) {
  var zone = prefs.timezone || undefined;
  var cacheKey = kind + '|' + (zone || '');
  if (!formatters[cacheKey]) {
    var options = {
      time: { hour: '2-digit', minute: '2-digit', timeZone: zone },
      ymd: { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: zone },
      dayLong: { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' },
      dayShort: { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' },
    }[kind];
    try {
      formatters[cacheKey] = new Intl.DateTimeFormat(kind === 'ymd' ? 'en-CA' : LOCALE, options);
    } catch (e) { // an unknown timezone: the phone's own
      delete options.timeZone;
      formatters[cacheKey] = new Intl.DateTimeFormat(kind === 'ymd' ? 'en-CA' : LOCALE, options);
    }
  }
  return formatters[cacheKey];
}

/** Forget the formatters, after the business's timezone changed. */
function resetFormatters() { formatters = {}; }

function parseTime(iso) { var d = new Date(iso); return isNaN(d.getTime()) ? null : d; }
function timeOf(iso) { var d = parseTime(iso); return d ? formatter('time').format(d) : ''; }
function dayOfInstant(date) {
  var parts = {};
  formatter('ymd').formatToParts(date).forEach(function (p) { parts[p.type] = p.value; });
  return parts.year + '-' + parts.month + '-' + parts.day;
}
function dayOf(iso) { var d = parseTime(iso); return d ? dayOfInstant(d) : ''; }
function today() { return dayOfInstant(new Date()); }
function dayDate(day) { var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || ''); return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])) : null; }
function validDay(day) { var d = dayDate(day); return !!d && d.toISOString().slice(0, 10) === day; }
function addDays(day, n) { var d = dayDate(day); d.setUTCDate(d.getUTCDate() + n); return d.toISOString().slice(0, 10); }
function dayLong(day) { return formatter('dayLong').format(dayDate(day)).replace(',', ''); }
function dayShort(day) { return formatter('dayShort').format(dayDate(day)).replace(',', ''); }
function relativeDay(day) {
  var t = today();
  if (day === t) return 'Today';
  if (day === addDays(t, 1)) return 'Tomorrow';
  if (day === addDays(t, -1)) return 'Yesterday';
  return null;
}
/** "today at 10:32" or "Fri 27 Nov at 10:32". */
function when(iso) {
  var day = dayOf(iso);
  if (!day) return '';
  var rel = relativeDay(day);
  return (rel ? rel.toLowerCase() : dayShort(day)) + ' at ' + timeOf(iso);
}

function span(appointment) {
  if (!appointment || !appointment.start) return 'No time set';
  return timeOf(appointment.start) + (appointment.end ? ' to ' + timeOf(appointment.end) : '');
}

function money(cents) {
  if (cents === null || cents === undefined) return '–';
  var currency = prefs.currency || 'GBP';
  try {
    return new Intl.NumberFormat(LOCALE, { style: 'currency', currency: currency }).format(cents / 100);
  } catch (e) {
    return (cents / 100).toFixed(2) + ' ' + currency;
  }
}

export { plural, megabytes, shorten, capital, resetFormatters, parseTime, timeOf, dayOf, today, validDay, addDays, dayLong, dayShort, relativeDay, when, span, money };
