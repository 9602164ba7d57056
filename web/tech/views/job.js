/* A job: its head (when, step, address, phone), the problems with its changes and its sections
 * (views/job-actions.js, views/job-record.js); and the pieces other views share: the "no signal"
 * notice, the "waiting to send" marker, who made a change, the card of a refused change. */

import { me } from '../api.js';
import { sessionExpired } from '../app.js';
import { MOVES, state, loadOrder, overlay, basicOrder } from '../data.js';
import { el, fill, hidden, focusOn, alarm, mapIcon, phoneIcon } from '../dom.js';
import { plural, capital, today, dayOf, dayShort, relativeDay, when, span } from '../format.js';
import { forOrder, describe, problemTitle, retry, discard } from '../queue.js';
import { kept } from '../store.js';
import { actionsSection } from './job-actions.js';
import { quoteSection } from './job-quote.js';
import { itemsSection, notesSection, photosSection, signatureSection, historySection } from './job-record.js';

// --- a job --------------------------------------------------------------------------------

function jobView(orderId) {
  var heading = el('h1', { class: 'tc-title', tabindex: '-1' }, 'Job');
  var back = el('a', { class: 'tc-back', href: '#/' }, el('span', { class: 'tc-chevron', 'aria-hidden': 'true' }), 'My day');
  var problemsBox = el('div', {});
  var notice = el('div', {});
  var head = el('section', { class: 'tc-section tc-jobhead', 'aria-labelledby': 'tc-job-title' });
  heading.id = 'tc-job-title';
  var loading = el('p', { class: 'tc-loading' }, 'Loading the job…');
  var body = el('div', { hidden: true });
  var order = null; // the server's order
  var view = null; // with the waiting changes applied

  // sections, each built once; their lists refresh on update(). They read the order and the
  // view through `ctx`, so they always see the current ones.
  var ctx = { orderId: orderId, get order() { return order; }, get view() { return view; } };
  var actions = actionsSection(ctx);
  var quote = quoteSection(ctx);
  var items = itemsSection(ctx);
  var notes = notesSection(ctx);
  var photos = photosSection(ctx);
  var signature = signatureSection(ctx);
  var history = historySection(ctx);
  body.append(actions.element, quote.element, items.element, notes.element, photos.element, signature.element, history.element);

  function update() {
    if (!order) return;
    order = state.orders[orderId] || order;
    view = overlay(order);
    var job = state.jobs[orderId];
    back.setAttribute('href', job && job.date ? '#/day/' + job.date : '#/');
    back.lastChild.textContent = job && job.date && job.date !== today() ? dayShort(job.date) : 'My day';
    heading.textContent = view.customer.name;
    renderHead();
    renderProblems();
    fill(notice, offlineNotice(state.offline[orderId]));
    actions.update();
    quote.update();
    items.update();
    notes.update();
    photos.update();
    signature.update();
    history.update();
    document.title = view.customer.name + ' – My jobs';
  }

  function renderHead() {
    var a = view.address;
    var address = [a.street, [a.city, a.postcode].filter(Boolean).join(' ')].filter(Boolean).join(', ');
    var job = state.jobs[orderId];
    var maps = view.maps_url || (job && job.maps_url);
    var day = view.appointment && view.appointment.start ? dayOf(view.appointment.start) : null;
    var hadFocus = document.activeElement === heading; // moving the heading would drop the focus
    fill(head, 
      el('div', { class: 'tc-jobhead-top' },
        el('p', { class: 'tc-jobhead-when' }, day ? (relativeDay(day) || dayShort(day)) + ', ' + span(view.appointment) : 'No time set'),
        heading,
        el('div', { class: 'tc-jobhead-step' },
          el('span', { class: 'tc-chip tc-chip--' + view.step }, hidden('Step: '), view.step_label),
          pendingMark(view.stepWaiting)),
        el('p', { class: 'tc-jobhead-service' }, view.service_name),
        view.description ? el('p', { class: 'tc-jobhead-desc' }, view.description) : null,
        el('p', { class: 'tc-jobhead-ref' }, 'Reference ' + view.order_id)),
      el('div', { class: 'tc-contact' },
        el('div', { class: 'tc-contact-row' },
          el('p', { class: 'tc-contact-text' }, el('span', { class: 'tc-contact-label' }, 'Address'), address),
          el('a', { class: 'tc-button tc-button--secondary tc-button--small', href: maps, target: '_blank', rel: 'noopener' },
            mapIcon(), 'Directions', hidden(' (opens maps)'))),
        view.customer.phone ? el('div', { class: 'tc-contact-row' },
          el('p', { class: 'tc-contact-text' }, el('span', { class: 'tc-contact-label' }, 'Phone'), view.customer.phone),
          el('a', { class: 'tc-button tc-button--secondary tc-button--small', href: 'tel:' + view.customer.phone.replace(/[^\d+]/g, '') },
            phoneIcon(), 'Call', hidden(' ' + view.customer.name))) : null));
    if (hadFocus) heading.focus({ preventScroll: true });
  }

  function renderProblems() {
    var failed = forOrder(orderId).filter(function (i) { return i.status === 'failed'; });
    var focusWasInside = problemsBox.contains(document.activeElement);
    fill(problemsBox, failed.map(function (item) { return problemCard(item, order); }));
    if (focusWasInside) focusOn(problemsBox.querySelector('.tc-alert') || heading);
  }

  async function reload(options) {
    options = options || {};
    if (!order) {
      var known = state.orders[orderId] || (await kept('order:' + orderId) || {}).value;
      if (known) { order = known; state.orders[orderId] = state.orders[orderId] || known; showBody(); }
    }
    try {
      var result = await loadOrder(orderId);
      order = result.order;
      showBody();
    } catch (error) {
      if (error.status === 401) { sessionExpired(); return; }
      if (order) { state.offline[orderId] = state.offline[orderId] || 'unknown'; update(); return; }
      var job = state.jobs[orderId];
      if (error.status === 0 && job) {
        // Never opened with a signal: what the day's list knows is enough to work on.
        order = basicOrder(job);
        state.orders[orderId] = order;
        state.offline[orderId] = 'unknown';
        showBody();
        return;
      }
      fill(loading);
      loading.replaceWith(el('div', { class: 'tc-alert tc-alert--error', role: 'group', 'aria-labelledby': 'tc-load-error' },
        el('h2', { class: 'tc-alert-title', id: 'tc-load-error' },
          error.status === 404 ? 'This job is not on your list' : error.status === 0 ? 'No signal, and this job is not on the phone' : 'The job could not be loaded'),
        el('p', {}, error.status === 404 ? 'The office may have given it to someone else.' : error.status === 0 ? 'Jobs you opened with a signal stay on the phone. Try again when you are back online.' : error.message),
        el('div', { class: 'tc-button-row' }, el('a', { class: 'tc-button tc-button--secondary', href: '#/' }, 'Back to my day'))));
      heading.textContent = 'Job not available';
      if (!options.quiet) alarm('The job could not be loaded.');
    }
  }

  function showBody() {
    loading.hidden = true;
    body.hidden = false;
    update();
  }

  function leave() { signature.leave(); }

  reload();
  var element = el('div', {}, back, problemsBox, notice, head, loading, body);
  head.append(el('div', { class: 'tc-jobhead-top' }, heading));
  return { name: 'job', element: element, heading: heading, title: 'Job', update: update, reload: reload, leave: leave };
}

