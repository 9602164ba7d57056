/* The technician's app: the day's jobs, a job's details and everything a technician records on
 * site (moves, notes, items, photos, the customer's signature), built to work on a flaky signal.
 *
 * Plain JavaScript modules, no build step, no dependencies. Served from /tech/ next to the API.
 * This module is the entry (index.html loads it): the page around the views (the bar, the
 * connection line, signing out), the router, the start and the service worker. The others:
 *   dom.js, format.js          elements, live regions and icons; words, dates, times and money
 *   api.js                     the API client and the session
 *   store.js, queue.js         IndexedDB; the queue of changes and its replay
 *   data.js                    what the app knows: orders, jobs, price list, process map
 *   signature.js               the signature pad
 *   views/*.js                 the screens: signin, day, job (job-actions, job-quote, job-record),
 *                              quote (the quote builder, quote-totals), changes
 *
 * How changes reach the server
 *   Every change the technician makes is first written to a queue in IndexedDB (a photo keeps
 *   its image as a Blob) with an Idempotency-Key made once, when the technician acts. The queue
 *   is sent in order, one change at a time, whenever the app starts, the phone comes back online,
 *   a change is added, or a retry timer (2 s doubling to 60 s, plus a check every 30 s) fires.
 *   A replay carries the same key, so the server never applies a change twice.
 *   Until a change is sent, the job is shown as if it had been (a note in the list, the step
 *   moved on) with a "waiting to send" marker; the bar counts what is still waiting.
 *   A move carries the order version the technician saw (plus one for each of their own changes
 *   queued before it). When the office changed the order meanwhile the server answers 409, and
 *   the app shows the conflict with the order as it is now; refusals (422, 403, 404) are shown
 *   with the server's message. Nothing is dropped: the technician sends it again (a move with the
 *   current version) or discards it.
 *
 * Reads (jobs, a job, the price list, the process map) go to the network first; the service
 * worker (sw.js) and the app's own copy in IndexedDB answer when there is no signal.
 */

import { session, saveSession, forgetSession, signedIn, prefs } from './api.js';
import { state, loadReference } from './data.js';
import { el, fill, focusOn, say, alarm, wifiOffIcon } from './dom.js';
import { plural, validDay } from './format.js';
import { queue, loadQueue, mine, waiting, problems, flush } from './queue.js';
import { store } from './store.js';
import { changesView } from './views/changes.js';
import { dayView } from './views/day.js';
import { jobView } from './views/job.js';
import { quoteView } from './views/quote.js';
import { signInView } from './views/signin.js';

// --- the shell: bar, connection line ------------------------------------------------------

var barTools = document.querySelector('[data-bar-tools]');
var connection = document.querySelector('[data-connection]');
var businessName = document.querySelector('[data-business-name]');

function renderBusinessName() {
  businessName.textContent = signedIn() && prefs.business ? prefs.business : '';
}

function renderBar() {
  if (!signedIn()) { barTools.hidden = true; fill(barTools); return; }
  var count = waiting().length;
  var failed = problems().length;
  var sync;
  if (failed) {
    sync = el('a', { class: 'tc-sync tc-sync--problem', href: '#/changes', title: 'Changes the server refused: decide what to do' },
      el('span', { class: 'tc-sync-dot', 'aria-hidden': 'true' }), failed === 1 ? '1 problem' : failed + ' problems');
  } else if (count) {
    sync = el('a', { class: 'tc-sync tc-sync--pending', href: '#/changes', title: plural(count, 'change', 'changes') + ' waiting to send' },
      el('span', { class: 'tc-sync-count' }, String(count)), ' to send');
  } else {
    sync = el('a', { class: 'tc-sync', href: '#/changes', title: 'Everything has reached the office' },
      el('span', { class: 'tc-sync-dot', 'aria-hidden': 'true' }), 'All sent');
  }
  sync.setAttribute('data-sync', '');
  var signOut = el('button', { type: 'button', class: 'tc-signout', onclick: confirmSignOut }, 'Sign out');
  fill(barTools, sync, signOut);
  barTools.hidden = false;
}

function renderConnection() {
  var message = null;
  if (signedIn() && state.network === 'offline') {
    message = 'You are offline. Your changes are kept on this phone and sent when you are back online.';
  } else if (signedIn() && state.network === 'unreachable') {
    message = 'The server cannot be reached. Your changes are kept and sent again shortly.';
  }
  if (!message) { connection.hidden = true; fill(connection); return; }
  fill(connection, el('div', { class: 'tc-connection-inner' }, wifiOffIcon(), el('p', {}, message)));
  connection.hidden = false;
}

// --- network state ------------------------------------------------------------------------

function setNetwork(value) {
  if (state.network === value) return;
  state.network = value;
  renderConnection();
  renderBar();
}

var appRoot = document.querySelector('[data-app]');

// --- routing ------------------------------------------------------------------------------

var current = null; // the view on screen: {name, update(), ...}

