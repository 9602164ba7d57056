/* The office app: the dispatch board, phone calls, customers, orders, the review inbox, the
 * process map, reports and settings, for the admin and dispatcher roles.
 *
 * Plain JavaScript modules, no build step, no dependencies; served from /office/ next to the
 * API, which it calls like any other client. This module is the entry (index.html loads it):
 * the sign-in gate, the bar with the nav and the account, and the router.
 *   api.js, dom.js, format.js   the API client and session; DOM helpers; words, dates, money
 *   views/signin.js             the sign-in screen
 *   views/<screen>.js           one module a screen, loaded with import() when first opened
 *
 * Routes are hashes, `#/<screen>/<parts...>?<query>`, so every screen can be linked (the
 * digest and alert emails link `#/orders/{order_id}` and `#/reviews/{period}/{date}`). A
 * screen module exports mount(root, ctx) -> {title, heading, leave} (or a promise of it), and
 * optionally update(ctx) -> true when it can show another route of its own without a remount.
 */

import { api, signedIn, me, saveSession, forgetSession, currentSession, whenExpired } from './api.js';
import { el, fill, focusOn, hidden, say, alarm, alertBox, button } from './dom.js';
import { setBusiness } from './format.js';
import { signInView } from './views/signin.js';

const ALL = ['admin', 'dispatcher'];
const ADMIN = ['admin'];

// The screens: the hash name, the module, the nav label and who sees it in the nav.
const SCREENS = {
  board: { module: './views/board.js', label: 'Board', roles: ALL },
  intake: { module: './views/intake.js', label: 'Phone call', roles: ALL },
  orders: { module: './views/orders.js', label: 'Orders', roles: ALL },
  quotes: { module: './views/quotes.js', label: 'Quotes', roles: ALL },
  customers: { module: './views/customers.js', label: 'Customers', roles: ALL },
  reviews: { module: './views/reviews.js', label: 'Reviews', roles: ALL },
  process: { module: './views/process.js', label: 'Process map', roles: ALL },
  reports: { module: './views/reports.js', label: 'Reports', roles: ADMIN },
  settings: { module: './views/settings.js', label: 'Settings', roles: ADMIN },
};
const HOME = 'board';

const appRoot = document.querySelector('[data-app]');
const nav = document.querySelector('[data-nav]');
const account = document.querySelector('[data-account]');
const businessName = document.querySelector('[data-business-name]');

let business = null; // GET /business, once signed in
let current = null; // {name, module, view, hash}
let generation = 0; // a newer navigation wins over a slower older one

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, search] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map((p) => {
    try { return decodeURIComponent(p); } catch (e) { return p; }
  });
  const name = SCREENS[parts[0]] ? parts[0] : HOME;
  return { name, parts: SCREENS[parts[0]] ? parts.slice(1) : [], query: new URLSearchParams(search || ''), unknown: !!parts[0] && !SCREENS[parts[0]] };
}

function renderBar(active) {
  const user = signedIn() ? me() : null;
  businessName.textContent = user && business ? business.name || '' : '';
  if (!user) {
    nav.hidden = true; account.hidden = true;
    fill(nav); fill(account);
    return;
  }
  const links = Object.entries(SCREENS).filter(([, s]) => s.roles.includes(user.role)).map(([name, s]) =>
    el('a', { class: 'of-nav-link', href: `#/${name}`, 'aria-current': name === active ? 'page' : null, 'data-screen': name }, s.label));
  fill(nav, el('ul', { class: 'of-nav-list' }, links.map((a) => el('li', {}, a))));
  nav.hidden = false;
  showInboxCount();
  fill(account,
    el('span', { class: 'of-account-name' }, user.name, el('span', { class: 'of-account-role' }, ` (${user.role})`)),
    button('Sign out', signOut, { kind: 'secondary', small: true }));
  account.hidden = false;
}

// The Reviews link shows how many items of the latest daily review are still open for the
// signed-in person: read at most once a minute (and after acting on an item, by the inbox).
let inbox = { count: null, at: 0, user: null, pending: null };
function showInboxCount(force) {
  const user = me();
  const link = nav.querySelector('[data-screen="reviews"]');
  if (!user || !link) return;
  if (inbox.user !== user.id) inbox = { count: null, at: 0, user: user.id, pending: null };
  const draw = () => {
    const old = link.querySelector('.of-nav-count');
    if (old) old.remove();
    if (inbox.count) link.append(' ', el('span', { class: 'of-nav-count' }, String(inbox.count), hidden(inbox.count === 1 ? ' item to do' : ' items to do')));
  };
  draw();
  if (inbox.pending || (!force && Date.now() - inbox.at < 60000)) return;
  inbox.pending = api('/reviews/inbox').then((r) => {
    inbox.count = (r.data && r.data.counts && r.data.counts.open) || 0;
  }, () => { /* the count is a convenience: the inbox itself says what went wrong */ }).finally(() => {
    inbox.at = Date.now();
    inbox.pending = null;
    if (inbox.user === (me() && me().id)) {
      const now = nav.querySelector('[data-screen="reviews"]');
      if (now === link) draw(); else showInboxCount();
    }
  });
}

