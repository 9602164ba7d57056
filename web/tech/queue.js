/* The queue of changes (moves, notes, items, photos, the signature) and their replay.
 *
 * Every change is first written to the queue in IndexedDB with an Idempotency-Key made once,
 * when the technician acts. The queue is sent in order, one change at a time, whenever the app
 * starts, the phone comes back online, a change is added, or a retry timer (2 s doubling to
 * 60 s, plus a check every 30 s) fires; a replay carries the same key and the same body, so the
 * server answers it with its first answer. A refused change (409, 422, 403, 404) stays as a
 * problem until the technician sends it again or discards it. The server binds a key to one
 * route and one body: a photo's upload form has a key of its own (`uploadKey`), and a change the
 * server says was sent before in another form (422 `idempotency_key_reused`) goes again, if the
 * technician says so, as a new change with a new key.
 *
 * Each change carries `done_at`, the time the technician did it (stamped here, when it is queued,
 * not when it is sent): the server keeps it as the entry's time (bounded: not in the future, not
 * before the order existed, a move not before the order's latest history entry) next to
 * `recorded_at`, when it arrived. It is part of the body, so every replay sends the same body. */

import { ApiError, api, fetchWithin, uuid, signedIn, me } from './api.js';
import { refreshView, changed, setNetwork, sessionExpired } from './app.js';
import { MOVES, state, rememberOrder, rememberQuote, priceItem, stepLabel, loadOrder } from './data.js';
import { say, alarm } from './dom.js';
import { plural, megabytes, shorten } from './format.js';
import { store } from './store.js';

var UPLOAD_TIMEOUT_MS = 120000;
var RETRY_FIRST_MS = 2000;
var RETRY_MAX_MS = 60000;
var CHECK_EVERY_MS = 30000;
var SERVER_ERROR_TRIES = 8;

// --- the queue ----------------------------------------------------------------------------

var queue = []; // every queued change, oldest first (a mirror of IndexedDB "queue")
var sendingSeq = null;
var objectUrls = {};

function loadQueue() {
  return store.all('queue').then(function (rows) {
    queue = rows.sort(function (a, b) { return a.seq - b.seq; });
    // A change marked as sending when the app closed is simply waiting again.
    queue.forEach(function (item) { if (item.status === 'sending') item.status = 'pending'; });
  }).catch(function () { queue = []; });
}

function mine() { return queue.filter(function (item) { return item.user === me(); }); }
function forOrder(orderId) { return mine().filter(function (item) { return item.order_id === orderId; }); }
function waiting() { return mine().filter(function (item) { return item.status !== 'failed'; }); }
function problems() { return mine().filter(function (item) { return item.status === 'failed'; }); }

function persist(item) {
  return store.put('queue', item).catch(function () {});
}

/** The version a new move should expect: what the technician sees, plus one for each of
 * their own changes to the order still waiting ahead of it (each change adds one). */
function expectedVersion(orderId) {
  var order = state.orders[orderId];
  var base = order ? order.version : (state.jobs[orderId] || {}).version || 1;
  return base + forOrder(orderId).filter(function (i) { return i.status !== 'failed'; }).length;
}

/** After a problem is resolved: the waiting changes of the order count again from `version`. */
function rebase(orderId, version) {
  var v = version;
  forOrder(orderId).forEach(function (item) {
    if (item.status === 'failed') return;
    if (item.type === 'transition') {
      item.body.expected_version = v;
      persist(item);
    }
    v += 1;
  });
}

function enqueue(type, orderId, body, extra) {
  var item = {
    user: me(),
    key: uuid(), // once per action; every replay sends the same key
    type: type,
    order_id: orderId,
    body: body,
    status: 'pending',
    created_at: new Date().toISOString(),
    attempts: 0,
  };
  Object.keys(extra || {}).forEach(function (k) { item[k] = extra[k]; });
  item.body.done_at = item.created_at; // when it was done, whenever it is sent (and in every replay)
  if (type === 'transition') item.body.expected_version = expectedVersion(orderId);
  queue.push(item);
  return store.put('queue', item).then(function (seq) {
    item.seq = seq;
    changed();
    sendSoon();
    return item;
  }, function () {
    // Not saved on the phone (storage full?): it still goes out now, but says so.
    item.seq = -Date.now();
    changed();
    sendSoon();
    alarm('This phone could not save the change; keep the app open until it is sent.');
    return item;
  });
}