function route() {
  var hash = location.hash.replace(/^#\/?/, '');
  var parts = hash.split('/');
  if (parts[0] === 'job' && parts[1] && parts[2] === 'quote') return { name: 'quote', id: decodeURIComponent(parts[1]) };
  if (parts[0] === 'job' && parts[1]) return { name: 'job', id: decodeURIComponent(parts[1]) };
  if (parts[0] === 'day' && validDay(parts[1])) return { name: 'day', date: parts[1] };
  if (parts[0] === 'changes') return { name: 'changes' };
  return { name: 'day', date: null };
}

function show(options) {
  options = options || {};
  renderBar();
  renderConnection();
  renderBusinessName();
  var next = route();
  if (signedIn() && current && current.name === 'day' && next.name === 'day' && !options.message) {
    current.setDate(next.date); // the same screen, another day: the focus stays on the day buttons
    return;
  }
  if (current && current.leave) current.leave();
  if (!signedIn()) {
    current = signInView(options.message);
  } else {
    if (next.name === 'job') current = jobView(next.id);
    else if (next.name === 'quote') current = quoteView(next.id);
    else if (next.name === 'changes') current = changesView();
    else current = dayView(next.date);
  }
  fill(appRoot, current.element);
  if (current.title) document.title = current.title + ' – My jobs';
  if (options.focus !== false && current.heading) {
    focusOn(current.heading, false);
    window.scrollTo(0, 0);
  }
}

window.addEventListener('hashchange', function () { show(); });

/** Queue or data changed: refresh the bar and whatever is on screen (without losing input). */
var changePending = false;
function changed() {
  if (changePending) return;
  changePending = true;
  Promise.resolve().then(function () {
    changePending = false;
    renderBar();
    renderConnection();
    if (current && current.update) current.update();
  });
}

function refreshView(options) {
  if (current && current.reload) current.reload(options || {});
  else changed();
}

// --- the session ------------------------------------------------------------------------

function sessionExpired() {
  saveSession(session ? { user: session.user, token: null, expires_at: 0 } : null);
  var count = queue.filter(function (i) { return session && i.user === session.user.id; }).length;
  show({
    message: {
      title: 'Please sign in again',
      text: 'Your sign-in has expired.' + (count ? ' Your ' + plural(count, 'change is', 'changes are') + ' kept on this phone and sent once you sign in.' : ''),
    },
  });
  alarm('Your sign-in has expired. Please sign in again.');
}

function confirmSignOut() {
  var count = waiting().length + problems().length;
  var dialog = el('dialog', { class: 'tc-dialog', 'aria-labelledby': 'tc-dialog-title' });
  var close = function () { dialog.close(); dialog.remove(); };
  dialog.append(
    el('h2', { class: 'tc-dialog-title', id: 'tc-dialog-title' }, 'Sign out?'),
    el('p', {}, count
      ? 'You have ' + plural(count, 'change', 'changes') + ' not sent yet. They stay on this phone and are sent the next time you sign in.'
      : 'The jobs kept on this phone for offline use are removed.'),
    el('div', { class: 'tc-button-row' },
      el('button', { type: 'button', class: 'tc-button tc-button--secondary', onclick: close }, 'Stay signed in'),
      el('button', { type: 'button', class: 'tc-button', onclick: function () { close(); signOut(); } }, 'Sign out')));
  document.body.appendChild(dialog);
  dialog.addEventListener('cancel', function () { dialog.remove(); });
  if (dialog.showModal) dialog.showModal(); else if (window.confirm('Sign out?')) signOut();
}

async function signOut() {
  var keepQueue = waiting().length + problems().length > 0;
  forgetSession();
  state.orders = {};
  state.jobs = {};
  state.priceList = null;
  state.workflow = null;
  await store.clear('saved').catch(function () {});
  if (!keepQueue) await store.clear('queue').catch(function () {});
  if (navigator.serviceWorker && navigator.serviceWorker.controller) {
    navigator.serviceWorker.controller.postMessage({ type: 'forget-api' });
  }
  if (window.caches) await caches.delete('tech-api-v1').catch(function () {});
  show({ message: { title: 'You have signed out', text: null, kind: 'info' } });
  say('You have signed out.');
}

async function startSession() {
  renderBar();
  await loadQueue();
  loadReference();
  flush();
}

// --- start --------------------------------------------------------------------------------

if ('serviceWorker' in navigator && window.isSecureContext) {
  window.addEventListener('load', function () {
    navigator.serviceWorker.register('sw.js').catch(function () { /* the app works without it, online */ });
  });
}

(async function start() {
  await loadQueue();
  if (signedIn()) {
    loadReference();
    flush();
    show({ focus: false });
  } else if (session && session.user) {
    var count = queue.filter(function (i) { return i.user === session.user.id; }).length;
    show({ focus: false, message: {
      title: 'Please sign in again',
      text: 'Your sign-in has expired.' + (count ? ' Your ' + plural(count, 'change is', 'changes are') + ' kept on this phone and sent once you sign in.' : ''),
    } });
  } else {
    show({ focus: false });
  }
})();

// For tests and debugging: the queue as plain data (no Blobs).
window.techApp = {
  pending: function () { return mine().map(function (i) { return { type: i.type, status: i.status, key: i.key, order_id: i.order_id, error: i.error || null, attempts: i.attempts }; }); },
  flush: flush,
};

export { show, changed, refreshView, renderBusinessName, setNetwork, sessionExpired, startSession };
