/* The technician's app: the day's jobs, a job's details and everything a technician records on
 * site (moves, notes, items, photos, the customer's signature), built to work on a flaky signal.
 *
 * Plain JavaScript, no build step, no dependencies. Served from /tech/ next to the API.
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
(function () {
  'use strict';

  var LOCALE = 'en-GB';
  var SESSION_KEY = 'tech.session';
  var PREFS_KEY = 'tech.prefs';
  var PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/heic'];
  var MAX_PHOTO_BYTES = 10 * 1024 * 1024;
  var MAX_SIGNATURE_BYTES = 190 * 1024; // the server takes 200 KB; keep a margin
  var REQUEST_TIMEOUT_MS = 20000;
  var UPLOAD_TIMEOUT_MS = 120000;
  var RETRY_FIRST_MS = 2000;
  var RETRY_MAX_MS = 60000;
  var CHECK_EVERY_MS = 30000;
  var SERVER_ERROR_TRIES = 8;

  // Words for the moves a technician makes. Other steps the API offers get "Move to <label>".
  var MOVES = {
    en_route: { button: 'On my way', verb: 'set off', done: 'You are on your way', kind: 'primary' },
    in_progress: { button: 'Start job', verb: 'start the job', done: 'Job started', kind: 'primary' },
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

  // --- small helpers ------------------------------------------------------------------------

  /** el('button', {type: 'button', class: 'x', onclick: f}, 'text', child, [more children]) */
  function el(tag, props) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      var value = props[key];
      if (value === null || value === undefined || value === false) return;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else if (key.slice(0, 2) === 'on') node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : String(value));
    });
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) child.forEach(function (c) { append(node, c); });
    else node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }

  /** Replace the children of `node` (null and false children are skipped, arrays flattened). */
  function fill(node) {
    node.replaceChildren();
    for (var i = 1; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  function hidden(text) { return el('span', { class: 'tc-visually-hidden' }, text); }

  var idCounter = 0;
  function uid(prefix) { idCounter += 1; return prefix + '-' + idCounter; }

  /** A random UUID v4 (crypto.randomUUID needs a secure context; getRandomValues does not). */
  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function' && window.isSecureContext) {
      return window.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join('');
    return hex.slice(0, 8) + '-' + hex.slice(8, 12) + '-' + hex.slice(12, 16) + '-' + hex.slice(16, 20) + '-' + hex.slice(20);
  }

  function copy(value) { return JSON.parse(JSON.stringify(value)); }

  function reducedMotion() {
    return window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  }

  function focusOn(node, scroll) {
    if (!node) return;
    if (!node.hasAttribute('tabindex') && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(node.tagName)) {
      node.setAttribute('tabindex', '-1');
    }
    node.focus({ preventScroll: true });
    if (scroll !== false) node.scrollIntoView({ behavior: reducedMotion() ? 'auto' : 'smooth', block: 'start' });
  }

  function plural(n, one, many) { return n + ' ' + (n === 1 ? one : many); }

  function megabytes(bytes) { return (bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '') + ' MB'; }

  function shorten(text, max) {
    text = String(text || '').replace(/\s+/g, ' ').trim();
    return text.length > max ? text.slice(0, max - 1).trimEnd() + '…' : text;
  }

  // --- live regions -------------------------------------------------------------------------

  var statusRegion = document.querySelector('[data-status]');
  var alertRegion = document.querySelector('[data-alert]');
  var timers = {};
  function speak(region, name, message) {
    // Cleared first, so the same message said twice is announced twice.
    clearTimeout(timers[name]);
    region.textContent = '';
    timers[name] = setTimeout(function () { region.textContent = message; }, 80);
  }
  function say(message) { speak(statusRegion, 'status', message); }
  function alarm(message) { speak(alertRegion, 'alert', message); }

  // --- preferences and the session (localStorage) -------------------------------------------

  function readJson(key) {
    try { return JSON.parse(localStorage.getItem(key) || 'null'); } catch (e) { return null; }
  }
  function writeJson(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode: memory only */ }
  }

  var prefs = readJson(PREFS_KEY) || {}; // {timezone, currency, business, email}
  function savePrefs(changes) {
    Object.keys(changes).forEach(function (k) { prefs[k] = changes[k]; });
    writeJson(PREFS_KEY, prefs);
  }

  var session = readJson(SESSION_KEY); // {token, expires_at, refresh_token, user: {id, name, email, role}}
  function tokenFresh() { return !!(session && session.token && session.expires_at > Date.now() + 30000); }
  // Signed in while the ID token is fresh, or while a refresh token can get a new one.
  function signedIn() { return tokenFresh() || !!(session && session.user && session.refresh_token); }
  function me() { return session && session.user ? session.user.id : null; }

  // --- IndexedDB: the queue and the last good answers ---------------------------------------

  var DB_NAME = 'tech-app';
  var dbPromise = null;
  var memoryStores = { queue: new Map(), saved: new Map() }; // when IndexedDB is not available
  var memorySeq = 0;

  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve) {
        if (!window.indexedDB) { resolve(null); return; }
        var request;
        try { request = indexedDB.open(DB_NAME, 1); } catch (e) { resolve(null); return; }
        request.onupgradeneeded = function () {
          var db = request.result;
          if (!db.objectStoreNames.contains('queue')) db.createObjectStore('queue', { keyPath: 'seq', autoIncrement: true });
          if (!db.objectStoreNames.contains('saved')) db.createObjectStore('saved', { keyPath: 'key' });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { resolve(null); };
        request.onblocked = function () { resolve(null); };
      });
    }
    return dbPromise;
  }

  function idb(storeName, mode, operation) {
    return openDb().then(function (db) {
      if (!db) return operation(null);
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, mode);
        var result;
        var request = operation(tx.objectStore(storeName));
        if (request) request.onsuccess = function () { result = request.result; };
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  var store = {
    all: function (name) {
      return idb(name, 'readonly', function (s) { return s ? s.getAll() : null; }).then(function (rows) {
        return rows || Array.from(memoryStores[name].values());
      });
    },
    get: function (name, key) {
      return idb(name, 'readonly', function (s) { return s ? s.get(key) : null; }).then(function (row) {
        return row === undefined || row === null ? memoryStores[name].get(key) || null : row;
      });
    },
    put: function (name, value) {
      return idb(name, 'readwrite', function (s) {
        if (s) return s.put(value);
        if (name === 'queue' && value.seq === undefined) value.seq = ++memorySeq;
        memoryStores[name].set(name === 'queue' ? value.seq : value.key, value);
        return null;
      }).then(function (key) { return key === undefined || key === null ? (name === 'queue' ? value.seq : value.key) : key; });
    },
    del: function (name, key) {
      memoryStores[name].delete(key);
      return idb(name, 'readwrite', function (s) { return s ? s.delete(key) : null; });
    },
    clear: function (name) {
      memoryStores[name].clear();
      return idb(name, 'readwrite', function (s) { return s ? s.clear() : null; });
    },
  };

  /** The last good answer for `key`, kept for when there is no signal: {value, saved_at}. */
  function keep(key, value) {
    return store.put('saved', { key: me() + ':' + key, value: value, saved_at: new Date().toISOString() }).catch(function () {});
  }
  function kept(key) {
    return store.get('saved', me() + ':' + key).catch(function () { return null; });
  }

  // --- dates, times and money ---------------------------------------------------------------
  // Times from the API carry an offset (or Z); they are shown in the business's timezone, which
  // GET /technician/jobs names, whatever timezone the phone is in.

  var formatters = {};
  function formatter(kind) {
    var zone = prefs.timezone || undefined;
    var cacheKey = kind + '|' + (zone || '');
    if (!formatters[cacheKey]) {
      var options = {
        time: { hour: '2-digit', minute: '2-digit', timeZone: zone },
        ymd: { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: zone },
        dayLong: { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' },
        dayShort: { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' },
      }[kind];
      try {
        formatters[cacheKey] = new Intl.DateTimeFormat(kind === 'ymd' ? 'en-CA' : LOCALE, options);
      } catch (e) { // an unknown timezone: the phone's own
        delete options.timeZone;
        formatters[cacheKey] = new Intl.DateTimeFormat(kind === 'ymd' ? 'en-CA' : LOCALE, options);
      }
    }
    return formatters[cacheKey];
  }

  function parseTime(iso) { var d = new Date(iso); return isNaN(d.getTime()) ? null : d; }
  function timeOf(iso) { var d = parseTime(iso); return d ? formatter('time').format(d) : ''; }
  function dayOfInstant(date) {
    var parts = {};
    formatter('ymd').formatToParts(date).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + '-' + parts.month + '-' + parts.day;
  }
  function dayOf(iso) { var d = parseTime(iso); return d ? dayOfInstant(d) : ''; }
  function today() { return dayOfInstant(new Date()); }
  function dayDate(day) { var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || ''); return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])) : null; }
  function validDay(day) { var d = dayDate(day); return !!d && d.toISOString().slice(0, 10) === day; }
  function addDays(day, n) { var d = dayDate(day); d.setUTCDate(d.getUTCDate() + n); return d.toISOString().slice(0, 10); }
  function dayLong(day) { return formatter('dayLong').format(dayDate(day)).replace(',', ''); }
  function dayShort(day) { return formatter('dayShort').format(dayDate(day)).replace(',', ''); }
  function relativeDay(day) {
    var t = today();
    if (day === t) return 'Today';
    if (day === addDays(t, 1)) return 'Tomorrow';
    if (day === addDays(t, -1)) return 'Yesterday';
    return null;
  }
  /** "today at 10:32" or "Fri 27 Nov at 10:32". */
  function when(iso) {
    var day = dayOf(iso);
    if (!day) return '';
    var rel = relativeDay(day);
    return (rel ? rel.toLowerCase() : dayShort(day)) + ' at ' + timeOf(iso);
  }

  /** The line shown when the screen comes from the copy kept on the phone. */
  function offlineNotice(savedAt) {
    if (!savedAt) return null;
    return el('p', { class: 'tc-offline-copy' }, el('strong', {}, 'No signal. '),
      'Showing the copy kept on this phone' + (savedAt !== 'unknown' && dayOf(savedAt) ? ', saved ' + when(savedAt) : '') + '.');
  }
  function span(appointment) {
    if (!appointment || !appointment.start) return 'No time set';
    return timeOf(appointment.start) + (appointment.end ? ' to ' + timeOf(appointment.end) : '');
  }

  function money(cents) {
    if (cents === null || cents === undefined) return '–';
    var currency = prefs.currency || 'GBP';
    try {
      return new Intl.NumberFormat(LOCALE, { style: 'currency', currency: currency }).format(cents / 100);
    } catch (e) {
      return (cents / 100).toFixed(2) + ' ' + currency;
    }
  }

  // --- the API ------------------------------------------------------------------------------

  function ApiError(status, code, message, details) {
    this.status = status;
    this.code = code;
    this.message = message;
    this.details = details;
  }

  function fallbackMessage(status) {
    if (status === 0) return 'No connection to the server.';
    if (status === 401) return 'Your sign-in has expired.';
    if (status === 429) return 'The server is busy just now.';
    if (status >= 500) return 'Something went wrong on the server.';
    return 'The server refused this (error ' + status + ').';
  }

  /** fetch with a timeout; rejects with ApiError(0) when there is no answer. */
  function fetchWithin(url, init, ms) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, ms) : null;
    if (controller) init.signal = controller.signal;
    return fetch(url, init).then(function (response) {
      clearTimeout(timer);
      return response;
    }, function () {
      clearTimeout(timer);
      throw new ApiError(0, 'network', fallbackMessage(0), null);
    });
  }

  /** Calls the API; resolves {status, data, offlineCopy} or rejects with ApiError. The ID token
   * lasts an hour: a stale one is renewed with the refresh token first, and a 401 is retried once
   * after renewing, so a technician signs in once a day, not once an hour. */
  function api(path, options) {
    options = options || {};
    if (options.auth === false) return call(path, options);
    var ready = tokenFresh() || !(session && session.refresh_token) ? Promise.resolve()
      : renewSession().catch(function () { /* the call below gets its own 401, or no connection */ });
    return ready.then(function () { return call(path, options); }).catch(function (error) {
      if (error.status !== 401 || options.renewed || !(session && session.refresh_token)) throw error;
      return renewSession().then(function () {
        return call(path, Object.assign({}, options, { renewed: true }));
      }, function () { throw error; });
    });
  }

  var renewing = null; // one renewal at a time, shared by every call waiting for it
  function renewSession() {
    if (!renewing) {
      var refreshToken = session.refresh_token;
      renewing = call('/auth/refresh', { method: 'POST', auth: false, body: { refresh_token: refreshToken } })
        .then(function (r) {
          if (!session || session.refresh_token !== refreshToken) return; // signed out meanwhile
          session = { token: r.data.id_token, expires_at: Date.now() + (r.data.expires_in || 3600) * 1000,
            refresh_token: refreshToken, user: r.data.user };
          writeJson(SESSION_KEY, session);
        }, function (error) {
          if (error.status === 401 && session && session.refresh_token === refreshToken) {
            session.refresh_token = null; // ended: the password is needed again
            writeJson(SESSION_KEY, session);
          }
          throw error;
        })
        .finally(function () { renewing = null; });
    }
    return renewing;
  }

  function call(path, options) {
    var headers = { Accept: 'application/json' };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (options.auth !== false && session && session.token) headers.Authorization = 'Bearer ' + session.token;
    if (options.key) headers['Idempotency-Key'] = options.key;
    return fetchWithin(path, {
      method: options.method || 'GET',
      headers: headers,
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      credentials: 'omit',
      cache: 'no-store',
    }, options.timeout || REQUEST_TIMEOUT_MS).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        if (response.ok) {
          return { status: response.status, data: data, offlineCopy: response.headers.get('X-Offline-Copy') };
        }
        var error = (data && data.error) || {};
        var message = response.status >= 500 ? fallbackMessage(response.status) : error.message || fallbackMessage(response.status);
        throw new ApiError(response.status, error.code || 'http_' + response.status, message, error.details || null);
      });
    });
  }

  // --- what the app knows -------------------------------------------------------------------

  var state = {
    orders: {}, // order_id -> the newest order the server sent (GET or an action's answer)
    jobs: {}, // order_id -> the job as the day's list gave it (maps_url, date)
    priceList: null, // [{id, name, unit_price_cents, unit}]
    workflow: null, // the process map (GET /workflow)
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

  function workflowFor(order) {
    var wf = state.workflow;
    if (!wf || !order || (order.workflow_version && wf.version !== order.workflow_version)) return null;
    return wf;
  }

  function stepOf(wf, key) {
    return wf ? wf.steps.filter(function (s) { return s.key === key; })[0] || null : null;
  }

  function stepLabel(key, order) {
    var step = stepOf(workflowFor(order) || state.workflow, key);
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
      ['/business', 'business', function (data) {
        savePrefs({ business: data.name || '', currency: data.currency || prefs.currency, timezone: data.timezone || prefs.timezone });
        formatters = {};
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
    })).then(function () { refreshView(); });
  }

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
      default: return 'Change';
    }
  }

  // Sending, one change at a time, oldest first.

  var flushing = null;
  var flushAgain = false;
  var retryTimer = null;
  var retryDelay = 0;

  function sendSoon() { setTimeout(flush, 0); }

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
        if (order && order.order_id) rememberOrder(order);
        drop(item);
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
    if (error.status === 409 && item.type !== 'transition') return item.attempts < SERVER_ERROR_TRIES;
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
          body: { to: body.to, note: body.note || null, expected_version: body.expected_version },
        })).data;
      case 'note':
        return (await api('/orders/' + id + '/notes', { method: 'POST', key: item.key, body: { text: body.text } })).data;
      case 'line_item':
        return (await api('/orders/' + id + '/line-items', {
          method: 'POST', key: item.key, body: { price_item_id: body.price_item_id, quantity: body.quantity },
        })).data;
      case 'signature':
        return (await api('/orders/' + id + '/signature', {
          method: 'POST', key: item.key, body: { image_png_base64: body.image_png_base64, signed_by: body.signed_by },
        })).data;
      case 'photo':
        return sendPhoto(item);
      default:
        throw new ApiError(400, 'unknown_change', 'The app does not know how to send this change.', null);
    }
  }

  /** A photo: ask for an upload form (the same key gives the same photo id), post the image
   * straight to the file store, then attach it; the server checks the upload arrived. */
  async function sendPhoto(item) {
    var id = encodeURIComponent(item.order_id);
    var photo = item.photo;
    var ticket = (await api('/orders/' + id + '/photos/upload-url', {
      method: 'POST', key: item.key, body: { content_type: photo.type, size_bytes: photo.size },
    })).data;
    var form = new FormData();
    Object.keys(ticket.upload.fields || {}).forEach(function (name) { form.append(name, ticket.upload.fields[name]); });
    form.append('file', photo.blob, photo.name || 'photo');
    await upload(ticket.upload.url, form);
    try {
      return (await api('/orders/' + id + '/photos', { method: 'POST', key: item.key, body: { photo_id: ticket.photo_id } })).data;
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
    if (e.status === 409) return 'The office changed this job';
    if (e.code === 'exit_conditions_unmet') return item.body && item.body.to === 'completed' ? 'The job cannot be completed yet' : 'This step cannot be taken yet';
    if (e.status === 403) return 'You are not allowed to do this';
    if (e.status === 404) return 'This job is no longer on your list';
    if (e.status === 413) return 'This is too large to send';
    return 'The server refused a change';
  }

  // --- network state ------------------------------------------------------------------------

  function setNetwork(value) {
    if (state.network === value) return;
    state.network = value;
    renderConnection();
    renderBar();
  }

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

  // --- the shell: bar, connection line ------------------------------------------------------

  var appRoot = document.querySelector('[data-app]');
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

  function svg(paths, className) {
    var ns = 'http://www.w3.org/2000/svg';
    var node = document.createElementNS(ns, 'svg');
    node.setAttribute('viewBox', '0 0 24 24');
    node.setAttribute('aria-hidden', 'true');
    node.setAttribute('focusable', 'false');
    node.setAttribute('class', className || 'tc-button-icon');
    paths.forEach(function (d) {
      var p = document.createElementNS(ns, 'path');
      p.setAttribute('d', d);
      p.setAttribute('fill', 'none');
      p.setAttribute('stroke', 'currentColor');
      p.setAttribute('stroke-width', '2');
      p.setAttribute('stroke-linecap', 'round');
      p.setAttribute('stroke-linejoin', 'round');
      node.appendChild(p);
    });
    return node;
  }
  function wifiOffIcon() { return svg(['M2 2l20 20', 'M8.5 16.5a5 5 0 0 1 7 0', 'M5 12.9a10 10 0 0 1 5.2-2.8', 'M14 10.1a10 10 0 0 1 5 2.8', 'M1.5 9a15 15 0 0 1 4.3-2.8', 'M10.7 5.1A15 15 0 0 1 22.5 9', 'M12 20h.01'], 'tc-connection-icon'); }
  function mapIcon() { return svg(['M12 21s-7-6.2-7-11.5a7 7 0 0 1 14 0C19 14.8 12 21 12 21z', 'M12 12a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5z']); }
  function phoneIcon() { return svg(['M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1 1 .4 1.9.7 2.8a2 2 0 0 1-.5 2.1L8 9.9a16 16 0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4c.9.3 1.8.6 2.8.7a2 2 0 0 1 1.7 2z']); }
  function cameraIcon() { return svg(['M23 19a2 2 0 0 1-2 2H3a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h4l2-3h6l2 3h4a2 2 0 0 1 2 2z', 'M12 17a4 4 0 1 0 0-8 4 4 0 0 0 0 8z']); }

  // --- routing ------------------------------------------------------------------------------

  var current = null; // the view on screen: {name, update(), ...}

  function route() {
    var hash = location.hash.replace(/^#\/?/, '');
    var parts = hash.split('/');
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

  // --- sign-in ------------------------------------------------------------------------------

  /** A labelled control with an optional hint and an error message linked by aria-describedby. */
  function field(options) {
    var id = options.id || uid('tc-field');
    var control = options.control;
    control.id = id;
    if (!control.className) {
      control.className = control.tagName === 'TEXTAREA' ? 'tc-textarea' : control.tagName === 'SELECT' ? 'tc-select' : 'tc-input';
    }
    var hint = options.hint ? el('p', { class: 'tc-hint', id: id + '-hint' }, options.hint) : null;
    var error = el('p', { class: 'tc-error-message', id: id + '-error', hidden: true });
    var label = el('label', { class: 'tc-label', for: id }, options.label,
      options.optional ? el('span', { class: 'tc-optional' }, ' (optional)') : null);
    var wrapper = el('div', { class: 'tc-field' + (options.className ? ' ' + options.className : '') },
      label, hint, error, options.wrap ? options.wrap(control) : control);
    function describedBy() {
      var ids = [];
      if (hint) ids.push(hint.id);
      if (!error.hidden) ids.push(error.id);
      if (ids.length) control.setAttribute('aria-describedby', ids.join(' '));
      else control.removeAttribute('aria-describedby');
    }
    describedBy();
    return {
      element: wrapper,
      control: control,
      setError: function (message) {
        fill(error, hidden('Error: '), message);
        error.hidden = false;
        wrapper.classList.add('tc-field--error');
        control.setAttribute('aria-invalid', 'true');
        describedBy();
      },
      clearError: function () {
        error.hidden = true;
        error.textContent = '';
        wrapper.classList.remove('tc-field--error');
        control.removeAttribute('aria-invalid');
        describedBy();
      },
    };
  }

  function signInView(message) {
    var heading = el('h1', { class: 'tc-title', tabindex: '-1' }, 'Sign in');
    var alertBox = el('div', {});
    var email = field({
      id: 'tc-email', label: 'Email address',
      control: el('input', { type: 'email', autocomplete: 'username', inputmode: 'email', spellcheck: 'false', autocapitalize: 'none', value: prefs.email || '' }),
    });
    var passwordInput = el('input', { type: 'password', autocomplete: 'current-password' });
    var toggle = el('button', {
      type: 'button', class: 'tc-password-toggle', 'aria-pressed': 'false', 'aria-controls': 'tc-password',
      onclick: function () {
        var showIt = passwordInput.type === 'password';
        passwordInput.type = showIt ? 'text' : 'password';
        toggle.setAttribute('aria-pressed', String(showIt));
      },
    }, 'Show', hidden(' password'));
    var password = field({
      id: 'tc-password', label: 'Password', control: passwordInput,
      wrap: function (control) { return el('div', { class: 'tc-password' }, control, toggle); },
    });
    var submit = el('button', { type: 'submit', class: 'tc-button tc-button--big' }, 'Sign in');
    var form = el('form', { novalidate: true, onsubmit: onSubmit }, email.element, password.element, submit);

    if (message) showAlert(message.title, message.text, message.kind || 'warning');

    function showAlert(title, text, kind) {
      var titleId = uid('tc-alert');
      fill(alertBox, el('div', { class: 'tc-alert tc-alert--' + kind, role: 'group', 'aria-labelledby': titleId, tabindex: '-1' },
        el('h2', { class: 'tc-alert-title', id: titleId }, title), text ? el('p', {}, text) : null));
      return alertBox.firstChild;
    }

    async function onSubmit(event) {
      event.preventDefault();
      email.clearError();
      password.clearError();
      var address = email.control.value.trim();
      var secret = passwordInput.value;
      var first = null;
      if (!address || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address)) {
        email.setError(address ? 'Enter an email address like name@example.com' : 'Enter your email address');
        first = first || email.control;
      }
      if (!secret) { password.setError('Enter your password'); first = first || passwordInput; }
      if (first) { first.focus(); alarm('Check the form: ' + (email.control.getAttribute('aria-invalid') ? 'email address. ' : '') + (passwordInput.getAttribute('aria-invalid') ? 'password.' : '')); return; }
      submit.disabled = true;
      submit.textContent = 'Signing in…';
      try {
        var r = await api('/auth/login', { method: 'POST', auth: false, body: { email: address, password: secret } });
        var data = r.data;
        if (!data.user || data.user.role !== 'technician') {
          focusOn(showAlert('This app is for technicians', 'Sign in with a technician account. Office staff work from the office tools.', 'error'));
          return;
        }
        session = { token: data.id_token, expires_at: Date.now() + (data.expires_in || 3600) * 1000,
          refresh_token: data.refresh_token || null, user: data.user };
        writeJson(SESSION_KEY, session);
        savePrefs({ email: address });
        say('Signed in as ' + data.user.name + '.');
        await startSession();
        show();
      } catch (error) {
        var text = error.status === 401 ? 'The email address or password is not right. Check them and try again.'
          : error.status === 0 ? 'There is no connection to the server. Signing in needs a signal; try again when you have one.'
            : error.message;
        var box = showAlert(error.status === 401 ? 'Could not sign you in' : 'Sign-in did not work', text, 'error');
        focusOn(box);
        alarm(text);
      } finally {
        submit.disabled = false;
        submit.textContent = 'Sign in';
      }
    }

    var element = el('div', { class: 'tc-signin' },
      el('section', { class: 'tc-section tc-signin-card', 'aria-labelledby': 'tc-signin-title' },
        el('img', { class: 'tc-signin-icon', src: 'icons/icon.svg', alt: '', width: '64', height: '64' }),
        heading,
        el('p', { class: 'tc-subtitle' }, "Your day's jobs, even without a signal."),
        alertBox, form),
      el('p', { class: 'tc-footer-note' }, 'Forgotten your password? Ask the office.'));
    heading.id = 'tc-signin-title';
    return { name: 'signin', element: element, heading: heading, title: 'Sign in' };
  }

  function sessionExpired() {
    session = session ? { user: session.user, token: null, expires_at: 0 } : null;
    writeJson(SESSION_KEY, session);
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
    session = null;
    localStorage.removeItem(SESSION_KEY);
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

  // --- data loading -------------------------------------------------------------------------

  /** The day's jobs: {data, offlineCopy} where offlineCopy says when a kept copy was saved. */
  async function loadJobs(date) {
    var path = '/technician/jobs' + (date ? '?date=' + date : '');
    try {
      var r = await api(path);
      var data = r.data;
      if (data.timezone && data.timezone !== prefs.timezone) { savePrefs({ timezone: data.timezone }); formatters = {}; }
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

  function objectUrl(item) {
    if (!objectUrls[item.seq] && item.photo && item.photo.blob) objectUrls[item.seq] = URL.createObjectURL(item.photo.blob);
    return objectUrls[item.seq] || '';
  }

  function overlay(order) {
    var view = copy(order);
    view.waiting = 0;
    view.stepWaiting = false;
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
      } else if (item.type === 'photo') {
        view.photos.push(Object.assign({ id: 'queued-' + item.seq, url: objectUrl(item), uploaded_at: item.created_at }, mark));
      } else if (item.type === 'signature') {
        view.signature = Object.assign({ url: 'data:image/png;base64,' + body.image_png_base64, signed_by: body.signed_by, at: item.created_at }, mark);
      }
    });
    view.total_cents = view.line_items.reduce(function (sum, li) { return sum + (li.total_cents || 0); }, 0);
    view.next_steps = view.stepWaiting ? nextStepsFrom(view.step, order) : order.next_steps || nextStepsFrom(view.step, order);
    return view;
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

  // --- my day -------------------------------------------------------------------------------

  function dayView(date) {
    var heading = el('h1', { class: 'tc-title', tabindex: '-1' }, 'My day');
    var shownDate = date || (prefs.timezone ? today() : null);
    var dayName = el('span', { class: 'tc-daynav-day' }, shownDate ? dayLong(shownDate) : '');
    var dayRelative = el('span', { class: 'tc-daynav-today' });
    var prev = el('button', { type: 'button', class: 'tc-button tc-button--secondary', onclick: function () { go(-1); } },
      el('span', { class: 'tc-chevron', 'aria-hidden': 'true' }), hidden('Previous day'));
    var next = el('button', { type: 'button', class: 'tc-button tc-button--secondary', onclick: function () { go(1); } },
      hidden('Next day'), el('span', { class: 'tc-chevron tc-chevron--next', 'aria-hidden': 'true' }));
    var nav = el('nav', { class: 'tc-daynav', 'aria-label': 'Choose a day' }, prev,
      el('div', { class: 'tc-daynav-current' }, dayName, dayRelative), next);
    var notice = el('div', {});
    var summary = el('p', { class: 'tc-day-summary' }, 'Loading your jobs…');
    var list = el('ol', { class: 'tc-jobs', 'aria-labelledby': 'tc-day-list-title' });
    var listTitle = el('h2', { class: 'tc-visually-hidden', id: 'tc-day-list-title' }, 'Jobs');
    var data = null;
    var offlineCopy = null;
    var name = session && session.user ? session.user.name : '';

    function go(delta) {
      var base = (data && data.date) || shownDate || today();
      var target = addDays(base, delta);
      location.hash = '#/day/' + target;
    }

    function renderDate() {
      if (!shownDate) return;
      dayName.textContent = dayLong(shownDate);
      var rel = relativeDay(shownDate);
      fill(dayRelative, rel
        ? el('span', { class: 'tc-subtitle' }, rel)
        : el('a', { href: '#/', class: 'tc-back-today' }, 'Back to today'));
      prev.querySelector('.tc-visually-hidden').textContent = 'Previous day, ' + dayLong(addDays(shownDate, -1));
      next.querySelector('.tc-visually-hidden').textContent = 'Next day, ' + dayLong(addDays(shownDate, 1));
    }

    function update() {
      if (!data) return;
      renderDate();
      fill(notice, offlineNotice(offlineCopy));
      var jobs = data.jobs;
      var minutes = jobs.reduce(function (sum, job) {
        var s = parseTime(job.appointment && job.appointment.start), e = parseTime(job.appointment && job.appointment.end);
        return sum + (s && e ? (e - s) / 60000 : 0);
      }, 0);
      summary.textContent = jobs.length
        ? plural(jobs.length, 'job', 'jobs') + (minutes ? ', ' + (minutes % 60 ? Math.round(minutes / 6) / 10 : minutes / 60) + (minutes === 60 ? ' hour' : ' hours') + ' booked' : '')
        : '';
      if (!jobs.length) {
        fill(list, el('li', { class: 'tc-section tc-day-empty' },
          el('h2', { class: 'tc-day-empty-title' }, 'No jobs on this day'),
          el('p', { class: 'tc-empty' }, 'Jobs the office books for you appear here.')));
        return;
      }
      fill(list, jobs.map(jobCard));
    }

    function jobCard(job) {
      var known = state.orders[job.order_id];
      var base = known && known.version > job.version ? known : job;
      var step = base.step;
      var label = base.step_label;
      var items = forOrder(job.order_id);
      var queued = items.filter(function (i) { return i.status !== 'failed'; });
      var failed = items.length - queued.length;
      queued.forEach(function (i) { if (i.type === 'transition') { step = i.body.to; label = stepLabel(step, known); } });
      var address = [job.address.street, [job.address.city, job.address.postcode].filter(Boolean).join(' ')].filter(Boolean).join(', ');
      var start = job.appointment && job.appointment.start;
      var end = job.appointment && job.appointment.end;
      return el('li', { class: 'tc-job' },
        el('div', { class: 'tc-job-time', 'aria-hidden': 'true' },
          el('span', { class: 'tc-job-start' }, timeOf(start)),
          end ? el('span', { class: 'tc-job-end' }, timeOf(end)) : null),
        el('div', { class: 'tc-job-body' },
          el('h3', { class: 'tc-job-name' },
            el('a', { class: 'tc-job-link', href: '#/job/' + encodeURIComponent(job.order_id), 'aria-label': job.customer.name + ', ' + span(job.appointment) },
              job.customer.name)),
          el('p', { class: 'tc-job-service' }, job.service_name),
          el('p', { class: 'tc-job-address' }, address),
          el('div', { class: 'tc-job-meta' },
            el('span', { class: 'tc-chip tc-chip--' + step }, label),
            queued.length ? el('span', { class: 'tc-pending' }, plural(queued.length, 'change', 'changes') + ' waiting to send') : null,
            failed ? el('span', { class: 'tc-pending tc-pending--problem' }, plural(failed, 'problem', 'problems')) : null),
          el('div', { class: 'tc-job-actions' },
            job.maps_url ? el('a', { class: 'tc-button tc-button--secondary tc-button--small', href: job.maps_url, target: '_blank', rel: 'noopener' },
              mapIcon(), 'Directions', hidden(' to ' + address + ' (opens maps)')) : null,
            job.customer.phone ? el('a', { class: 'tc-button tc-button--secondary tc-button--small', href: 'tel:' + job.customer.phone.replace(/[^\d+]/g, '') },
              phoneIcon(), 'Call', hidden(' ' + job.customer.name)) : null)));
    }

    async function reload(options) {
      list.setAttribute('aria-busy', 'true');
      try {
        var result = await loadJobs(date || (prefs.timezone ? today() : null));
        data = result.data;
        offlineCopy = result.offlineCopy;
        shownDate = data.date;
        update();
        if (!offlineCopy) prefetch(data.jobs);
      } catch (error) {
        if (error.status === 401) { sessionExpired(); return; }
        if (!data) {
          summary.textContent = '';
          fill(list, el('li', { class: 'tc-alert tc-alert--error' },
            el('h2', { class: 'tc-alert-title' }, error.status === 0 ? 'No signal, and no copy of this day on the phone' : 'Your jobs could not be loaded'),
            el('p', {}, error.status === 0 ? 'Days you opened with a signal stay on the phone. Try again when you are back online.' : error.message),
            el('div', { class: 'tc-button-row' }, el('button', { type: 'button', class: 'tc-button tc-button--secondary', onclick: function () { reload(); } }, 'Try again'))));
          if (!options || !options.quiet) alarm('Your jobs could not be loaded.');
        }
      } finally {
        list.removeAttribute('aria-busy');
      }
    }

    function setDate(newDate) {
      date = newDate;
      shownDate = date || (prefs.timezone ? today() : null);
      data = null;
      offlineCopy = null;
      renderDate();
      if (!element.contains(document.activeElement)) focusOn(dayName, false); // "Back to today" went away
      fill(notice);
      summary.textContent = 'Loading your jobs…';
      fill(list);
      reload().then(function () {
        if (data) say(dayLong(data.date) + (relativeDay(data.date) ? ', ' + relativeDay(data.date).toLowerCase() : '') + ': ' + (summary.textContent || 'no jobs') + '.');
      });
    }

    renderDate();
    reload();
    var element = el('div', {},
      el('div', { class: 'tc-view-head' }, heading, name ? el('p', { class: 'tc-subtitle' }, name) : null),
      nav, notice, summary, listTitle, list);
    return { name: 'day', element: element, heading: heading, title: 'My day', update: update, reload: reload, setDate: setDate };
  }

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

    // sections, each built once; their lists refresh on update()
    var actions = actionsSection();
    var items = itemsSection();
    var notes = notesSection();
    var photos = photosSection();
    var signature = signatureSection();
    var history = historySection();
    body.append(actions.element, items.element, notes.element, photos.element, signature.element, history.element);

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

    // -- next step
    function actionsSection() {
      var title = el('h2', { class: 'tc-section-title', id: 'tc-actions-title', tabindex: '-1' }, 'Next step');
      var buttons = el('div', {});
      var check = el('div', {});
      var blockedBox = el('div', {});
      var holdOpen = false;
      var holdNote = field({ id: 'tc-hold-note', label: 'Reason', optional: true, control: el('textarea', { rows: '3', maxlength: '1000' }),
        hint: 'For example: the customer was out, or parts are needed.' });
      var holdToggle = null;
      var hold = el('div', { class: 'tc-hold', id: 'tc-hold', hidden: true },
        el('h3', { class: 'tc-hold-title' }, 'Put the job on hold'),
        holdNote.element,
        el('div', { class: 'tc-button-row' },
          el('button', { type: 'button', class: 'tc-button tc-button--secondary', onclick: function () { setHold(false, true); } }, 'Keep working'),
          el('button', { type: 'button', class: 'tc-button', onclick: function () { move('on_hold', holdNote.control.value.trim() || null); } }, 'Put on hold')));
      var locked = false;
      var section = el('section', { class: 'tc-section tc-actions', 'aria-labelledby': 'tc-actions-title' },
        el('div', { class: 'tc-section-head' }, title), blockedBox, buttons, hold, check);

      function setHold(open, focusBack) {
        holdOpen = open;
        hold.hidden = !open;
        if (holdToggle) holdToggle.setAttribute('aria-expanded', String(open));
        if (open) holdNote.control.focus();
        else if (focusBack && holdToggle) holdToggle.focus();
      }

      function unmetOnPhone(target) {
        var wf = workflowFor(order);
        var step = stepOf(wf, view.step);
        var dest = stepOf(wf, target);
        if (!step || (dest && dest.interruption)) return [];
        return step.exit_conditions.filter(function (c) { return SITE_CONDITIONS[c] && !SITE_CONDITIONS[c].met(view); });
      }

      function move(target, note) {
        if (locked) return;
        var unmet = unmetOnPhone(target);
        if (unmet.length) {
          fill(blockedBox, el('div', { class: 'tc-alert tc-alert--error', role: 'group', 'aria-labelledby': 'tc-blocked-title', tabindex: '-1' },
            el('h3', { class: 'tc-alert-title', id: 'tc-blocked-title' }, 'Before you ' + verb(target)),
            el('ul', { class: 'tc-alert-list' }, unmet.map(function (c) {
              var cond = SITE_CONDITIONS[c];
              return el('li', {}, el('a', {
                href: '#tc-' + cond.section,
                onclick: function (e) { e.preventDefault(); focusOn(document.getElementById('tc-' + cond.section + '-title')); },
              }, cond.todo));
            }))));
          focusOn(blockedBox.firstChild);
          alarm('Before you ' + verb(target) + ': ' + unmet.map(function (c) { return SITE_CONDITIONS[c].todo.toLowerCase(); }).join('; ') + '.');
          return;
        }
        fill(blockedBox);
        // A short lock: the next button appears where this one was; a double tap must not press it.
        locked = true;
        setTimeout(function () { locked = false; update(); }, 600);
        enqueue('transition', orderId, { to: target, note: note || null }).then(function () {
          holdNote.control.value = '';
          setHold(false);
          var words = MOVES[target] ? MOVES[target].done : 'Moved to ' + stepLabel(target, order);
          say(words + '. ' + (navigator.onLine === false ? 'Saved on the phone; it is sent when you are back online.' : 'Sending.'));
          focusOn(title, false);
        });
      }

      function update() {
        var steps = view.next_steps;
        var blocked = forOrder(orderId).some(function (i) { return i.status === 'failed' && i.type === 'transition'; });
        if (blocked) {
          fill(buttons, el('p', { class: 'tc-empty' }, 'Resolve the problem at the top first: send the step again or discard it.'));
          hold.hidden = true;
          fill(check);
          return;
        }
        if (steps === null || steps === undefined) {
          fill(buttons, el('p', { class: 'tc-empty' }, 'The next steps show once your changes are sent.'));
          fill(check);
          return;
        }
        if (!steps.length) {
          var finished = ['completed', 'invoiced', 'paid', 'closed'].indexOf(view.step) >= 0;
          fill(buttons, el('div', { class: 'tc-done' + (finished ? '' : ' tc-done--other') },
            el('span', { class: 'tc-done-mark', 'aria-hidden': 'true' }),
            el('div', {},
              el('p', { class: 'tc-done-title' }, finished ? 'Job ' + view.step_label.toLowerCase() : view.step_label),
              el('p', {}, finished ? 'Nothing more to do on this job. The office takes it from here.' : 'The office takes it from here.'))));
          hold.hidden = true;
          fill(check);
          return;
        }
        var primary = steps.filter(function (s) { return !MOVES[s.key] || MOVES[s.key].kind !== 'hold'; });
        var holdStep = steps.filter(function (s) { return MOVES[s.key] && MOVES[s.key].kind === 'hold'; })[0];
        var focusedText = buttons.contains(document.activeElement) ? document.activeElement.textContent : null;
        var nodes = primary.map(function (s, i) {
          var words = MOVES[s.key];
          var kind = words ? words.kind : 'secondary';
          return el('button', {
            type: 'button',
            class: 'tc-button tc-button--big' + (kind === 'success' ? ' tc-button--success' : i > 0 || kind === 'secondary' ? ' tc-button--secondary' : ''),
            'data-step': s.key,
            disabled: locked,
            onclick: function () { move(s.key); },
          }, words ? words.button : 'Move to ' + s.label);
        });
        holdToggle = holdStep ? el('button', {
          type: 'button', class: 'tc-button tc-button--quiet', 'aria-expanded': String(holdOpen), 'aria-controls': 'tc-hold',
          onclick: function () { setHold(!holdOpen); },
        }, 'On hold…') : null;
        fill(buttons, el('div', { class: 'tc-actions-primary' }, nodes),
          holdToggle ? el('div', { class: 'tc-actions-more' }, holdToggle) : null);
        hold.hidden = !(holdStep && holdOpen);
        if (focusedText) {
          var again = Array.prototype.filter.call(buttons.querySelectorAll('button'), function (b) { return b.textContent === focusedText; })[0];
          if (again) again.focus({ preventScroll: true });
        }
        // What the step needs before the job can move on (the conditions a technician meets).
        var wf = workflowFor(order);
        var step = stepOf(wf, view.step);
        var conds = step ? step.exit_conditions.filter(function (c) { return SITE_CONDITIONS[c]; }) : [];
        var forward = primary[0];
        if (!conds.length || !forward) { fill(check); return; }
        if (!conds.some(function (c) { return !SITE_CONDITIONS[c].met(view); })) fill(blockedBox);
        fill(check, el('div', { class: 'tc-checklist' },
          el('h3', { class: 'tc-checklist-title' }, 'Before you ' + verb(forward.key)),
          el('ul', {}, conds.map(function (c) {
            var cond = SITE_CONDITIONS[c];
            var met = cond.met(view);
            return el('li', { class: 'tc-check' + (met ? ' tc-check--done' : '') },
              el('span', { class: 'tc-check-mark', 'aria-hidden': 'true' }),
              el('span', { class: 'tc-check-text' }, met ? cond.done : cond.todo, hidden(met ? ' (done)' : ' (to do)')));
          }))));
      }
      return { element: section, update: update };
    }

    // -- items
    function itemsSection() {
      var title = el('h2', { class: 'tc-section-title', id: 'tc-items-title', tabindex: '-1' }, 'Work and materials');
      var total = el('span', { class: 'tc-section-meta' });
      var list = el('ul', { class: 'tc-items', 'aria-labelledby': 'tc-items-title' });
      var sum = el('div', {});
      var select = el('select', {});
      var item = field({ id: 'tc-item', label: 'Item from the price list', control: select });
      var qtyInput = el('input', { type: 'number', inputmode: 'numeric', min: '1', max: '999', step: '1', value: '1' });
      var minus = el('button', { type: 'button', class: 'tc-qty-button', 'aria-label': 'One fewer', onclick: function () { bump(-1); } }, '−');
      var plus = el('button', { type: 'button', class: 'tc-qty-button', 'aria-label': 'One more', onclick: function () { bump(1); } }, '+');
      var qty = field({ id: 'tc-qty', label: 'Quantity', control: qtyInput, wrap: function (c) { return el('div', { class: 'tc-qty' }, minus, c, plus); } });
      var estimate = el('p', { class: 'tc-estimate', 'aria-live': 'polite' });
      var add = el('button', { type: 'submit', class: 'tc-button' }, 'Add item');
      var noList = el('p', { class: 'tc-hint', hidden: true }, 'The price list is not on this phone yet. It loads the next time you have a signal.');
      var form = el('form', { class: 'tc-add', novalidate: true, onsubmit: submit, 'aria-labelledby': 'tc-add-item-title' },
        el('h3', { class: 'tc-add-title', id: 'tc-add-item-title' }, 'Add an item'),
        noList, item.element, el('div', { class: 'tc-qty-row' }, qty.element, estimate), add);
      var section = el('section', { class: 'tc-section', id: 'tc-items', 'aria-labelledby': 'tc-items-title' },
        el('div', { class: 'tc-section-head' }, title, total), list, sum, form);
      var listVersion = null;

      select.addEventListener('change', function () { item.clearError(); showEstimate(); });
      qtyInput.addEventListener('input', function () { qty.clearError(); showEstimate(); });

      function bump(delta) {
        var n = parseInt(qtyInput.value, 10) || 0;
        qtyInput.value = String(Math.min(999, Math.max(1, n + delta)));
        qty.clearError();
        showEstimate();
      }

      function showEstimate() {
        var p = priceItem(select.value);
        var n = parseInt(qtyInput.value, 10);
        fill(estimate, p && n >= 1 ? ['Adds ', el('strong', {}, money(p.unit_price_cents * n))] : '');
      }

      function fillSelect() {
        var key = JSON.stringify((state.priceList || []).map(function (p) { return [p.id, p.unit_price_cents]; }));
        if (key === listVersion) return;
        listVersion = key;
        var chosen = select.value;
        var options = [el('option', { value: '' }, 'Choose an item')];
        (state.priceList || []).forEach(function (p) {
          options.push(el('option', { value: p.id }, p.name + ' – ' + money(p.unit_price_cents) + (p.unit && p.unit !== 'each' ? ' per ' + p.unit : '')));
        });
        fill(select, options);
        select.value = chosen;
        noList.hidden = !!(state.priceList && state.priceList.length);
        select.disabled = !state.priceList || !state.priceList.length;
        add.disabled = select.disabled;
      }

      function submit(event) {
        event.preventDefault();
        item.clearError();
        qty.clearError();
        var p = priceItem(select.value);
        var n = Number(qtyInput.value);
        var bad = null;
        if (!p) { item.setError('Choose an item from the price list'); bad = bad || select; }
        if (!Number.isInteger(n) || n < 1 || n > 999) { qty.setError('Enter a whole number from 1 to 999'); bad = bad || qtyInput; }
        if (bad) { bad.focus(); alarm('Check the item: ' + (!p ? 'choose an item. ' : '') + (bad === qtyInput || !Number.isInteger(n) || n < 1 || n > 999 ? 'Enter a quantity from 1 to 999.' : '')); return; }
        enqueue('line_item', orderId, { price_item_id: p.id, quantity: n }, { item_name: p.name }).then(function () {
          say('Added ' + n + ' × ' + p.name + '. ' + (navigator.onLine === false ? 'Saved on the phone; it is sent when you are back online.' : 'Sending.'));
          select.value = '';
          qtyInput.value = '1';
          showEstimate();
          select.focus();
        });
      }

      function update() {
        fillSelect();
        var open = view.next_steps && view.next_steps.length;
        form.hidden = !open;
        var lines = view.line_items;
        total.textContent = lines.length ? plural(lines.length, 'item', 'items') : '';
        if (!lines.length) {
          fill(list, el('li', { class: 'tc-empty', style: 'padding: 0.75rem 0.25rem; border-bottom: 1px solid var(--tc-line)' }, 'No items yet.'));
          fill(sum);
          return;
        }
        fill(list, lines.map(function (li) {
          var p = priceItem(li.price_item_id);
          var unit = p && p.unit && p.unit !== 'each' ? ' per ' + p.unit : ' each';
          return el('li', { class: 'tc-item' + (li.waiting ? ' tc-is-pending' : '') },
            el('span', { class: 'tc-item-name' }, li.description),
            el('span', { class: 'tc-item-total' }, money(li.total_cents)),
            el('span', { class: 'tc-item-qty' }, li.quantity + ' × ' + money(li.unit_price_cents) + unit),
            li.waiting ? pendingMark(li) : el('span', {}));
        }));
        var anyWaiting = lines.some(function (li) { return li.waiting; });
        fill(sum, el('p', { class: 'tc-items-total' },
          el('span', {}, 'Total', anyWaiting ? el('span', { class: 'tc-items-total-note' }, ' (with items waiting to send)') : null),
          el('span', {}, money(view.total_cents))));
      }
      return { element: section, update: update };
    }

    // -- notes
    function notesSection() {
      var title = el('h2', { class: 'tc-section-title', id: 'tc-notes-title', tabindex: '-1' }, 'Notes');
      var count = el('span', { class: 'tc-section-meta' });
      var list = el('ul', { class: 'tc-notes', 'aria-labelledby': 'tc-notes-title' });
      var text = field({ id: 'tc-note', label: 'Add a note', control: el('textarea', { rows: '3', maxlength: '2000' }),
        hint: 'The office sees your notes. Customers do not.' });
      var form = el('form', { class: 'tc-add', novalidate: true, onsubmit: submit },
        text.element, el('button', { type: 'submit', class: 'tc-button' }, 'Add note'));
      var section = el('section', { class: 'tc-section', id: 'tc-notes', 'aria-labelledby': 'tc-notes-title' },
        el('div', { class: 'tc-section-head' }, title, count), list, form);
      text.control.addEventListener('input', function () { text.clearError(); });

      function submit(event) {
        event.preventDefault();
        var value = text.control.value.trim();
        if (!value) { text.setError('Write a note first'); text.control.focus(); alarm('Write a note first.'); return; }
        text.clearError();
        enqueue('note', orderId, { text: value }).then(function () {
          text.control.value = '';
          say('Note added. ' + (navigator.onLine === false ? 'Saved on the phone; it is sent when you are back online.' : 'Sending.'));
          text.control.focus();
        });
      }

      function update() {
        var open = view.next_steps && view.next_steps.length;
        form.hidden = !open;
        count.textContent = view.notes.length ? plural(view.notes.length, 'note', 'notes') : '';
        if (!view.notes.length) { fill(list, el('li', { class: 'tc-empty' }, 'No notes yet.')); return; }
        fill(list, view.notes.map(function (n) {
          return el('li', { class: 'tc-note' + (n.waiting ? ' tc-is-pending' : '') },
            el('p', { class: 'tc-note-text' }, n.text),
            el('p', { class: 'tc-note-meta' }, el('span', {}, who(n.author) + ' · ' + when(n.at)), pendingMark(n)));
        }));
      }
      return { element: section, update: update };
    }

    // -- photos
    function photosSection() {
      var title = el('h2', { class: 'tc-section-title', id: 'tc-photos-title', tabindex: '-1' }, 'Photos');
      var count = el('span', { class: 'tc-section-meta' });
      var grid = el('ul', { class: 'tc-photos', 'aria-labelledby': 'tc-photos-title' });
      var input = el('input', { type: 'file', id: 'tc-photo-input', accept: PHOTO_TYPES.join(',') + ',.heic', multiple: true });
      var error = el('p', { class: 'tc-error-message', id: 'tc-photo-error', hidden: true });
      var picker = el('div', { class: 'tc-file' }, input,
        el('span', { class: 'tc-button tc-button--secondary tc-file-label', 'aria-hidden': 'true' }, cameraIcon(), 'Take or add a photo'));
      input.setAttribute('aria-label', 'Take or add a photo');
      var form = el('div', {}, error, picker, el('p', { class: 'tc-hint', style: 'margin: 0.5rem 0 0' }, 'JPEG, PNG, WebP or HEIC, up to 10 MB each.'));
      var section = el('section', { class: 'tc-section', id: 'tc-photos', 'aria-labelledby': 'tc-photos-title' },
        el('div', { class: 'tc-section-head' }, title, count), grid, form);
      var shown = null;

      input.addEventListener('change', function () {
        var files = Array.prototype.slice.call(input.files || []);
        input.value = '';
        var problemsFound = [];
        var accepted = [];
        files.forEach(function (file) {
          var type = file.type || (/\.heic$/i.test(file.name) ? 'image/heic' : '');
          if (PHOTO_TYPES.indexOf(type) < 0) problemsFound.push(file.name + ' is not a photo: choose a JPEG, PNG, WebP or HEIC image.');
          else if (file.size > MAX_PHOTO_BYTES) problemsFound.push(file.name + ' is ' + megabytes(file.size) + '; photos can be up to 10 MB.');
          else if (!file.size) problemsFound.push(file.name + ' is empty.');
          else accepted.push({ file: file, type: type });
        });
        if (problemsFound.length) {
          fill(error, hidden('Error: '), problemsFound.join(' '));
          error.hidden = false;
          input.setAttribute('aria-describedby', 'tc-photo-error');
          alarm(problemsFound.join(' '));
        } else {
          error.hidden = true;
          input.removeAttribute('aria-describedby');
        }
        if (!accepted.length) return;
        Promise.all(accepted.map(function (a) {
          return enqueue('photo', orderId, {}, { photo: { blob: a.file, type: a.type, size: a.file.size, name: a.file.name } });
        })).then(function () {
          say(plural(accepted.length, 'photo', 'photos') + ' added. ' + (navigator.onLine === false ? 'Kept on the phone; sent when you are back online.' : 'Sending.'));
        });
      });

      function update() {
        var open = view.next_steps && view.next_steps.length;
        form.hidden = !open;
        count.textContent = view.photos.length ? plural(view.photos.length, 'photo', 'photos') : '';
        var key = JSON.stringify(view.photos.map(function (p) { return [p.id, p.waiting, p.sending]; }));
        if (key === shown) return; // keep loaded images
        shown = key;
        if (!view.photos.length) { fill(grid, el('li', { class: 'tc-empty', style: 'grid-column: 1 / -1' }, 'No photos yet.')); return; }
        fill(grid, view.photos.map(function (p, i) {
          var alt = 'Photo ' + (i + 1) + (p.uploaded_at ? ', ' + when(p.uploaded_at) : '');
          var img = el('img', { src: p.url, alt: alt, loading: 'lazy', decoding: 'async' });
          return el('li', { class: 'tc-photo' },
            p.waiting ? img : el('a', { href: p.url, target: '_blank', rel: 'noopener' }, img, hidden(' (opens the full photo)')),
            pendingMark(p));
        }));
      }
      return { element: section, update: update };
    }

    // -- signature
    function signatureSection() {
      var title = el('h2', { class: 'tc-section-title', id: 'tc-signature-title', tabindex: '-1' }, "Customer's signature");
      var content = el('div', {});
      var section = el('section', { class: 'tc-section', id: 'tc-signature', 'aria-labelledby': 'tc-signature-title' },
        el('div', { class: 'tc-section-head' }, title), content);
      var mode = null; // 'signed' | 'pad' | 'closed'
      var signAgain = false;
      var signNow = false;
      var pad = null;
      var shownKey = null;

      function update() {
        var open = view.next_steps && view.next_steps.length;
        var sig = view.signature;
        var step = stepOf(workflowFor(order), view.step);
        var due = !step || step.exit_conditions.indexOf('has_signature') >= 0;
        var want = sig && !signAgain ? 'signed' : !open ? 'closed' : due || signNow ? 'pad' : 'later';
        var key = want + (sig ? '|' + sig.url.slice(-40) + '|' + sig.waiting + '|' + sig.sending : '');
        if (key === shownKey) return;
        shownKey = key;
        mode = want;
        if (pad && want !== 'pad') { pad.destroy(); pad = null; }
        if (want === 'signed') {
          fill(content, el('div', { class: 'tc-signed' },
            el('img', { class: 'tc-signed-image', src: sig.url, alt: 'Signature of ' + (sig.signed_by || 'the customer') }),
            el('p', { class: 'tc-signed-meta' }, 'Signed by ', el('strong', {}, sig.signed_by || 'the customer'), sig.at ? ' · ' + when(sig.at) : '', ' ', pendingMark(sig)),
            open ? el('div', {}, el('button', {
              type: 'button', class: 'tc-button tc-button--secondary tc-button--small',
              onclick: function () { signAgain = true; update(); var c = content.querySelector('canvas'); focusOn(title); if (c) c.scrollIntoView({ block: 'center' }); },
            }, 'Sign again')) : null));
        } else if (want === 'pad') {
          if (!pad) pad = signaturePad(view.customer.name, function (png, signer) {
            return enqueue('signature', orderId, { image_png_base64: png, signed_by: signer }).then(function () {
              signAgain = false;
              say('Signature saved. ' + (navigator.onLine === false ? 'Kept on the phone; sent when you are back online.' : 'Sending.'));
              update();
              focusOn(title, false);
            });
          }, view.signature ? function () { signAgain = false; update(); focusOn(title, false); } : null);
          fill(content, pad.element);
          pad.resize();
        } else if (want === 'later') {
          fill(content, el('p', { class: 'tc-empty' }, 'The customer signs here when the work is done.'),
            el('div', { class: 'tc-button-row' }, el('button', {
              type: 'button', class: 'tc-button tc-button--secondary tc-button--small',
              onclick: function () { signNow = true; update(); var c = content.querySelector('input'); if (c) c.scrollIntoView({ block: 'center' }); focusOn(title, false); },
            }, 'Get the signature now')));
        } else {
          fill(content, el('p', { class: 'tc-empty' }, 'Not signed.'));
        }
      }
      return { element: section, update: update, leave: function () { if (pad) pad.destroy(); } };
    }

    // -- history
    function historySection() {
      var title = el('h2', { class: 'tc-section-title', id: 'tc-history-title', tabindex: '-1' }, 'History');
      var list = el('ol', { class: 'tc-history', reversed: true, 'aria-labelledby': 'tc-history-title' });
      var section = el('section', { class: 'tc-section', 'aria-labelledby': 'tc-history-title' },
        el('div', { class: 'tc-section-head' }, title, el('span', { class: 'tc-section-meta' }, 'Newest first')), list);
      function update() {
        var moves = view.history.slice().reverse();
        fill(list, moves.map(function (m) {
          return el('li', { class: 'tc-move' + (m.waiting ? ' tc-is-pending' : '') },
            el('p', { class: 'tc-move-title' }, stepLabel(m.to, order), m.from ? el('span', { class: 'tc-move-meta' }, ' from ' + stepLabel(m.from, order)) : null),
            el('p', { class: 'tc-move-meta' }, [who(m.by), when(m.at)].filter(Boolean).join(' · '), ' ', pendingMark(m)),
            m.note ? el('p', { class: 'tc-move-note' }, m.note) : null);
        }));
      }
      return { element: section, update: update };
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

  /** An order made from the day's list entry, for a job never opened with a signal. */
  function basicOrder(job) {
    var wf = state.workflow;
    var order = {
      order_id: job.order_id, step: job.step, step_label: job.step_label, version: job.version,
      workflow_version: wf ? wf.version : null, customer: job.customer, address: job.address,
      appointment: job.appointment, service_name: job.service_name, description: job.description,
      line_items: [], total_cents: 0, notes: [], history: [], photos: [], signature: null,
    };
    order.next_steps = nextStepsFrom(job.step, order);
    return order;
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
    else why = '.';
    var retryWords = isMove && e.status === 409 ? 'Send again' : 'Try again';
    return el('div', { class: 'tc-alert tc-alert--error', role: 'group', 'aria-labelledby': titleId, tabindex: '-1', 'data-problem': item.seq },
      el('h2', { class: 'tc-alert-title', id: titleId }, problemTitle(item)),
      el('p', {}, el('span', { class: 'tc-alert-what' }, describe(item)), ' was not accepted', why),
      unmet.length ? el('ul', { class: 'tc-alert-list' }, unmet.map(function (u) { return el('li', {}, capital(u.message || u.condition)); })) : null,
      !unmet.length && e.message ? el('p', { class: 'tc-alert-server' }, el('span', { class: 'tc-alert-server-label' }, 'Server: '), e.message) : null,
      order ? el('p', { class: 'tc-alert-state' }, 'The job now: ', el('strong', {}, order.step_label), lastChange(order)) : null,
      el('p', {}, isMove && e.status === 409 ? 'Send it again if it still applies, or discard it.'
        : unmet.length ? 'Do what is missing, then try again; or discard it.' : 'Try again, or discard it.'),
      later ? el('p', {}, plural(later, 'later step waits', 'later steps wait') + ' until this is resolved.') : null,
      el('div', { class: 'tc-button-row' },
        el('button', { type: 'button', class: 'tc-button', 'aria-label': retryWords + ': ' + describe(item), onclick: function () { retry(item); } }, retryWords),
        el('button', { type: 'button', class: 'tc-button tc-button--danger-text', 'aria-label': 'Discard: ' + describe(item), onclick: function () { discard(item); } },
          'Discard')));
  }

  function verb(step) { return MOVES[step] ? MOVES[step].verb : 'move on'; }

  function capital(text) { text = String(text || ''); return text.charAt(0).toUpperCase() + text.slice(1); }

  function lastChange(order) {
    var last = order.history && order.history[order.history.length - 1];
    if (!last) return '';
    return ', moved by ' + (last.by === me() ? 'you' : who(last.by).replace(/^Office/, 'the office').replace(/^The/, 'the')) + (last.at ? ' ' + when(last.at) : '') + '.';
  }

  // --- the signature pad --------------------------------------------------------------------

  /** A canvas the customer signs with a finger, a pen or a mouse (pointer events), the name of
   * the signer, Clear and Save. `save(base64png, signer)` is called with a PNG under 190 KB. */
  function signaturePad(customerName, save, cancel) {
    var canvas = el('canvas', { class: 'tc-pad', role: 'img', 'aria-label': 'Signature box', 'aria-describedby': 'tc-pad-hint' });
    var hint = el('p', { class: 'tc-hint', id: 'tc-pad-hint' }, 'Ask the customer to sign in the box with a finger.');
    var error = el('p', { class: 'tc-error-message', id: 'tc-pad-error', hidden: true });
    var signer = field({ id: 'tc-signer', label: 'Name of the person signing',
      control: el('input', { type: 'text', autocomplete: 'off', maxlength: '120', value: customerName || '' }) });
    var clear = el('button', { type: 'button', class: 'tc-button tc-button--secondary', onclick: function () { strokes = []; draw(); setError(null); say('Signature cleared.'); } }, 'Clear');
    var submit = el('button', { type: 'button', class: 'tc-button', onclick: onSave }, 'Save signature');
    var element = el('div', { class: 'tc-pad-area' },
      hint,
      el('div', { class: 'tc-pad-wrap' }, canvas, el('span', { class: 'tc-pad-hint', 'aria-hidden': 'true' }, 'Sign above the line')),
      error, // below the box: the box must not move under the finger when the message goes
      signer.element,
      el('div', { class: 'tc-button-row tc-pad-actions' }, clear, submit),
      cancel ? el('div', { class: 'tc-button-row' }, el('button', { type: 'button', class: 'tc-link-button', onclick: cancel }, 'Keep the saved signature')) : null);
    var strokes = []; // each a list of [x, y] in 0..1 of the box
    var currentStroke = null;
    var ctx = canvas.getContext('2d');
    var ratio = 1;

    function setError(message) {
      if (message) {
        fill(error, hidden('Error: '), message);
        error.hidden = false;
        canvas.setAttribute('aria-describedby', 'tc-pad-hint tc-pad-error');
      } else {
        error.hidden = true;
        canvas.setAttribute('aria-describedby', 'tc-pad-hint');
      }
    }

    function resize() {
      var rect = canvas.getBoundingClientRect();
      if (!rect.width) return;
      ratio = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
      canvas.width = Math.round(rect.width * ratio);
      canvas.height = Math.round(rect.height * ratio);
      draw();
    }

    function paint(context, width, height, lineWidth) {
      context.lineCap = 'round';
      context.lineJoin = 'round';
      context.strokeStyle = '#101828';
      context.lineWidth = lineWidth;
      strokes.forEach(function (stroke) {
        context.beginPath();
        stroke.forEach(function (p, i) {
          var x = p[0] * width, y = p[1] * height;
          if (i === 0) { context.moveTo(x, y); context.lineTo(x + 0.01, y + 0.01); } else context.lineTo(x, y);
        });
        context.stroke();
      });
    }

    function draw() {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      paint(ctx, canvas.width, canvas.height, 2.5 * ratio);
      canvas.classList.toggle('tc-pad--signed', strokes.length > 0);
    }

    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return [Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width)), Math.min(1, Math.max(0, (event.clientY - rect.top) / rect.height))];
    }

    function down(event) {
      if (event.pointerType === 'mouse' && event.button !== 0) return;
      event.preventDefault();
      try { canvas.setPointerCapture(event.pointerId); } catch (e) { /* ignore */ }
      currentStroke = [point(event)];
      strokes.push(currentStroke);
      canvas.classList.add('tc-pad--active');
      draw();
    }
    function moveTo(event) {
      if (!currentStroke) return;
      event.preventDefault();
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
      (events.length ? events : [event]).forEach(function (e) { currentStroke.push(point(e)); });
      draw();
    }
    function up() {
      if (!currentStroke) return;
      currentStroke = null;
      canvas.classList.remove('tc-pad--active');
      setError(null);
    }

    canvas.addEventListener('pointerdown', down);
    canvas.addEventListener('pointermove', moveTo);
    canvas.addEventListener('pointerup', up);
    canvas.addEventListener('pointercancel', up);
    canvas.addEventListener('lostpointercapture', up);
    window.addEventListener('resize', resize);

    /** The PNG (base64, no data: prefix), scaled down until it is small enough. */
    function png() {
      var rect = canvas.getBoundingClientRect();
      var aspect = rect.width && rect.height ? rect.height / rect.width : 0.45;
      var widths = [800, 600, 450, 320, 240];
      for (var i = 0; i < widths.length; i++) {
        var out = document.createElement('canvas');
        out.width = widths[i];
        out.height = Math.round(widths[i] * aspect);
        var c = out.getContext('2d');
        c.fillStyle = '#ffffff';
        c.fillRect(0, 0, out.width, out.height);
        paint(c, out.width, out.height, Math.max(2, widths[i] / 160));
        var data = out.toDataURL('image/png').split(',')[1];
        if (data.length * 3 / 4 <= MAX_SIGNATURE_BYTES) return data;
      }
      return null;
    }

    function onSave() {
      var name = signer.control.value.trim();
      signer.clearError();
      setError(null);
      var ink = strokes.reduce(function (n, s) { return n + s.length; }, 0);
      if (ink < 3) {
        setError('Ask the customer to sign in the box first');
        alarm('Ask the customer to sign in the box first.');
        canvas.scrollIntoView({ block: 'center' });
        (name ? submit : signer.control).focus({ preventScroll: true });
        if (!name) signer.setError('Enter the name of the person signing');
        return;
      }
      if (!name) { signer.setError('Enter the name of the person signing'); signer.control.focus(); alarm('Enter the name of the person signing.'); return; }
      var data = png();
      if (!data) { setError('The signature is too detailed to send. Clear it and sign again.'); return; }
      submit.disabled = true;
      Promise.resolve(save(data, name)).finally(function () { submit.disabled = false; });
    }

    setTimeout(resize, 0);
    return {
      element: element,
      resize: function () { setTimeout(resize, 0); },
      destroy: function () { window.removeEventListener('resize', resize); },
    };
  }

  // --- the changes on this phone ------------------------------------------------------------

  function changesView() {
    var heading = el('h1', { class: 'tc-title', tabindex: '-1' }, 'Changes on this phone');
    var intro = el('p', { class: 'tc-subtitle' });
    var sendNow = el('button', { type: 'button', class: 'tc-button', onclick: function () { retryDelay = 0; flush(); say('Sending.'); } }, 'Send now');
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
    pending: function () { return mine().map(function (i) { return { type: i.type, status: i.status, key: i.key, order_id: i.order_id, error: i.error || null }; }); },
    flush: flush,
  };
})();