function drop(item) {
  queue = queue.filter(function (i) { return i !== item; });
  if (objectUrls[item.seq]) { URL.revokeObjectURL(objectUrls[item.seq]); delete objectUrls[item.seq]; }
  return store.del('queue', item.seq).catch(function () {});
}

/** What the change is, in a few words: "Note: “Replaced the…”". */
function describe(item) {
  var body = item.body || {};
  switch (item.type) {
    case 'transition': return MOVES[body.to] ? MOVES[body.to].button : 'Move to ' + stepLabel(body.to);
    case 'note': return 'Note: “' + shorten(body.text, 40) + '”';
    case 'line_item': {
      var p = priceItem(body.price_item_id);
      return 'Item: ' + body.quantity + ' × ' + (p ? p.name : item.item_name || body.price_item_id);
    }
    case 'photo': return 'Photo' + (item.photo && item.photo.size ? ' (' + megabytes(item.photo.size) + ')' : '');
    case 'signature': return 'Signature of ' + body.signed_by;
    case 'quote': return 'Quote' + (body.title ? ': “' + shorten(body.title, 40) + '”' : '') + ' to ' + (item.customer_email || 'the customer');
    default: return 'Change';
  }
}

// Sending, one change at a time, oldest first.

var flushing = null;
var flushAgain = false;
var retryTimer = null;
var retryDelay = 0;

function sendSoon() { setTimeout(flush, 0); }

/** "Send now": straight away, without waiting for the retry timer. */
function flushNow() {
  retryDelay = 0;
  return flush();
}

function flush() {
  if (flushing) { flushAgain = true; return flushing; }
  clearTimeout(retryTimer);
  retryTimer = null;
  state.retryAt = null;
  flushing = (async function () {
    try {
      do { flushAgain = false; await flushOnce(); } while (flushAgain);
    } finally {
      flushing = null;
      changed();
    }
  })();
  return flushing;
}

async function flushOnce() {
  if (!signedIn() || !mine().length) return;
  if (navigator.onLine === false) { setNetwork('offline'); return; }
  var blocked = {}; // orders with a problem: their later moves wait until it is resolved
  var items = mine().slice();
  var sentAny = false;
  for (var i = 0; i < items.length; i++) {
    var item = items[i];
    if (queue.indexOf(item) < 0) continue; // discarded meanwhile
    if (item.status === 'failed') { blocked[item.order_id] = true; continue; }
    if (item.type === 'transition' && blocked[item.order_id]) continue;
    sendingSeq = item.seq;
    if (!item.tried) { item.tried = true; persist(item); } // from now on it may have arrived
    changed();
    try {
      var order = await send(item);
      sendingSeq = null;
      if (item.type === 'quote') rememberQuote(order);
      else if (order && order.order_id) rememberOrder(order);
      drop(item);
      // A sent quote moved the estimate on (to `quoted`) on the server: read the order again.
      if (item.type === 'quote') loadOrder(item.order_id).then(function () { changed(); }).catch(function () {});
      sentAny = true;
      retryDelay = 0;
      setNetwork('online');
    } catch (error) {
      sendingSeq = null;
      if (!(error instanceof ApiError)) error = new ApiError(0, 'client', String(error && error.message || error), null);
      if (error.status === 401) { sessionExpired(); return; }
      if (isTemporary(item, error)) {
        item.attempts += 1;
        persist(item);
        setNetwork(error.status === 0 ? 'unreachable' : 'online');
        retryLater();
        return;
      }
      await refuse(item, error);
      blocked[item.order_id] = true;
    } finally {
      changed();
    }
  }
  if (sentAny && !waiting().length) {
    say(problems().length ? 'Changes sent, except ' + plural(problems().length, 'problem', 'problems') + ' to look at.' : 'All changes sent.');
    refreshView({ quiet: true });
  }
}

function isTemporary(item, error) {
  if (error.status === 0 || error.status === 408 || error.status === 429) return true;
  if (error.status >= 500) return item.attempts < SERVER_ERROR_TRIES;
  // 409 on a note, an item, a photo or the signature: someone wrote at the same moment.
  // (A quote's 409 says the order cannot take it, e.g. it was closed: that is for the technician.)
  if (error.status === 409 && item.type !== 'transition' && item.type !== 'quote') return item.attempts < SERVER_ERROR_TRIES;
  // The photo's upload did not arrive (e.g. the upload was cut off): upload it again.
  if (error.status === 422 && item.type === 'photo' && error.code === 'upload_missing') return item.attempts < 3;
  return false;
}

