/* "Changes on this phone": what is waiting to send, per job, and the problems to decide on. */

import { state } from '../data.js';
import { el, fill, say } from '../dom.js';
import { plural, when } from '../format.js';
import { mine, waiting, problems, describe, flushNow, sendingSeq } from '../queue.js';
import { pendingMark, problemCard } from './job.js';

// --- the changes on this phone ------------------------------------------------------------

function changesView() {
  var heading = el('h1', { class: 'tc-title', tabindex: '-1' }, 'Changes on this phone');
  var intro = el('p', { class: 'tc-subtitle' });
  var sendNow = el('button', { type: 'button', class: 'tc-button', onclick: function () { flushNow(); say('Sending.'); } }, 'Send now');
  var content = el('div', {});
  var offlineHint = el('p', { class: 'tc-offline-copy', hidden: true }, el('strong', {}, 'No signal. '),
    'They are sent by themselves as soon as the phone is back online.');

  function update() {
    var items = mine();
    var count = waiting().length;
    var failed = problems().length;
    intro.textContent = !items.length
      ? 'Everything you recorded has reached the office.'
      : [count ? plural(count, 'change', 'changes') + ' waiting to send' : null,
        failed ? plural(failed, 'problem', 'problems') + ' to decide on' : null].filter(Boolean).join(' and ') +
        '. Changes are sent in the order you made them.';
    sendNow.hidden = !count || state.network === 'offline';
    offlineHint.hidden = !count || state.network !== 'offline';
    var groups = {};
    var order = [];
    items.forEach(function (item) {
      if (!groups[item.order_id]) { groups[item.order_id] = []; order.push(item.order_id); }
      groups[item.order_id].push(item);
    });
    fill(content, order.map(function (id) {
      var o = state.orders[id];
      var j = state.jobs[id];
      var name = o ? o.customer.name : j ? j.customer.name : id;
      return el('section', { class: 'tc-queue-group', 'aria-labelledby': 'tc-q-' + id },
        el('h2', { class: 'tc-queue-group-title', id: 'tc-q-' + id }, el('a', { href: '#/job/' + encodeURIComponent(id) }, name)),
        el('ul', { class: 'tc-queue' }, groups[id].map(function (item) {
          if (item.status === 'failed') {
            return el('li', {}, problemCard(item, state.orders[id]));
          }
          return el('li', { class: 'tc-queue-item' },
            el('div', { class: 'tc-queue-top' },
              el('span', { class: 'tc-queue-what' }, describe(item)),
              pendingMark({ waiting: true, sending: item.seq === sendingSeq })),
            el('p', { class: 'tc-queue-meta' }, 'Made ' + when(item.created_at) + (item.attempts ? ' · ' + plural(item.attempts, 'try', 'tries') + ' so far' : '')));
        })));
    }));
  }
  update();
  var element = el('div', {},
    el('a', { class: 'tc-back', href: '#/' }, el('span', { class: 'tc-chevron', 'aria-hidden': 'true' }), 'My day'),
    el('div', { class: 'tc-view-head' }, heading, intro),
    el('div', { style: 'margin: 0 0 1rem' }, sendNow, offlineHint),
    content);
  return { name: 'changes', element: element, heading: heading, title: 'Changes on this phone', update: update };
}

export { changesView };
