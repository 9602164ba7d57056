/* Customers: `#/customers` finds them as you type (the search stays in the address, so Back
 * returns to it); `#/customers/{id}` is a customer's page: the record (contacts, addresses,
 * notes, marketing consent), its orders newest first (each linking to its order page), its
 * invoices with what is still owed, Edit (PATCH with `expected_version`; a stale version says
 * someone else changed it), a new phone call for them, and the GDPR export (a JSON download). */

import { api } from '../api.js';
import { el, fill, button, alertBox, say, alarm, focusOn, hidden } from '../dom.js';
import { dateLong, dateShort, dateTime, money, plural, stepLabel, todayKey } from '../format.js';
import { searchBox } from './customers-search.js';
import { customerForm, addressText } from './customers-form.js';

function mount(root, ctx) {
  return ctx.parts[0] ? customerPage(root, ctx, ctx.parts[0]) : customerList(root, ctx);
}

// --- the list ---------------------------------------------------------------------------------

function customerList(root, ctx) {
  const heading = el('h1', { class: 'of-title' }, 'Customers');
  const finder = searchBox({
    label: 'Find a customer',
    hint: 'Phone number (any format), name, email, full postcode or order number.',
    onChoose: (c) => ctx.go(`#/customers/${encodeURIComponent(c.customer_id)}`),
  });
  // Keep the search in the address (without a navigation), so Back comes back to the results.
  finder.input.addEventListener('input', () => {
    const q = finder.input.value.trim();
    history.replaceState(null, '', q ? `#/customers?q=${encodeURIComponent(q)}` : '#/customers');
  });
  fill(root, el('div', { class: 'of-customers' },
    el('div', { class: 'of-screen-head' }, el('div', {}, heading,
      el('p', { class: 'of-subtitle' }, 'Every customer who has booked online or called, with their orders and invoices.')),
    el('a', { class: 'of-button of-button--secondary', href: '#/intake' }, 'Take a phone call')),
    el('section', { class: 'of-card' }, finder.element)));
  const q = ctx.query.get('q');
  if (q) { finder.input.value = q; finder.run(q); }
  return { title: 'Customers', heading, leave: () => finder.stop() };
}

// --- a customer's page ------------------------------------------------------------------------

function stepChip(order) {
  return el('span', { class: `of-chip of-chip--${order.step}` }, stepLabel(order.step));
}