async function refuse(item, error) {
  item.status = 'failed';
  item.error = { status: error.status, code: error.code, message: error.message, details: error.details };
  item.failed_at = new Date().toISOString();
  await persist(item);
  changed();
  alarm(problemTitle(item) + ': ' + describe(item) + '. ' + error.message);
  // Show the order as it is now next to the problem.
  if (error.status === 409 || error.status === 422) {
    loadOrder(item.order_id).then(function () { changed(); }).catch(function () {});
  }
}

function retryLater() {
  retryDelay = retryDelay ? Math.min(RETRY_MAX_MS, retryDelay * 2) : RETRY_FIRST_MS;
  var delay = retryDelay + Math.floor(Math.random() * 500);
  state.retryAt = Date.now() + delay;
  clearTimeout(retryTimer);
  retryTimer = setTimeout(flush, delay);
  changed();
}

async function send(item) {
  var id = encodeURIComponent(item.order_id);
  var body = item.body;
  switch (item.type) {
    case 'transition':
      return (await api('/orders/' + id + '/transitions', {
        method: 'POST', key: item.key,
        body: { to: body.to, note: body.note || null, expected_version: body.expected_version, done_at: body.done_at },
      })).data;
    case 'note':
      return (await api('/orders/' + id + '/notes', { method: 'POST', key: item.key, body: { text: body.text, done_at: body.done_at } })).data;
    case 'line_item':
      return (await api('/orders/' + id + '/line-items', {
        method: 'POST', key: item.key, body: { price_item_id: body.price_item_id, quantity: body.quantity, done_at: body.done_at },
      })).data;
    case 'line_item_change': // a quantity changed or a line removed (views/job-record.js)
      return (await api('/orders/' + id + '/line-items/' + encodeURIComponent(body.line_id), body.remove
        ? { method: 'DELETE', key: item.key } : { method: 'PATCH', key: item.key, body: { quantity: body.quantity } })).data;
    case 'signature':
      return (await api('/orders/' + id + '/signature', {
        method: 'POST', key: item.key,
        body: { image_png_base64: body.image_png_base64, signed_by: body.signed_by, done_at: body.done_at },
      })).data;
    case 'photo':
      return sendPhoto(item);
    case 'quote': // built in views/quote.js: created and sent to the customer in one request
      return (await api('/orders/' + id + '/quotes', { method: 'POST', key: item.key, body: quoteBody(body) })).data;
    default:
      throw new ApiError(400, 'unknown_change', 'The app does not know how to send this change.', null);
  }
}

/** What POST /orders/{id}/quotes takes: the quote's fields (not the queue's `done_at`), sent now. */
function quoteBody(body) {
  var out = { kind: body.kind, lines: body.lines, valid_until: body.valid_until, send: true };
  ['title', 'service_id', 'notes'].forEach(function (k) { if (body[k]) out[k] = body[k]; });
  return out;
}

/** The key of a photo's upload form: its own (a key belongs to one route), made from the
 * change's key, so every replay asks for the same photo id. */
function uploadKey(item) { return item.key + '.upload'; }

/** A photo: ask for an upload form (the same key gives the same photo id), post the image
 * straight to the file store, then attach it; the server checks the upload arrived. */
async function sendPhoto(item) {
  var id = encodeURIComponent(item.order_id);
  var photo = item.photo;
  var ticket = (await api('/orders/' + id + '/photos/upload-url', {
    method: 'POST', key: uploadKey(item), body: { content_type: photo.type, size_bytes: photo.size },
  })).data;
  var form = new FormData();
  Object.keys(ticket.upload.fields || {}).forEach(function (name) { form.append(name, ticket.upload.fields[name]); });
  form.append('file', photo.blob, photo.name || 'photo');
  await upload(ticket.upload.url, form);
  try {
    return (await api('/orders/' + id + '/photos', {
      method: 'POST', key: item.key, body: { photo_id: ticket.photo_id, done_at: (item.body || {}).done_at },
    })).data;
  } catch (error) {
    if (error.status === 422 && /upload/i.test(JSON.stringify(error.details || '') + error.message)) {
      error.code = 'upload_missing';
    }
    throw error;
  }
}

/** POST the form to the file store. When the browser may not read the answer (no CORS on the
 * bucket) it is sent again without reading it; attaching then tells whether it arrived. */