// --- shared by the views ----------------------------------------------------------------

/** The line shown when the screen comes from the copy kept on the phone. */
function offlineNotice(savedAt) {
  if (!savedAt) return null;
  return el('p', { class: 'tc-offline-copy' }, el('strong', {}, 'No signal. '),
    'Showing the copy kept on this phone' + (savedAt !== 'unknown' && dayOf(savedAt) ? ', saved ' + when(savedAt) : '') + '.');
}

function pendingMark(mark, text) {
  if (!mark || !mark.waiting) return null;
  return el('span', { class: 'tc-pending' + (mark.sending ? ' tc-pending--sending' : '') },
    mark.sending ? 'Sending…' : text || 'Waiting to send');
}

/** Who made a change: "You", or the office (the API gives ids; a technician sees only their
 * own orders, so anyone else is the office, the booking system or the customer). */
function who(id) {
  if (!id) return '';
  if (id === me()) return 'You';
  if (id === 'system') return 'Automatic';
  if (id === 'customer') return 'The customer';
  return 'Office (' + id + ')';
}

/** A problem with a change, shown until the technician sends it again or discards it. */
function problemCard(item, order) {
  var e = item.error || {};
  var titleId = 'tc-problem-' + item.seq;
  var details = e.details || {};
  var unmet = Array.isArray(details.unmet_conditions) ? details.unmet_conditions : [];
  var isMove = item.type === 'transition';
  var later = forOrder(item.order_id).filter(function (i) { return i.seq > item.seq && i.status !== 'failed' && i.type === 'transition'; }).length;
  var why;
  if (e.status === 409 && isMove) why = ': the office changed the job after you opened it.';
  else if (unmet.length) why = '. Still needed:';
  else if (e.status === 404) why = ': the office may have given the job to someone else.';
  else if (e.code === 'idempotency_key_reused') why = ': the office already has an earlier form of it. Check the job below.';
  else why = '.';
  var retryWords = isMove && e.status === 409 ? 'Send again' : e.code === 'idempotency_key_reused' ? 'Send as new' : 'Try again';
  return el('div', { class: 'tc-alert tc-alert--error', role: 'group', 'aria-labelledby': titleId, tabindex: '-1', 'data-problem': item.seq },
    el('h2', { class: 'tc-alert-title', id: titleId }, problemTitle(item)),
    el('p', {}, el('span', { class: 'tc-alert-what' }, describe(item)), ' was not accepted', why),
    unmet.length ? el('ul', { class: 'tc-alert-list' }, unmet.map(function (u) { return el('li', {}, capital(u.message || u.condition)); })) : null,
    !unmet.length && e.message ? el('p', { class: 'tc-alert-server' }, el('span', { class: 'tc-alert-server-label' }, 'Server: '), e.message) : null,
    order ? el('p', { class: 'tc-alert-state' }, 'The job now: ', el('strong', {}, order.step_label), lastChange(order)) : null,
    el('p', {}, isMove && e.status === 409 ? 'Send it again if it still applies, or discard it.'
      : e.code === 'idempotency_key_reused' ? 'Send it as a new change if it still applies, or discard it.'
      : unmet.length ? 'Do what is missing, then try again; or discard it.' : 'Try again, or discard it.'),
    later ? el('p', {}, plural(later, 'later step waits', 'later steps wait') + ' until this is resolved.') : null,
    el('div', { class: 'tc-button-row' },
      el('button', { type: 'button', class: 'tc-button', 'aria-label': retryWords + ': ' + describe(item), onclick: function () { retry(item); } }, retryWords),
      el('button', { type: 'button', class: 'tc-button tc-button--danger-text', 'aria-label': 'Discard: ' + describe(item), onclick: function () { discard(item); } },
        'Discard')));
}

function verb(step) { return MOVES[step] ? MOVES[step].verb : 'move on'; }

function lastChange(order) {
  var last = order.history && order.history[order.history.length - 1];
  if (!last) return '';
  return ', moved by ' + (last.by === me() ? 'you' : who(last.by).replace(/^Office/, 'the office').replace(/^The/, 'the')) + (last.at ? ' ' + when(last.at) : '') + '.';
}

export { jobView, offlineNotice, pendingMark, who, problemCard, verb };
