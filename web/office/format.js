/* Words, dates, times and money as office staff read them: in the business's timezone,
 * currency and locale (app.js calls setBusiness with GET /business once signed in), whatever
 * the computer's own settings. Every function takes optional tz/currency/locale overrides. */

let defaults = { timezone: undefined, currency: 'GBP', locale: 'en-GB' };

function setBusiness(business) {
  defaults = {
    timezone: (business && business.timezone) || undefined,
    currency: (business && business.currency) || 'GBP',
    locale: (business && business.locale) || 'en-GB',
  };
  cache.clear();
}

const cache = new Map();
function formatter(locale, options) {
  const key = locale + JSON.stringify(options);
  if (!cache.has(key)) {
    try {
      cache.set(key, new Intl.DateTimeFormat(locale, options));
    } catch (e) { // an unknown timezone: the computer's own
      const { timeZone, ...rest } = options;
      cache.set(key, new Intl.DateTimeFormat(locale, rest));
    }
  }
  return cache.get(key);
}

const parse = (iso) => {
  if (iso instanceof Date) return iso;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
};

/** 1250 -> "£12.50" (cents are integers from the API; never a float sum). */
function money(cents, currency, locale) {
  if (cents === null || cents === undefined || cents === '') return '–';
  const code = currency || defaults.currency;
  try {
    return new Intl.NumberFormat(locale || defaults.locale, { style: 'currency', currency: code }).format(Number(cents) / 100);
  } catch (e) {
    return `${(Number(cents) / 100).toFixed(2)} ${code}`;
  }
}

/** "Wednesday 2 December 2026" for an instant (in tz) or a YYYY-MM-DD day. */
function dateLong(value, tz, locale) {
  const day = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
  const d = day ? dayDate(value) : parse(value);
  if (!d) return '';
  return formatter(locale || defaults.locale, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric',
    timeZone: day ? 'UTC' : (tz || defaults.timezone) }).format(d).replace(',', '');
}

/** "Wed 2 Dec" for an instant (in tz) or a YYYY-MM-DD day. */
function dateShort(value, tz, locale) {
  const day = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
  const d = day ? dayDate(value) : parse(value);
  if (!d) return '';
  return formatter(locale || defaults.locale, { weekday: 'short', day: 'numeric', month: 'short',
    timeZone: day ? 'UTC' : (tz || defaults.timezone) }).format(d).replace(',', '');
}

/** "10:30" in the business's timezone. */
function time(iso, tz) {
  const d = parse(iso);
  return d ? formatter('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: tz || defaults.timezone }).format(d) : '';
}

/** "Wed 2 Dec, 10:30" in the business's timezone ("Wed 2 Dec 2025, 10:30" in another year). */
function dateTime(iso, tz, locale) {
  const d = parse(iso);
  if (!d) return '';
  const year = (x) => formatter('en-GB', { year: 'numeric', timeZone: tz || defaults.timezone }).format(x);
  const y = year(d);
  return `${dateShort(d, tz, locale)}${y !== year(new Date()) ? ` ${y}` : ''}, ${time(d, tz)}`;
}

/** The YYYY-MM-DD day of an instant in tz. */
function dayKey(date, tz) {
  const d = parse(date);
  if (!d) return '';
  const parts = {};
  formatter('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: tz || defaults.timezone })
    .formatToParts(d).forEach((p) => { parts[p.type] = p.value; });
  return `${parts.year}-${parts.month}-${parts.day}`;
}

const todayKey = (tz) => dayKey(new Date(), tz);

function dayDate(day) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || '');
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])) : null;
}
const validDay = (day) => { const d = dayDate(day); return !!d && d.toISOString().slice(0, 10) === day; };
function addDays(day, n) {
  const d = dayDate(day);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** 8100 -> "2 h 15 min"; 90000 -> "1 d 1 h". */
function duration(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  let s = Math.max(0, Math.round(Number(seconds)));
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.round(s / 60);
  if (d) return h ? `${d} d ${h} h` : `${d} d`;
  if (h) return m ? `${h} h ${m} min` : `${h} h`;
  return `${m} min`;
}

/** "in_progress" -> "In progress" (when the API gave no label). */
function stepLabel(key) {
  const text = String(key || '').replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "5 min ago", "in 2 h", "3 d ago". */
function relative(iso) {
  const d = parse(iso);
  if (!d) return '';
  const seconds = Math.round((d.getTime() - Date.now()) / 1000);
  const words = duration(Math.abs(seconds));
  if (Math.abs(seconds) < 60) return 'just now';
  return seconds < 0 ? `${words} ago` : `in ${words}`;
}

const plural = (n, one, many) => `${n} ${n === 1 ? one : many || `${one}s`}`;

export { setBusiness, money, dateLong, dateShort, time, dateTime, dayKey, todayKey, validDay, addDays, duration, stepLabel, relative, plural };