async function upload(url, form) {
  var response;
  try {
    response = await fetchWithin(url, { method: 'POST', body: form, credentials: 'omit' }, UPLOAD_TIMEOUT_MS);
  } catch (e) {
    if (navigator.onLine === false) throw e;
    await fetchWithin(url, { method: 'POST', body: form, mode: 'no-cors', credentials: 'omit' }, UPLOAD_TIMEOUT_MS);
    return;
  }
  if (!response.ok) {
    var status = response.status >= 500 ? response.status : 422;
    throw new ApiError(status, 'upload_refused', 'The file store refused the photo (error ' + response.status + ').', null);
  }
}

async function retry(item) {
  // A move goes again with the order's current version (looked up now when there is a signal).
  try { await loadOrder(item.order_id); } catch (e) { /* offline: the last known version */ }
  // The server has this key for an earlier form of the change: sending it again, now that the
  // technician has seen the job as it is, is a new change, with a new key.
  if (item.error && item.error.code === 'idempotency_key_reused') item.key = uuid();
  // The server refused the time it was done (this phone's clock is far off): it goes again
  // without one, so the server's time is used. (A refused change bound no key.)
  if (item.error && /done_at/.test(JSON.stringify(item.error.details || ''))) delete item.body.done_at;
  item.status = 'pending';
  item.error = null;
  item.attempts = 0;
  item.tried = false; // refused, so not applied
  await requeue(item);
  var order = state.orders[item.order_id];
  if (order) rebase(item.order_id, order.version);
  changed();
  say(describe(item) + ': sending again.');
  flush();
}

/** Sending again is a new attempt, made now: the change and the later moves of the order that
 * waited behind it go to the end of the queue (keeping their order and their keys), so what the
 * technician did meanwhile to fix the problem (an item, the signature) goes first. */
async function requeue(item) {
  var group = [item].concat(forOrder(item.order_id).filter(function (i) {
    return i.seq > item.seq && i.type === 'transition' && i.status !== 'failed';
  }));
  for (var i = 0; i < group.length; i++) {
    var change = group[i];
    await store.del('queue', change.seq).catch(function () {});
    var url = objectUrls[change.seq];
    delete objectUrls[change.seq];
    delete change.seq;
    queue = queue.filter(function (q) { return q !== change; });
    queue.push(change);
    change.seq = await store.put('queue', change).catch(function () { return -Date.now(); });
    if (url) objectUrls[change.seq] = url;
  }
}

async function discard(item) {
  await drop(item);
  var order = state.orders[item.order_id];
  if (order) rebase(item.order_id, order.version);
  changed();
  say(describe(item) + ': discarded.');
  flush();
}

function problemTitle(item) {
  var e = item.error || {};
  if (item.type === 'quote') {
    if (e.status === 422) return 'The quote needs a change before it can be sent';
    if (e.status === 403) return 'You are not allowed to send this quote';
    if (e.status === 409) return 'This job cannot take a quote now';
  }
  if (e.status === 409) return 'The office changed this job';
  if (e.code === 'exit_conditions_unmet') return item.body && item.body.to === 'completed' ? 'The job cannot be completed yet' : 'This step cannot be taken yet';
  if (e.status === 403) return 'You are not allowed to do this';
  if (e.status === 404) return 'This job is no longer on your list';
  if (e.status === 413) return 'This is too large to send';
  if (e.code === 'idempotency_key_reused') return 'This change was already sent in another form';
  if (e.code === 'limit_reached') return 'This job cannot take more of these';
  return 'The server refused a change';
}

/** A URL for the image of a queued photo (made once; revoked when the change is dropped). */
function objectUrl(item) {
  if (!objectUrls[item.seq] && item.photo && item.photo.blob) objectUrls[item.seq] = URL.createObjectURL(item.photo.blob);
  return objectUrls[item.seq] || '';
}

// --- when to send ------------------------------------------------------------------------

window.addEventListener('online', function () {
  setNetwork('online');
  retryDelay = 0;
  say('Back online.' + (waiting().length ? ' Sending ' + plural(waiting().length, 'change', 'changes') + '.' : ''));
  flush();
  refreshView({ quiet: true });
});
window.addEventListener('offline', function () {
  setNetwork('offline');
  say('You are offline. Changes are kept on this phone.');
});
document.addEventListener('visibilitychange', function () {
  if (document.visibilityState === 'visible') flush();
});
setInterval(function () {
  if (waiting().length && !flushing && !retryTimer) flush();
}, CHECK_EVERY_MS);

export { queue, sendingSeq, loadQueue, mine, forOrder, waiting, problems, enqueue, drop, describe, problemTitle, flush, flushNow, retry, discard, objectUrl };
