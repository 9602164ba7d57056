/* What the quote screens share: the statuses in words and as chips, a quote's reference
 * ("Q-2026-000001-A"), and prices typed in currency units read into integer cents with string
 * arithmetic (settings-common.js parseCents), never through a float. */

import { api } from '../api.js';
import { el } from '../dom.js';

const STATUSES = [
  ['draft', 'Draft'], ['sent', 'Sent'], ['accepted', 'Accepted'], ['declined', 'Declined'],
  ['expired', 'Expired'], ['superseded', 'Superseded'],
];
const STATUS_LABEL = Object.fromEntries(STATUSES);

/** "2027-01-01" -> "1 Jan 2027" (a day, whatever the timezone). */
function dayText(day) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || '');
  if (!m) return day || '';
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })
    .format(new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])));
}

const statusChip = (status) => el('span', { class: `of-chip of-quote-chip of-quote-chip--${status}` }, STATUS_LABEL[status] || status);

/** "Q-2026-000001-A": the API's reference, or the number and revision letter. */
const referenceOf = (q) => q.reference || [q.number, q.revision].filter(Boolean).join('-') || q.quote_id;

/** The quote's totals as the API gave them (required lines only). */
const totalsOf = (q) => q.totals || { total_cents: q.total_cents };

/** When the customer answered (accepted or declined), or when it expired: an ISO instant or null. */
function answeredAt(q) {
  if (q.accepted && q.accepted.at) return q.accepted.at;
  if (q.declined && q.declined.at) return q.declined.at;
  return q.expired_at || null;
}

const staffNames = {};

async function loadStaffNames() {
  if (Object.keys(staffNames).length) return;
  try {
    ((await api('/staff')).data || {}).staff.forEach((m) => { staffNames[m.id] = m.name; });
  } catch (e) { /* ids stay ids (a dispatcher may not list staff) */ }
}

/** A name for who did something: the API's {user_id, name}, or an id. */
function whoOf(q, person) {
  if (person && typeof person === 'object') return person.name || whoOf(q, person.user_id);
  const id = person;
  if (!id) return 'Someone';
  if (id === 'system') return 'The system';
  if (id === 'customer') return 'The customer';
  return (q.people && q.people[id]) || staffNames[id] || id;
}

export { whoOf, loadStaffNames };
export { dayText, STATUSES, STATUS_LABEL, statusChip, referenceOf, totalsOf, answeredAt };
