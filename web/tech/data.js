/* What the app knows: the orders, the day's jobs, the price list and the process map, loaded
 * from the network first and from the copies kept on the phone without a signal; and a job as
 * the technician sees it (the server's order plus the changes still waiting to send). */

import { api, prefs, savePrefs, session, signedIn, me } from './api.js';
import { refreshView, renderBusinessName, setNetwork } from './app.js';
import { resetFormatters, today } from './format.js';
import { forOrder, objectUrl, sendingSeq } from './queue.js';
import { keep, kept } from './store.js';

// Words for the moves a technician makes. Other steps the API offers get "Move to <label>".
var MOVES = {
  en_route: { button: 'On my way', verb: 'set off', done: 'You are on your way', kind: 'primary' },
  in_progress: { button: 'Start job', verb: 'start the job', done: 'Job started', kind: 'primary' },
  // An estimate's visit (its map: en_route -> on_site -> quoted): on site is its "Start"; it
  // moves on to `quoted` by sending a quote (views/quote.js), not by a button of its own.
  on_site: { button: 'Start visit', verb: 'start the visit', done: 'You are on site', kind: 'primary' },
  completed: { button: 'Complete job', verb: 'complete the job', done: 'Job completed', kind: 'success' },
  on_hold: { button: 'Put on hold', verb: 'put the job on hold', done: 'Job put on hold', kind: 'hold' },
};
// Exit conditions the technician can meet on site, checked on the phone before a move.
var SITE_CONDITIONS = {
  has_line_items: {
    todo: 'Add at least one item', done: 'Items added', section: 'items',
    met: function (order) { return order.line_items.length > 0; },
  },
  has_signature: {
    todo: "Get the customer's signature", done: 'Customer has signed', section: 'signature',
    met: function (order) { return !!order.signature; },
  },
};

function copy(value) { return JSON.parse(JSON.stringify(value)); }

// --- what the app knows -------------------------------------------------------------------

var state = {
  orders: {}, // order_id -> the newest order the server sent (GET or an action's answer)
  jobs: {}, // order_id -> the job as the day's list gave it (maps_url, date)
  priceList: null, // [{id, name, unit_price_cents, unit}]
  workflow: null, // the process map of the legacy kind, installation (GET /workflow)
  workflows: {}, // kind -> its process map (GET /workflow?kind=), for orders of other kinds
  kinds: null, // the kinds of work with their services (GET /workflow/kinds), for quotes
  business: null, // the business's settings (GET /business): tax, quote validity and deposit
  quotes: {}, // order_id -> the quotes of the order the server sent (GET /orders/{id}/quotes, a send's answer)
  network: navigator.onLine === false ? 'offline' : 'online', // online | offline | unreachable
  retryAt: null,
  offline: {}, // order_id -> when the kept copy on screen was saved (null: fresh from the server)
};

/** Whether a change of the order is being sent, or was sent without an answer (it may have arrived). */
function inFlux(orderId) {
  return forOrder(orderId).some(function (i) {
    return i.seq === sendingSeq || (i.status !== 'failed' && i.tried);
  });
}

function rememberOrder(order) {
  if (!order || !order.order_id) return;
  var known = state.orders[order.order_id];
  if (known && known.version > order.version) return;
  state.orders[order.order_id] = order;
  keep('order:' + order.order_id, order);
}

function priceItem(id) {
  return (state.priceList || []).filter(function (p) { return p.id === id; })[0] || null;
}

/** The kind of work of an order (orders from before kinds are installations). */
function kindOf(order) { return (order && order.kind) || 'installation'; }

/** The process map the order follows: its kind's (the legacy kind's is GET /workflow). */
function workflowFor(order) {
  var kind = kindOf(order);
  var wf = kind === 'installation' ? state.workflows.installation || state.workflow : state.workflows[kind] || null;
  if (!wf || !order || (order.workflow_version && wf.version !== order.workflow_version)) return null;
  return wf;
}

function stepOf(wf, key) {
  return wf ? wf.steps.filter(function (s) { return s.key === key; })[0] || null : null;
}

function stepLabel(key, order) {
  var step = stepOf(workflowFor(order) || (kindOf(order) === 'installation' ? state.workflow : state.workflows[kindOf(order)]), key);
  return step ? step.label : String(key || '').replace(/_/g, ' ').replace(/^./, function (c) { return c.toUpperCase(); });
}

/** The steps this technician may move the order to from `key`, per the process map. */
function nextStepsFrom(key, order) {
  var wf = workflowFor(order);
  var step = stepOf(wf, key);
  if (!step) return null;
  var role = session && session.user ? session.user.role : 'technician';
  return step.next.map(function (k) { return stepOf(wf, k); }).filter(function (s) {
    return s && s.allowed_roles.indexOf(role) >= 0;
  }).map(function (s) { return { key: s.key, label: s.label }; });
}

