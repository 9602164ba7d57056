/* What the report pages share: the periods, staff named from the review's `people` (never an
 * id), durations, percentages and date ranges in words, and the change against the period before. */

import { duration } from '../format.js';

const PERIODS = [
  ['daily', 'Daily check'],
  ['weekly', 'Weekly evaluation'],
  ['monthly', 'Monthly evaluation'],
  ['quarterly', 'Quarterly evaluation'],
];
const PERIOD_NAMES = { daily: 'daily check', weekly: 'weekly evaluation', monthly: 'monthly evaluation', quarterly: 'quarterly evaluation' };
const JUST_ENDED = { daily: 'today', weekly: 'the week just ended', monthly: 'the month just ended', quarterly: 'the quarter just ended' };

const isPeriod = (name) => PERIODS.some(([key]) => key === name);

/** A staff member by name: from the review's `people`; never the id itself. */
function person(people, id, none) {
  if (!id) return none || 'nobody';
  if (id === 'schedule') return 'the schedule';
  if (id === 'office') return 'the office mailbox';
  return (people && people[id]) || 'a former staff member';
}

/** Minutes in words: 2640 -> "1 d 20 h"; null -> "–". */
const minutes = (value) => (value === null || value === undefined ? '–' : duration(Number(value) * 60));
/** Working time in hours, as a rota counts it: 1650 minutes -> "27.5 h". */
const workHours = (value) => (value === null || value === undefined ? '–'
  : `${(Number(value) / 60).toLocaleString('en-GB', { maximumFractionDigits: 1 })} h`);
const hours = (value) => (value === null || value === undefined ? '–' : duration(Number(value) * 3600));
const percent = (value) => (value === null || value === undefined ? '–' : `${Number(value).toLocaleString('en-GB', { maximumFractionDigits: 1 })}%`);
const days = (value) => (value === null || value === undefined ? '–' : `${Number(value).toLocaleString('en-GB', { maximumFractionDigits: 1 })} d`);

function dayDate(day) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || '');
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])) : null;
}

/** "23–29 November 2026", "1 October – 31 December 2026", or one day "Monday 30 November 2026". */
function range(first, last, locale) {
  const a = dayDate(first);
  const b = dayDate(last || first);
  if (!a || !b) return first || '';
  const long = new Intl.DateTimeFormat(locale || 'en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
  if (first === (last || first)) {
    return new Intl.DateTimeFormat(locale || 'en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })
      .format(a).replace(',', '');
  }
  return typeof long.formatRange === 'function' ? long.formatRange(a, b) : `${long.format(a)} – ${long.format(b)}`;
}

/** The change from `before` to `now` in words, or null when either is unknown.
 * kind: 'minutes' | 'hours' | 'percent' | 'days'; lowerIsBetter says which way is good. */
function change(now, before, kind, lowerIsBetter) {
  if (now === null || now === undefined || before === null || before === undefined) return null;
  const delta = Math.round((Number(now) - Number(before)) * 10) / 10;
  if (delta === 0) return { text: 'no change', tone: 'same' };
  const size = Math.abs(delta);
  const amount = kind === 'minutes' ? minutes(size) : kind === 'hours' ? hours(size)
    : kind === 'percent' ? `${size.toLocaleString('en-GB', { maximumFractionDigits: 1 })} points` : days(size);
  const better = lowerIsBetter ? delta < 0 : delta > 0;
  return { text: `${delta > 0 ? 'up' : 'down'} ${amount}`, tone: better ? 'better' : 'worse' };
}

export { PERIODS, PERIOD_NAMES, JUST_ENDED, isPeriod, person, minutes, workHours, hours, percent, days, range, change, dayDate };
