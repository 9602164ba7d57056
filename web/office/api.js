/* The office app's API client and the session it signs calls with.
 * - The session (ID token, refresh token, who is signed in), kept in localStorage under its own
 *   key, so the office app and the technician app in one browser never share a sign-in.
 * - api(path, {method, body, key, query, timeout}): JSON calls with a timeout. The ID token is
 *   renewed with the refresh token when it is about to expire, and once more after a 401.
 *   Resolves {status, data}; rejects with ApiError {status, code, message, details}; status 0
 *   means there was no answer. */

const SESSION_KEY = 'office.session';
const TIMEOUT_MS = 20000;

function read(key) {
  try { return JSON.parse(localStorage.getItem(key) || 'null'); } catch (e) { return null; }
}

let session = read(SESSION_KEY); // {token, expires_at, refresh_token, user: {id, name, email, role}}

function saveSession(value) {
  session = value;
  try { localStorage.setItem(SESSION_KEY, JSON.stringify(value)); } catch (e) { /* private mode: this tab only */ }
}

function forgetSession() {
  session = null;
  try { localStorage.removeItem(SESSION_KEY); } catch (e) { /* nothing kept */ }
}

const tokenFresh = () => !!(session && session.token && session.expires_at > Date.now() + 30000);
/** Signed in while the ID token is fresh, or while the refresh token can get a new one. */
const signedIn = () => tokenFresh() || !!(session && session.user && session.refresh_token);
const me = () => (session && session.user ? session.user : null);
const currentSession = () => session;

/** A random UUID v4, for Idempotency-Key headers (randomUUID needs a secure context). */
function uuid() {
  if (window.isSecureContext && crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || null;
  }
}

function plainMessage(status) {
  if (status === 0) return 'There is no connection to the server. Check the network and try again.';
  if (status === 401) return 'Your sign-in has expired. Please sign in again.';
  if (status === 429) return 'The server is busy just now. Try again in a moment.';
  if (status >= 500) return 'Something went wrong on the server. Try again; if it keeps happening, tell your administrator.';
  return `The server refused this (error ${status}).`;
}

function withQuery(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const text = params.toString();
  return text ? path + (path.includes('?') ? '&' : '?') + text : path;
}

async function send(path, options) {
  const headers = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.auth !== false && session && session.token) headers.Authorization = `Bearer ${session.token}`;
  if (options.key) headers['Idempotency-Key'] = options.key;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeout || TIMEOUT_MS);
  let response;
  try {
    response = await fetch(withQuery(path, options.query), {
      method: options.method || 'GET',
      headers,
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      credentials: 'omit',
      cache: 'no-store',
      signal: options.signal || controller.signal,
    });
  } catch (e) {
    if (options.signal && options.signal.aborted) throw new ApiError(0, 'aborted', 'Cancelled.', null);
    throw new ApiError(0, 'network', plainMessage(0), null);
  } finally {
    clearTimeout(timer);
  }
  const data = await response.json().catch(() => null);
  if (response.ok) return { status: response.status, data };
  const error = (data && data.error) || {};
  const message = response.status >= 500 ? plainMessage(response.status) : error.message || plainMessage(response.status);
  throw new ApiError(response.status, error.code || `http_${response.status}`, message, error.details);
}

let renewing = null; // one renewal at a time, shared by every call waiting for it
function renew() {
  if (!renewing) {
    const refreshToken = session.refresh_token;
    renewing = send('/auth/refresh', { method: 'POST', auth: false, body: { refresh_token: refreshToken } })
      .then((r) => {
        if (!session || session.refresh_token !== refreshToken) return; // signed out meanwhile
        saveSession({ token: r.data.id_token, expires_at: Date.now() + (r.data.expires_in || 3600) * 1000,
          refresh_token: refreshToken, user: r.data.user });
      }, (error) => {
        if (error.status === 401 && session && session.refresh_token === refreshToken) {
          saveSession({ ...session, refresh_token: null }); // ended: the password is needed again
        }
        throw error;
      })
      .finally(() => { renewing = null; });
  }
  return renewing;
}

let onExpired = () => {};
/** What the app does when the session has ended (app.js shows the sign-in screen). */
function whenExpired(callback) { onExpired = callback; }

async function api(path, options = {}) {
  if (options.auth === false) return send(path, options);
  if (!tokenFresh() && session && session.refresh_token) {
    await renew().catch(() => { /* the call below gets its own 401, or no connection */ });
  }
  try {
    return await send(path, options);
  } catch (error) {
    if (error.status !== 401) throw error;
    if (session && session.refresh_token) {
      try {
        await renew();
        return await send(path, options);
      } catch (again) {
        if (again.status !== 401) throw again;
      }
    }
    onExpired();
    throw error;
  }
}

export { api, ApiError, uuid, signedIn, me, currentSession, saveSession, forgetSession, whenExpired, withQuery };