function loadReference() {
  // The price list, the process map and the business card: loaded once a session, kept offline.
  var jobs = [
    ['/price-list', 'price-list', function (data) {
      state.priceList = (data.items || []).filter(function (p) { return p.active !== false; });
    }],
    ['/workflow', 'workflow', function (data) { state.workflow = data; }],
    ['/workflow/kinds', 'work-kinds', function (data) { state.kinds = data; }],
    ['/business', 'business', function (data) {
      state.business = data;
      savePrefs({ business: data.name || '', currency: data.currency || prefs.currency, timezone: data.timezone || prefs.timezone });
      resetFormatters();
      renderBusinessName();
    }],
  ];
  return Promise.all(jobs.map(function (job) {
    return kept(job[1]).then(function (saved) {
      if (saved) job[2](saved.value);
      return api(job[0]).then(function (r) {
        job[2](r.data);
        if (!r.offlineCopy) keep(job[1], r.data);
      }).catch(function () { /* offline: the kept copy stands */ });
    });
  })).then(function () {
    refreshView();
    // the maps of the other kinds of work (an estimate's steps are not an installation's)
    var others = ((state.kinds && state.kinds.kinds) || []).map(function (k) { return k.key; })
      .filter(function (k) { return k !== 'installation'; });
    return Promise.all(others.map(loadWorkflow)).then(function () { if (others.length) refreshView(); });
  });
}

/** The process map of a kind of work, from the network, else the copy kept on the phone. */
function loadWorkflow(kind) {
  var name = 'workflow:' + kind;
  return kept(name).then(function (saved) {
    if (saved && !state.workflows[kind]) state.workflows[kind] = saved.value;
    return api('/workflow?kind=' + encodeURIComponent(kind)).then(function (r) {
      state.workflows[kind] = r.data;
      if (!r.offlineCopy) keep(name, r.data);
    }).catch(function () { /* offline, or no such kind: the kept copy stands */ });
  });
}

/** The quotes of an order (network first, else the kept copy); resolves the list or null. */
function loadQuotes(orderId) {
  var name = 'quotes:' + orderId;
  return api('/orders/' + encodeURIComponent(orderId) + '/quotes').then(function (r) {
    var data = r.data || {};
    var list = Array.isArray(data) ? data : data.quotes || data.items || [];
    state.quotes[orderId] = list;
    if (!r.offlineCopy) keep(name, list);
    return list;
  }, function (error) {
    if (error.status === 401) throw error;
    return kept(name).then(function (saved) {
      if (saved && !state.quotes[orderId]) state.quotes[orderId] = saved.value;
      return state.quotes[orderId] || null;
    });
  });
}

/** A quote the server answered (a send): it replaces the same quote in the order's list. */
function rememberQuote(quote) {
  if (!quote || !quote.quote_id || !quote.order_id) return;
  var list = (state.quotes[quote.order_id] || []).filter(function (q) { return q.quote_id !== quote.quote_id; });
  list.unshift(quote);
  state.quotes[quote.order_id] = list;
  keep('quotes:' + quote.order_id, list);
}

// --- data loading -------------------------------------------------------------------------

/** The day's jobs: {data, offlineCopy} where offlineCopy says when a kept copy was saved. */
async function loadJobs(date) {
  var path = '/technician/jobs' + (date ? '?date=' + date : '');
  try {
    var r = await api(path);
    var data = r.data;
    if (data.timezone && data.timezone !== prefs.timezone) { savePrefs({ timezone: data.timezone }); resetFormatters(); }
    var saved = r.offlineCopy ? await kept('jobs:' + data.date) : null;
    if (saved && (!r.offlineCopy || saved.saved_at > r.offlineCopy)) return adoptJobs(saved.value, saved.saved_at);
    if (!r.offlineCopy) keep('jobs:' + data.date, data);
    if (!r.offlineCopy) setNetwork('online');
    return adoptJobs(data, r.offlineCopy);
  } catch (error) {
    if (error.status !== 0) throw error;
    setNetwork(navigator.onLine === false ? 'offline' : 'unreachable');
    var copy = await kept('jobs:' + (date || today()));
    if (copy) return adoptJobs(copy.value, copy.saved_at);
    throw error;
  }
}

function adoptJobs(data, offlineCopy) {
  data.jobs.forEach(function (job) { state.jobs[job.order_id] = Object.assign({ date: data.date }, job); });
  return { data: data, offlineCopy: offlineCopy || null };
}

/** A job: the network first, else the newest kept copy. Resolves {order, offlineCopy}. */
async function loadOrder(orderId) {
  var result = await fetchOrder(orderId);
  state.offline[orderId] = result.offlineCopy;
  return result;
}