function context(route) {
  return {
    parts: route.parts,
    query: route.query,
    user: me(),
    business,
    go: (hash) => { if (location.hash === hash) show(); else location.hash = hash; },
    refresh: () => show({ force: true }),
    inboxChanged: () => showInboxCount(true),
  };
}

function leaveCurrent() {
  if (current && current.view && typeof current.view.leave === 'function') {
    try { current.view.leave(); } catch (e) { /* the next screen still opens */ }
  }
  current = null;
}

async function show(options = {}) {
  const mine = ++generation;
  const route = parseHash();
  if (!signedIn()) {
    leaveCurrent();
    renderBar(null);
    const view = signInView(options.message, onSignedIn);
    fill(appRoot, view.element);
    document.title = 'Sign in – Office';
    if (options.focus !== false) focusOn(view.heading, false);
    return;
  }
  const user = me();
  if (!ALL.includes(user.role)) { // a technician: their app is /tech/
    location.replace('/tech/');
    return;
  }
  if (!business) {
    try {
      business = (await api('/business')).data || {};
      setBusiness(business);
    } catch (error) {
      if (mine !== generation || !signedIn()) return;
      fill(appRoot, alertBox('error', 'The office could not be opened', error.message,
        button('Try again', () => show())));
      return;
    }
  }
  if (mine !== generation) return;
  renderBar(route.name);
  const screen = SCREENS[route.name];
  const ctx = context(route);
  const hash = location.hash;
  // The same screen, another route of its own: the screen may keep its state.
  if (!options.force && current && current.name === route.name && typeof current.module.update === 'function') {
    if (current.module.update(ctx, current.view) === true) { current.hash = hash; return; }
  }
  leaveCurrent();
  fill(appRoot, el('p', { class: 'of-loading' }, 'Loading…'));
  let module;
  try {
    module = await import(screen.module);
  } catch (error) {
    if (mine !== generation) return;
    fill(appRoot, alertBox('error', 'This screen could not be loaded', 'Check the connection and reload the page.'));
    return;
  }
  if (mine !== generation) return;
  const root = el('div', { class: `of-screen of-screen--${route.name}` });
  fill(appRoot, root);
  let view;
  try {
    view = (await module.mount(root, ctx)) || {};
  } catch (error) {
    if (mine !== generation) return;
    fill(root, alertBox('error', 'Something went wrong', error && error.message ? error.message : String(error),
      button('Try again', () => show({ force: true }))));
    return;
  }
  if (mine !== generation) { if (typeof view.leave === 'function') view.leave(); return; }
  current = { name: route.name, module, view, hash };
  document.title = `${view.title || screen.label} – Office`;
  if (route.unknown) alarm('That page does not exist; here is the board.');
  if (options.focus !== false && view.heading) {
    focusOn(view.heading, false);
    window.scrollTo(0, 0);
  }
}

function onSignedIn(data) {
  const signed = { token: data.id_token, expires_at: Date.now() + (data.expires_in || 3600) * 1000,
    refresh_token: data.refresh_token || null, user: data.user };
  if (!ALL.includes(data.user.role)) {
    // A technician: their app is /tech/, signed in with the same session (web/tech/api.js keeps
    // it under `tech.session`, in the same shape); the office keeps nothing.
    try { localStorage.setItem('tech.session', JSON.stringify(signed)); } catch (e) { /* they sign in there */ }
    say('Technicians work from the My jobs app; opening it.');
    location.replace('/tech/');
    return;
  }
  saveSession(signed);
  say(`Signed in as ${data.user.name}.`);
  business = null;
  show();
}

function signOut() {
  forgetSession();
  business = null;
  show({ message: { kind: 'info', title: 'You have signed out', text: null } });
  say('You have signed out.');
}

// A call answered 401 even after renewing: the sign-in has ended (expired, or the account was
// deactivated). The route stays in the address, so signing in again comes back to the same page.
whenExpired(() => {
  const s = currentSession();
  if (!s || (!s.token && !s.refresh_token)) return; // already shown
  saveSession({ user: s.user, token: null, expires_at: 0, refresh_token: null });
  show({ message: { kind: 'warning', title: 'Please sign in again', text: 'Your sign-in has ended. Sign in to carry on where you were.' } });
  alarm('Your sign-in has ended. Please sign in again.');
});

window.addEventListener('hashchange', () => show());
show({ focus: false });

export { show, SCREENS };