function ordersTable(orders, tz) {
  if (!orders.length) return el('p', { class: 'of-empty' }, 'No orders yet.');
  return el('div', { class: 'of-table-wrap' }, el('table', { class: 'of-table of-customers-orders' },
    el('caption', { class: 'of-visually-hidden' }, 'Orders, newest first'),
    el('thead', {}, el('tr', {}, ['Order', 'Created', 'Service', 'Address', 'Appointment', 'Step'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, orders.map((o) => el('tr', {},
      el('td', {}, el('a', { href: `#/orders/${encodeURIComponent(o.order_id)}` }, o.order_id)),
      el('td', {}, dateShort(o.created_at, tz)),
      el('td', {}, o.service_name || o.description || '–'),
      el('td', {}, addressText(o.address || {})),
      el('td', {}, o.appointment ? dateTime(o.appointment.start, tz) : el('span', { class: 'of-muted' }, 'Not booked')),
      el('td', {}, stepChip(o)))))));
}

/** Void, paid, overdue (a balance past its due date) or issued (a balance not yet due). */
function invoiceChip(i) {
  const overdue = i.status !== 'void' && i.balance_cents > 0 && i.due_date && i.due_date < todayKey();
  const kind = i.status === 'void' ? 'cancelled' : !i.balance_cents ? 'paid' : overdue ? 'overdue' : 'scheduled';
  const label = i.status === 'void' ? 'Void' : !i.balance_cents ? 'Paid' : overdue ? 'Overdue' : stepLabel(i.status);
  return el('span', { class: `of-chip of-chip--${kind}` }, label);
}

function invoicesTable(invoices, currency) {
  if (!invoices.length) return el('p', { class: 'of-empty' }, 'No invoices yet.');
  return el('div', { class: 'of-table-wrap' }, el('table', { class: 'of-table of-customers-invoices' },
    el('caption', { class: 'of-visually-hidden' }, 'Invoices, newest first'),
    el('thead', {}, el('tr', {},
      ['Invoice', 'Order', 'Issued', 'Due', 'Status'].map((h) => el('th', { scope: 'col' }, h)),
      ['Total', 'Paid', 'Owed'].map((h) => el('th', { scope: 'col', class: 'of-num' }, h)))),
    el('tbody', {}, invoices.map((i) => el('tr', {},
      el('td', {}, i.number || i.invoice_id),
      el('td', {}, el('a', { href: `#/orders/${encodeURIComponent(i.order_id)}` }, i.order_id)),
      el('td', {}, dateShort(i.issued_at)),
      el('td', {}, i.due_date ? dateShort(i.due_date) : '–'),
      el('td', {}, invoiceChip(i)),
      el('td', { class: 'of-num' }, money(i.total_cents, i.currency || currency)),
      el('td', { class: 'of-num' }, money(i.paid_cents, i.currency || currency)),
      el('td', { class: 'of-num' }, money(i.balance_cents, i.currency || currency)))))));
}

async function customerPage(root, ctx, customerId) {
  const tz = ctx.business && ctx.business.timezone;
  const currency = ctx.business && ctx.business.currency;
  const heading = el('h1', { class: 'of-title' }, 'Customer');
  const path = `/customers/${encodeURIComponent(customerId)}`;
  let data;
  try {
    data = (await api(path)).data;
  } catch (error) {
    if (error.code === 'customer_merged' && error.details && error.details.merged_into) {
      fill(root, heading, alertBox('info', 'This customer was merged into another', error.message,
        el('p', {}, el('a', { href: `#/customers/${encodeURIComponent(error.details.merged_into)}` }, 'Open the customer it went into'))));
      return { title: 'Customer', heading };
    }
    heading.textContent = error.status === 404 ? 'No such customer' : 'The customer could not be opened';
    fill(root, heading, alertBox('error', heading.textContent, error.message, el('p', {}, el('a', { href: '#/customers' }, 'Find a customer'))));
    return { title: heading.textContent, heading };
  }
  let orders = data.orders || [];
  let invoices = data.invoices || [];
  let nextCursor = data.orders_next_cursor;
  const message = el('div', { class: 'of-customers-message', tabindex: '-1' });
  const recordArea = el('section', { class: 'of-card of-customers-record', 'aria-labelledby': 'of-customers-record-title' });
  const ordersArea = el('div', {});
  const invoicesArea = el('div', {});
  const owed = el('p', { class: 'of-customers-owed' });

  function renderRecord() {
    heading.textContent = data.name;
    document.title = `${data.name} – Office`;
    const addresses = data.addresses || [];
    fill(recordArea,
      el('div', { class: 'of-customers-record-head' },
        el('h2', { class: 'of-heading', id: 'of-customers-record-title' }, 'Record'),
        data.erased_at ? null : button('Edit', () => edit(), { kind: 'secondary', small: true, attrs: { 'aria-label': `Edit ${data.name}` } })),
      data.erased_at ? alertBox('info', 'Personal data erased', `Erased on ${dateLong(data.erased_at, tz)} at the customer’s request; the orders and invoices are kept, anonymised.`) : null,
      el('dl', { class: 'of-dl' },
        el('dt', {}, 'Phone'), el('dd', {}, data.phone ? el('a', { href: `tel:${data.phone}` }, data.phone) : '–'),
        el('dt', {}, 'Email'), el('dd', {}, data.email ? el('a', { href: `mailto:${data.email}` }, data.email) : '–'),
        el('dt', {}, 'Addresses'), el('dd', {}, addresses.length
          ? el('ul', { class: 'of-customers-addresses' }, addresses.map((a) => el('li', {}, addressText(a))))
          : '–'),
        el('dt', {}, 'Notes'), el('dd', { class: 'of-customers-notes' }, data.notes || '–'),
        el('dt', {}, 'Marketing'), el('dd', {}, data.marketing_consent ? 'Agrees to marketing emails' : 'No marketing emails'),
        el('dt', {}, 'Customer since'), el('dd', {}, `${dateLong(data.created_at, tz)} (${data.created_from === 'web' ? 'booked online' : data.created_from === 'office' ? 'added by the office' : 'by phone'})`),
        (data.aliases || []).length ? [el('dt', {}, 'Also known by'), el('dd', {}, data.aliases.map((a) => a.value).join(', '))] : null));
  }

  function renderLists() {
    fill(ordersArea, ordersTable(orders, tz), nextCursor ? el('div', { class: 'of-button-row' }, button('Show older orders', () => more(), { kind: 'secondary' })) : null);
    fill(invoicesArea, invoicesTable(invoices, currency));
    const balance = invoices.reduce((sum, i) => sum + (i.balance_cents || 0), 0);
    owed.textContent = balance ? `Owed: ${money(balance, currency)}` : 'Nothing owed';
    owed.classList.toggle('of-customers-owed--due', !!balance);
  }

  async function more() {
    try {
      const page = (await api(path, { query: { cursor: nextCursor } })).data;
      const known = new Set(invoices.map((i) => i.invoice_id));
      orders = orders.concat(page.orders || []);
      invoices = invoices.concat((page.invoices || []).filter((i) => !known.has(i.invoice_id)));
      nextCursor = page.orders_next_cursor;
      renderLists();
      say(`${plural((page.orders || []).length, 'older order')} shown.`);
    } catch (error) {
      fill(message, alertBox('error', 'The older orders could not be shown', error.message));
      alarm(error.message);
    }
  }

  function edit() {
    const form = customerForm({
      customer: data,
      onSaved: (record) => {
        data = { ...data, ...record };
        renderRecord();
        fill(message, alertBox('success', 'Saved', `${data.name}’s record is updated.`));
        say('Customer saved.');
        focusOn(heading);
      },
      onCancel: () => { renderRecord(); focusOn(recordArea.querySelector('button') || heading); },
    });
    fill(recordArea, el('h2', { class: 'of-heading', id: 'of-customers-record-title' }, 'Edit the record'), form.element);
    fill(message);
    form.focus();
  }

  async function exportData() {
    try {
      const answer = (await api(`${path}/export`)).data;
      const blob = new Blob([JSON.stringify(answer, null, 2)], { type: 'application/json' });
      const link = el('a', { href: URL.createObjectURL(blob), download: `customer-${data.customer_id}.json` });
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
      say(`Export of ${data.name}’s personal data downloaded.`);
    } catch (error) {
      fill(message, alertBox('error', 'The export failed', error.message));
      alarm(error.message);
    }
  }

  renderRecord();
  renderLists();
  fill(root, el('div', { class: 'of-customers of-customers-page' },
    el('p', { class: 'of-customers-back' }, el('a', { href: '#/customers' }, 'Customers')),
    el('div', { class: 'of-screen-head' },
      el('div', {}, heading, el('p', { class: 'of-subtitle' }, `${data.customer_id} · ${plural(data.orders_count || 0, 'order')}`)),
      el('div', { class: 'of-toolbar' },
        data.erased_at ? null : el('a', { class: 'of-button', href: `#/intake?customer=${encodeURIComponent(data.customer_id)}` }, 'New phone call', hidden(` for ${data.name}`)),
        button('Export personal data (GDPR)', () => exportData(), { kind: 'secondary' }))),
    message,
    el('div', { class: 'of-customers-layout' },
      recordArea,
      el('div', { class: 'of-customers-history' },
        el('section', { class: 'of-card', 'aria-labelledby': 'of-customers-orders-title' },
          el('h2', { class: 'of-heading', id: 'of-customers-orders-title' }, 'Orders'), ordersArea),
        el('section', { class: 'of-card', 'aria-labelledby': 'of-customers-invoices-title' },
          el('div', { class: 'of-customers-invoices-head' },
            el('h2', { class: 'of-heading', id: 'of-customers-invoices-title' }, 'Invoices'), owed),
          invoicesArea)))));
  return { title: data.name, heading };
}

export { mount };