async function fetchOrder(orderId) {
  var saved = null;
  try {
    var r = await api('/orders/' + encodeURIComponent(orderId));
    if (!r.offlineCopy) {
      var known = state.orders[orderId];
      // While one of the technician's changes to this order is on its way, or may have arrived
      // without the phone hearing back, a read cannot tell whether it includes that change; the
      // change's own answer will. Until then the order stays as known (versions never go back).
      if (!known || (!inFlux(orderId) && r.data.version >= known.version)) {
        state.orders[orderId] = r.data;
        keep('order:' + orderId, r.data);
      }
      return { order: state.orders[orderId], offlineCopy: null };
    }
    saved = await kept('order:' + orderId);
    var best = saved && saved.value.version >= r.data.version ? saved.value : r.data;
    rememberOrder(best);
    return { order: state.orders[orderId], offlineCopy: saved && best === saved.value ? saved.saved_at : r.offlineCopy };
  } catch (error) {
    if (error.status !== 0) throw error;
    setNetwork(navigator.onLine === false ? 'offline' : 'unreachable');
    saved = await kept('order:' + orderId);
    if (saved) { rememberOrder(saved.value); return { order: state.orders[orderId], offlineCopy: saved.saved_at }; }
    if (state.orders[orderId]) return { order: state.orders[orderId], offlineCopy: 'unknown' };
    throw error;
  }
}

/** Keep each of the day's jobs on the phone, so they open without a signal later. */
function prefetch(jobs) {
  jobs.forEach(function (job, i) {
    setTimeout(function () {
      if (navigator.onLine === false || !signedIn()) return;
      var known = state.orders[job.order_id];
      if (known && known.version >= job.version) return;
      loadOrder(job.order_id).catch(function () {});
    }, 300 * (i + 1));
  });
}

// --- the job as the technician sees it: the server's order plus what is still waiting ------

function overlay(order) {
  var view = copy(order);
  view.waiting = 0;
  view.stepWaiting = false;
  view.quotesWaiting = []; // quotes to send: {item, sending}
  forOrder(order.order_id).forEach(function (item) {
    if (item.status === 'failed') return;
    var mark = { waiting: true, sending: item.seq === sendingSeq, seq: item.seq };
    var body = item.body;
    view.waiting += 1;
    if (item.type === 'transition') {
      view.history.push(Object.assign({ from: view.step, to: body.to, by: me(), at: item.created_at, note: body.note || null }, mark));
      view.step = body.to;
      view.step_label = stepLabel(body.to, order);
      view.stepWaiting = mark;
    } else if (item.type === 'note') {
      view.notes.push(Object.assign({ id: 'queued-' + item.seq, text: body.text, author: me(), at: item.created_at }, mark));
    } else if (item.type === 'line_item') {
      var p = priceItem(body.price_item_id);
      view.line_items.push(Object.assign({
        id: 'queued-' + item.seq, description: p ? p.name : item.item_name || body.price_item_id, quantity: body.quantity,
        unit_price_cents: p ? p.unit_price_cents : null, total_cents: p ? p.unit_price_cents * body.quantity : null,
        price_item_id: body.price_item_id,
      }, mark));
    } else if (item.type === 'line_item_change') {
      // A changed quantity or a removal waiting to send: shown on the line, the total as it will be.
      view.line_items = view.line_items.map(function (li) {
        if (li.id !== body.line_id) return li;
        if (body.remove) return Object.assign({}, li, { removing: true, total_cents: 0 }, mark);
        var total = li.unit_price_cents == null ? null : li.unit_price_cents * body.quantity;
        return Object.assign({}, li, { quantity: body.quantity, total_cents: total }, mark);
      });
    } else if (item.type === 'photo') {
      view.photos.push(Object.assign({ id: 'queued-' + item.seq, url: objectUrl(item), uploaded_at: item.created_at }, mark));
    } else if (item.type === 'quote') {
      view.quotesWaiting.push(Object.assign({ item: item }, mark));
      // Sending the quote moves an estimate on to `quoted` (the server does it): shown as waiting.
      var from = stepOf(workflowFor(order), view.step);
      if (from && from.next.indexOf('quoted') >= 0) {
        view.step = 'quoted';
        view.step_label = stepLabel('quoted', order);
        view.stepWaiting = mark;
      }
    } else if (item.type === 'signature') {
      view.signature = Object.assign({ url: 'data:image/png;base64,' + body.image_png_base64, signed_by: body.signed_by, at: item.created_at }, mark);
    }
  });
  view.total_cents = view.line_items.reduce(function (sum, li) { return sum + (li.total_cents || 0); }, 0);
  view.next_steps = view.stepWaiting ? nextStepsFrom(view.step, order) : order.next_steps || nextStepsFrom(view.step, order);
  return view;
}

/** An order made from the day's list entry, for a job never opened with a signal. */
function basicOrder(job) {
  var wf = workflowFor({ kind: job.kind });
  var order = {
    order_id: job.order_id, kind: job.kind || null, step: job.step, step_label: job.step_label, version: job.version,
    workflow_version: job.workflow_version || (wf ? wf.version : null), customer: job.customer, address: job.address,
    appointment: job.appointment, service_name: job.service_name, description: job.description,
    line_items: [], total_cents: 0, notes: [], history: [], photos: [], signature: null,
  };
  order.next_steps = nextStepsFrom(job.step, order);
  return order;
}

export { MOVES, SITE_CONDITIONS, state, rememberOrder, priceItem, kindOf, workflowFor, stepOf, stepLabel, nextStepsFrom, loadReference, loadWorkflow, loadQuotes, rememberQuote, loadJobs, loadOrder, prefetch, overlay, basicOrder };
