/* What the process map's screens share: the map's properties in words (exit conditions,
 * automations, roles, the time allowed), the staff names the owners are shown by, and the
 * open orders counted per step of the current version. */

import { api } from '../api.js';
import { duration, plural } from '../format.js';

const CONDITIONS = {
  has_line_items: 'at least one line item',
  has_technician: 'a technician assigned',
  has_appointment: 'an appointment (start and end)',
  has_customer_email: 'the customer’s email address',
  has_signature: 'the customer’s signature',
};

const AUTOMATIONS = {
  notify_customer: 'emails the customer',
  create_invoice: 'creates the invoice',
};

// How a step's time allowed counts (its `sla_clock`), and whose time a step takes (`staff_role`).
const SLA_CLOCKS = {
  business: 'Business hours',
  calendar: 'Calendar time, day and night',
};

const STAFF_ROLES = { technician: 'A technician’s', dispatcher: 'A dispatcher’s', admin: 'An admin’s' };

const ROLES = {
  admin: 'admins',
  dispatcher: 'dispatchers',
  technician: 'technicians',
  system: 'the system (automations, online booking)',
  customer: 'the customer (through their link)',
};

/** ['a', 'b', 'c'] -> "a, b and c" */
function listWords(items, last = 'and') {
  if (!items.length) return '';
  if (items.length === 1) return items[0];
  return `${items.slice(0, -1).join(', ')} ${last} ${items[items.length - 1]}`;
}

const sla = (minutes) => (minutes ? duration(minutes * 60) : 'no time limit');
/** A step's time allowed in words, with its clock: "4 h, business hours"; "waits on the customer". */
const slaWords = (step) => {
  if (step.waits_on_customer) return 'no time limit: waits on the customer';
  if (!step.sla_minutes) return 'no time limit';
  return `${sla(step.sla_minutes)}, ${step.sla_clock === 'calendar' ? 'calendar time' : 'business hours'}`;
};
/** Whose time a step takes, in words: "a technician’s, 30 min per visit". */
const staffWords = (step) => {
  if (!step.staff_role) return 'nobody’s (the order only waits)';
  const label = STAFF_ROLES[step.staff_role] || step.staff_role;
  const whose = label.charAt(0).toLowerCase() + label.slice(1);
  return step.staff_minutes ? `${whose}, ${duration(step.staff_minutes * 60)} per visit` : `${whose}, the whole time in the step`;
};
const conditionsWords = (keys) => (keys && keys.length ? listWords(keys.map((k) => CONDITIONS[k] || k)) : 'nothing');
const automationsWords = (keys) => (keys && keys.length ? listWords(keys.map((k) => AUTOMATIONS[k] || k)) : 'nothing');
const rolesWords = (keys) => (keys && keys.length ? listWords(keys.map((k) => ROLES[k] || k)) : 'nobody');

/** The staff by id (GET /staff); an empty map when it cannot be read (ids are shown instead). */
async function loadStaff() {
  try {
    const { data } = await api('/staff');
    return new Map((data.staff || []).map((m) => [m.id, m]));
  } catch (error) {
    return new Map();
  }
}

function ownerName(staff, id) {
  if (!id) return 'No owner';
  const member = staff.get(id);
  return member ? member.name : `${id} (not on the staff list)`;
}

const labelOf = (map, key) => {
  const step = map.steps.find((s) => s.key === key);
  return step ? step.label : key;
};

const isEnd = (step) => !step.next || step.next.length === 0;

const ordersWord = (n) => plural(n, 'open order');

export {
  CONDITIONS, AUTOMATIONS, ROLES, SLA_CLOCKS, STAFF_ROLES, listWords, sla, slaWords, staffWords, conditionsWords, automationsWords, rolesWords,
  loadStaff, ownerName, labelOf, isEnd, ordersWord,
};
