/* Settings (admins): business details, booking rules, services, the price list, quotes, technicians
 * and staff accounts, each a section of its own under #/settings/<section>, picked in a
 * sub-nav; each section is a module (settings-<section>.js) loaded when it is opened.
 * A dispatcher (or anyone who is not an admin) is told that settings are for admins. */

import { el, fill, alertBox, button } from '../dom.js';
import { adminsOnly } from './settings-common.js';

const SECTIONS = [
  ['business', 'Business details', './settings-business.js'],
  ['booking', 'Booking rules', './settings-booking.js'],
  ['services', 'Services', './settings-services.js'],
  ['price-list', 'Price list', './settings-prices.js'],
  ['quotes', 'Quotes', './settings-quotes.js'],
  ['technicians', 'Technicians', './settings-technicians.js'],
  ['staff', 'Staff accounts', './settings-staff.js'],
];

async function mount(root, ctx) {
  if (!ctx.user || ctx.user.role !== 'admin') return adminsOnly(root);
  const name = SECTIONS.some(([key]) => key === ctx.parts[0]) ? ctx.parts[0] : 'business';
  const [, label, path] = SECTIONS.find(([key]) => key === name);
  const nav = el('nav', { class: 'of-settings-nav', 'aria-label': 'Settings' },
    el('ul', { class: 'of-settings-nav-list' }, SECTIONS.map(([key, text]) => el('li', {},
      el('a', { class: 'of-settings-nav-link', href: `#/settings/${key}`, 'aria-current': key === name ? 'page' : null }, text)))));
  const body = el('div', { class: 'of-settings-body' });
  fill(root, el('div', { class: 'of-settings' }, nav, body));
  let view;
  try {
    const module = await import(path);
    view = await module.mount(body, ctx);
  } catch (error) {
    const heading = el('h1', { class: 'of-title', tabindex: '-1' }, label);
    fill(body, heading, alertBox('error', `${label} could not be opened`, error && error.message ? error.message : String(error),
      button('Try again', () => ctx.refresh())));
    return { title: `${label} – Settings`, heading };
  }
  return { title: `${view.title || label} – Settings`, heading: view.heading, leave: view.leave };
}

export { mount, SECTIONS };
