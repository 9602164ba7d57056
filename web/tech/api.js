/* The API client and the session it signs calls with.
 * - The session (ID token, refresh token, who is signed in) and the preferences (the business's
 *   timezone, currency and name, the last email address), kept in localStorage.
 * - api(): JSON calls with a timeout; the ID token, renewed with the refresh token when stale and
 *   once more after a 401; the Idempotency-Key header of a change (keys made with uuid()); errors
 *   as ApiError {status, code, message, details}, status 0 when there is no answer. */

var SESSION_KEY = 'tech.session';
var PREFS_KEY = 'tech.prefs';
var REQUEST_TIMEOUT_MS = 20000;

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

/** The session from now on (signed in, renewed or expired), kept across reloads. */
function saveSession(value) {
  session = value;
  writeJson(SESSION_KEY, session);
}
/** Signed out: nothing is kept. */
function forgetSession() {
  session = null;
  localStorage.removeItem(SESSION_KEY);
}

function tokenFresh() { return !!(session && session.token && session.expires_at > Date.now() + 30000); }
// Signed in while the ID token is fresh, or while a refresh token can get a new one.
function signedIn() { return tokenFresh() || !!(session && session.user && session.refresh_token); }
function me() { return session && session.user ? session.user.id : null; }

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
        saveSession({ token: r.data.id_token, expires_at: Date.now() + (r.data.expires_in || 3600) * 1000,
          refresh_token: refreshToken, user: r.data.user });
      }, function (error) {
        if (error.status === 401 && session && session.refresh_token === refreshToken) {
          session.refresh_token = null; // ended: the password is needed again
          saveSession(session);
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

export { prefs, savePrefs, session, saveSession, forgetSession, signedIn, me, ApiError, api, fetchWithin, uuid };
