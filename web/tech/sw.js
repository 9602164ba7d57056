/* The technician app's service worker.
 *
 * - The app shell (HTML, CSS, JS, manifest, icons) is cached when the worker installs, so the app
 *   opens without a signal. Shell requests go to the network first (a new version shows at once)
 *   and fall back to the cache after a few seconds or when offline.
 * - API reads the app needs in the field (the day's jobs, a job, the price list, the process map,
 *   the business card) go to the network first; a good answer is kept, and when the network fails
 *   the kept copy is answered instead, marked with an `X-Offline-Copy` header (when it was saved).
 * - Writes (POST) are never touched here: the app queues them itself (IndexedDB) and replays
 *   them with their Idempotency-Key when the connection is back.
 * - The page asks the worker to forget the kept API answers when the technician signs out.
 */
'use strict';

var VERSION = 'v2'; // v2: the app is ES modules (app.js and the modules it imports), no longer tech.js
// Any change to this file installs the worker anew, and installing fetches the whole shell again
// (`cache: 'reload'`) into the same cache. Last change: the quote builder's modules
// (views/quote.js, quote-parts.js, quote-totals.js, job-quote.js) and the reads it needs offline (the kinds of
// work, each kind's map, an order's quotes).
var SHELL_CACHE = 'tech-shell-' + VERSION;
// The kept API answers do not depend on the app's version, and the page deletes this cache by
// name when the technician signs out: its name stays, so an update keeps the offline copies.
var API_CACHE = 'tech-api-v1';
var SHELL = [
  './',
  'index.html',
  'tech.css',
  // every module of the app, or it does not start offline (index.html preloads the same list)
  'app.js',
  'dom.js',
  'format.js',
  'api.js',
  'store.js',
  'queue.js',
  'data.js',
  'signature.js',
  'views/signin.js',
  'views/day.js',
  'views/job.js',
  'views/job-actions.js',
  'views/job-record.js',
  'views/changes.js',
  'views/job-quote.js',
  'views/quote.js',
  'views/quote-parts.js',
  'views/quote-totals.js',
  'manifest.webmanifest',
  'icons/icon.svg',
  'icons/icon-192.png',
  'icons/icon-512.png',
  'icons/icon-maskable-512.png',
  'icons/apple-touch-icon.png',
];
var NETWORK_TIMEOUT_MS = 4000;
var forgottenAt = 0; // answers to reads started before the last sign-out are not kept
var API_READS = [
  /^\/technician\/jobs$/,
  /^\/orders\/[^/]+$/,
  /^\/price-list$/,
  /^\/workflow$/, // also ?kind= (the map of each kind of work: kept by its whole URL)
  /^\/workflow\/kinds$/,
  /^\/orders\/[^/]+\/quotes$/,
  /^\/business$/,
];

self.addEventListener('install', function (event) {
  event.waitUntil(
    caches.open(SHELL_CACHE)
      .then(function (cache) { return cache.addAll(SHELL.map(function (path) { return new Request(path, { cache: 'reload' }); })); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener('activate', function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (keys) {
        return Promise.all(keys.filter(function (key) {
          return /^tech-/.test(key) && key !== SHELL_CACHE && key !== API_CACHE;
        }).map(function (key) { return caches.delete(key); }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

self.addEventListener('message', function (event) {
  var data = event.data || {};
  if (data.type === 'forget-api') {
    forgottenAt = Date.now();
    var done = caches.delete(API_CACHE).then(function () {
      if (event.source) event.source.postMessage({ type: 'api-forgotten' });
    });
    if (event.waitUntil) event.waitUntil(done);
  }
});

self.addEventListener('fetch', function (event) {
  var request = event.request;
  if (request.method !== 'GET') return; // writes go straight to the network
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return; // photos and signatures from the file store
  var scope = new URL(self.registration.scope).pathname; // "/tech/"
  if (request.mode === 'navigate' && url.pathname.indexOf(scope) === 0) {
    event.respondWith(shell(request, new Request(scope)));
  } else if (url.pathname.indexOf(scope) === 0) {
    event.respondWith(shell(request, request));
  } else if (API_READS.some(function (pattern) { return pattern.test(url.pathname); })) {
    event.respondWith(apiRead(request));
  }
});

/** A promise of fetch(request) that gives up after `ms` (the request itself carries on). */
function fetchWithin(request, ms) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error('timeout')); }, ms);
    fetch(request).then(function (response) { clearTimeout(timer); resolve(response); },
      function (error) { clearTimeout(timer); reject(error); });
  });
}

function shell(request, cacheKey) {
  return fetchWithin(request, NETWORK_TIMEOUT_MS).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(SHELL_CACHE).then(function (cache) { return cache.put(cacheKey, copy); });
    }
    return response;
  }).catch(function (error) {
    return caches.open(SHELL_CACHE)
      .then(function (cache) { return cache.match(cacheKey, { ignoreSearch: true }); })
      .then(function (cached) {
        if (cached) return cached;
        throw error;
      });
  });
}

function apiRead(request) {
  var started = Date.now();
  return fetchWithin(request, NETWORK_TIMEOUT_MS * 2).then(function (response) {
    if (started <= forgottenAt) return response;
    if (response.status === 200) {
      var copy = response.clone();
      // A read answered while offline is cached with when it was saved.
      copy.blob().then(function (body) {
        if (started <= forgottenAt) return null;
        var headers = new Headers(copy.headers);
        headers.set('X-Saved-At', new Date().toISOString());
        return caches.open(API_CACHE).then(function (cache) {
          return cache.put(request.url, new Response(body, { status: 200, headers: headers }));
        });
      });
    } else if (response.status === 401 || response.status === 403 || response.status === 404) {
      // No longer this person's to see (caches.open would create the cache: check first).
      caches.has(API_CACHE).then(function (has) {
        return has && caches.open(API_CACHE).then(function (cache) { return cache.delete(request.url); });
      });
    }
    return response;
  }).catch(function (error) {
    return caches.open(API_CACHE)
      .then(function (cache) { return cache.match(request.url); })
      .then(function (cached) {
        if (!cached) throw error;
        return cached.blob().then(function (body) {
          var headers = new Headers(cached.headers);
          headers.set('X-Offline-Copy', cached.headers.get('X-Saved-At') || 'unknown');
          return new Response(body, { status: 200, headers: headers });
        });
      });
  });
}
