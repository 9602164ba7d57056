/* The quotes list, `#/quotes?status=&cursor=`: every quote (each revision is a row), newest
 * first, or those of one status (All, Draft, Sent, Accepted, Declined, Expired, Superseded, a
 * tab list of links, so the filter lives in the address and Back returns to it). GET /quotes
 * answers a page at a time: "Next page" follows its `next_cursor`, "Previous page" goes back
 * through the cursors seen. Each row links to the quote's page. */

import { api } from '../api.js';
import { el, fill, alertBox, button, say, alarm, focusOn } from '../dom.js';
import { dateShort, money, plural } from '../format.js';
import { dayText, STATUSES, STATUS_LABEL, statusChip, referenceOf, totalsOf, answeredAt } from './quotes-common.js';

const PAGE = 25;
const trail = { status: null, cursors: [] };

function hashOf(status, cursor) {
  const params = new URLSearchParams();
  if (status) params.set('status', status);
  if (cursor) params.set('cursor', cursor);
  const text = params.toString();
  return text ? `#/quotes?${text}` : '#/quotes';
}

function statusOf(query) {
  const s = (query.get('status') || '').trim();
  return STATUS_LABEL[s] ? s : '';
}

function whenCell(q, tz) {
  const answered = answeredAt(q);
  const parts = [];
  if (q.sent_at) parts.push(el('span', { class: 'of-quotes-when' }, 'Sent ', el('time', { datetime: q.sent_at }, dateShort(q.sent_at, tz))));
  if (answered) {
    const word = q.accepted ? 'Accepted' : q.declined ? 'Declined' : 'Expired';
    parts.push(el('span', { class: 'of-quotes-when' }, `${word} `, el('time', { datetime: answered }, dateShort(answered, tz))));
  }
  return parts.length ? parts : el('span', { class: 'of-muted' }, q.status === 'draft' ? 'Not sent' : '–');
}

function table(quotes, tz, pageNumber, status) {
  return el('div', { class: 'of-table-wrap' }, el('table', { class: 'of-table of-quotes-table' },
    el('caption', { class: 'of-visually-hidden' }, `${status ? `${STATUS_LABEL[status]} quotes` : 'Quotes'}, page ${pageNumber}`),
    el('thead', {}, el('tr', {}, ['Reference', 'Customer', 'Title', 'Total', 'Status', 'Sent / answered', 'Valid until']
      .map((h) => el('th', { scope: 'col', class: h === 'Total' ? 'of-num' : null }, h)))),
    el('tbody', {}, quotes.map((q) => el('tr', { 'data-quote': q.quote_id },
      el('th', { scope: 'row' }, el('a', { href: `#/quotes/${encodeURIComponent(q.quote_id)}` }, referenceOf(q))),
      el('td', {}, (q.customer && q.customer.name) || '–'),
      el('td', {}, q.title || el('span', { class: 'of-muted' }, 'Untitled')),
      el('td', { class: 'of-num' }, money(totalsOf(q).total_cents)),
      el('td', {}, statusChip(q.status)),
      el('td', { class: 'of-quotes-when-cell' }, whenCell(q, tz)),
      el('td', {}, q.valid_until ? el('time', { datetime: q.valid_until }, dayText(q.valid_until)) : '–'))))));
}

function quotesList(root, ctx) {
  const tz = ctx.business && ctx.business.timezone;
  const heading = el('h1', { class: 'of-title' }, 'Quotes');
  const tabs = el('nav', { class: 'of-quotes-filter', 'aria-label': 'Quotes by status' },
    el('ul', { class: 'of-quotes-filter-list' }, [['', 'All'], ...STATUSES].map(([key, label]) => el('li', {},
      el('a', { class: 'of-quotes-filter-link', href: hashOf(key, null), 'data-filter': key || 'all' }, label)))));
  const results = el('section', { class: 'of-quotes-results', 'aria-labelledby': 'of-quotes-results-h' },
    el('h2', { class: 'of-visually-hidden', id: 'of-quotes-results-h', tabindex: '-1' }, 'Results'),
    el('div', { 'data-rows': true }));
  fill(root, el('div', { class: 'of-quotes' },
    el('div', { class: 'of-screen-head' }, el('div', {}, heading,
      el('p', { class: 'of-subtitle' }, 'Every quote and revision, newest first. A new quote starts from its order’s page.')),
    el('a', { class: 'of-button of-button--secondary', href: '#/orders' }, 'Find an order')),
    tabs, results));

  let loading = 0;
  async function load(query, announce) {
    const mine = ++loading;
    const status = statusOf(query);
    const cursor = query.get('cursor') || null;
    tabs.querySelectorAll('a').forEach((a) => {
      const on = (a.getAttribute('data-filter') === 'all' ? '' : a.getAttribute('data-filter')) === status;
      if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    });
    if (trail.status !== status) { trail.status = status; trail.cursors = []; }
    const at = trail.cursors.indexOf(cursor);
    if (cursor && at === -1) trail.cursors.push(cursor);
    else if (cursor) trail.cursors.length = at + 1;
    else trail.cursors = [];
    const pageNumber = cursor ? trail.cursors.indexOf(cursor) + 2 : 1;
    const box = results.querySelector('[data-rows]');
    box.setAttribute('aria-busy', 'true');
    let answer;
    try {
      answer = (await api('/quotes', { query: { status, cursor, limit: PAGE } })).data || {};
    } catch (error) {
      if (mine !== loading) return;
      box.removeAttribute('aria-busy');
      const stale = error.code === 'invalid_cursor';
      const text = stale ? 'That page link has expired; here is the first page.' : error.message;
      fill(box, alertBox('error', 'The quotes could not be listed', text,
        stale ? button('First page', () => ctx.go(hashOf(status, null))) : button('Try again', () => load(query, true))));
      alarm(`The quotes could not be listed. ${text}`);
      return;
    }
    if (mine !== loading) return;
    box.removeAttribute('aria-busy');
    const quotes = answer.quotes || [];
    const previous = cursor ? (trail.cursors[trail.cursors.indexOf(cursor) - 1] || null) : undefined;
    const pager = el('nav', { class: 'of-quotes-pager', 'aria-label': 'Pages of quotes' },
      cursor ? el('a', { class: 'of-button of-button--secondary', href: hashOf(status, previous) }, '← Previous page') : null,
      el('span', { class: 'of-muted' }, `Page ${pageNumber}`),
      answer.next_cursor ? el('a', { class: 'of-button of-button--secondary', href: hashOf(status, answer.next_cursor), 'data-next': true }, 'Next page →') : null);
    fill(box,
      quotes.length ? table(quotes, tz, pageNumber, status)
        : el('p', { class: 'of-empty of-card' }, status ? `No ${STATUS_LABEL[status].toLowerCase()} quotes.` : 'There are no quotes yet.'),
      cursor || answer.next_cursor ? pager : null);
    if (announce) say(`${plural(quotes.length, status ? `${STATUS_LABEL[status].toLowerCase()} quote` : 'quote')} on page ${pageNumber}${answer.next_cursor ? '; there are more' : ''}.`);
  }

  load(ctx.query, true);
  return {
    kind: 'quotes-list',
    title: 'Quotes',
    heading,
    update(next) {
      load(next.query, true).then(() => focusOn(results.querySelector('#of-quotes-results-h'), false));
    },
  };
}

export { quotesList, hashOf };
