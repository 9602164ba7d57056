/* The customer's quote page (quote.html?quote=<id>&token=<token>, the link in the quote email).
 *
 * Plain JavaScript, no build step, no dependencies; it uses booking.css (and quote.css) for the
 * look. It reads GET /public/quotes/{id}?token= and shows the quote: the business, the reference,
 * the address, the lines, the optional extras (each a checkbox; the total follows the ticks, in
 * integer cents and with the tax rounded half up once, as chalicelib/quotes/totals.py counts it),
 * the deposit, the validity, notes, terms and the PDF. While the quote is open the customer
 * accepts it by typing their name (and, when the quote offers it, picking a time for the work
 * from GET /public/availability), or declines it with a reason. Every text from the API is put
 * into the page as text, never as HTML.
 *
 * Script tag option: data-api-base, where the API is (default: this page's origin).
 */
(function () {
  'use strict';

  var SCRIPT = document.currentScript || document.querySelector('script[src*="quote.js"]');
  var API_BASE = ((SCRIPT && SCRIPT.dataset.apiBase) || '').trim().replace(/\/+$/, '');
  var DAYS = 7; // days of free times shown at once

  // --- small helpers ------------------------------------------------------------------------

  /** el('button', {type: 'button', class: 'x', onclick: f}, 'text', child, [more children]) */
  function el(tag, props) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      var value = props[key];
      if (value === null || value === undefined || value === false) return;
      if (key === 'class') node.className = value;
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

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  function focusOn(node) {
    if (!node) return;
    if (!node.hasAttribute('tabindex') && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(node.tagName)) node.setAttribute('tabindex', '-1');
    node.focus({ preventScroll: true });
    (node.closest('section, .bk-alert') || node).scrollIntoView({ block: 'start' });
  }

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  // --- money and dates, in the business's locale and timezone ------------------------------

  var q = { view: null, locale: 'en-GB', zone: 'UTC' };

  function money(cents) {
    try {
      return new Intl.NumberFormat(q.locale, { style: 'currency', currency: q.view.currency || 'GBP' }).format(cents / 100);
    } catch (e) {
      return (cents / 100).toFixed(2) + ' ' + (q.view.currency || '');
    }
  }

  function fmt(options, date) {
    try { return new Intl.DateTimeFormat(q.locale, options).format(date); } catch (e) {
      return new Intl.DateTimeFormat('en-GB', options).format(date);
    }
  }

  /** A calendar day (YYYY-MM-DD), as the business writes it: "Thursday 31 December 2026". */
  function dayText(day, withYear) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(day || '');
    if (!m) return day || '';
    var options = { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' };
    if (withYear !== false) options.year = 'numeric';
    return fmt(options, new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])));
  }

  /** An instant, in the business's timezone. */
  function whenText(iso, parts) {
    var date = new Date(iso);
    if (isNaN(date)) return iso || '';
    var options = parts === 'time' ? { hour: '2-digit', minute: '2-digit' }
      : { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit' };
    options.timeZone = q.zone;
    return fmt(options, date);
  }

  /** The calendar day of an instant in the business's timezone, YYYY-MM-DD. */
  function businessDay(date) {
    var parts = {};
    new Intl.DateTimeFormat('en-CA', { timeZone: q.zone, year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(date).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + '-' + parts.month + '-' + parts.day;
  }

  function addDays(day, count) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
    var d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3] + count));
    return d.toISOString().slice(0, 10);
  }

  function slotText(slot) {
    return dayText(businessDay(new Date(slot.start)), true) + ', ' + whenText(slot.start, 'time') +
      (slot.end ? ' to ' + whenText(slot.end, 'time') : '');
  }

  // --- totals: chalicelib/quotes/totals.py, in integer cents ---------------------------------

  function split(amount, rate, inclusive) {
    if (inclusive) {
      var included = Math.floor((amount * rate * 2 + (10000 + rate)) / (2 * (10000 + rate)));
      return { net: amount - included, tax: included, gross: amount };
    }
    var tax = Math.floor((amount * rate + 5000) / 10000);
    return { net: amount, tax: tax, gross: amount + tax };
  }

  function depositOf(deposit, gross) {
    if (!deposit) return 0;
    if (deposit.percent_basis_points !== undefined && deposit.percent_basis_points !== null) {
      return Math.floor((gross * deposit.percent_basis_points + 5000) / 10000);
    }
    return Math.min(deposit.amount_cents || 0, gross);
  }

  function lineTotal(line) {
    return typeof line.total_cents === 'number' ? line.total_cents : line.quantity * line.unit_price_cents;
  }

  function computeTotals(chosen) {
    var v = q.view;
    var amount = 0;
    v.lines.forEach(function (line) { if (!line.optional || chosen.indexOf(line.line_id) >= 0) amount += lineTotal(line); });
    var s = split(amount, (v.tax && v.tax.rate_basis_points) || 0, !!(v.tax && v.tax.prices_include_tax));
    var deposit = depositOf(v.deposit, s.gross);
    return { subtotal_cents: s.net, tax_cents: s.tax, total_cents: s.gross, deposit_cents: deposit, balance_cents: s.gross - deposit };
  }

  // --- the API ------------------------------------------------------------------------------

  function ApiError(status, code, message, details) {
    this.status = status; this.code = code; this.message = message; this.details = details || [];
  }

  var NO_CONNECTION = 'We could not reach the server. Check your internet connection and try again: nothing you entered is lost.';

  function api(path, options) {
    options = options || {};
    var headers = { Accept: 'application/json' };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (options.key) headers['Idempotency-Key'] = options.key;
    return fetch(API_BASE + path, {
      method: options.method || 'GET', headers: headers, credentials: 'omit', cache: 'no-store',
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        if (response.ok) return { status: response.status, data: data };
        var error = (data && data.error) || {};
        var message = response.status >= 500 ? 'Something went wrong on our side. Please try again in a minute: nothing you entered is lost.'
          : error.message || 'Something went wrong (error ' + response.status + '). Please try again.';
        throw new ApiError(response.status, error.code || 'http_' + response.status, message, error.details);
      });
    }, function () { throw new ApiError(0, 'network', NO_CONNECTION); });
  }

  /** The same request again (so the same Idempotency-Key) after a lost connection or a 5xx. */
  function withRetries(attempt, tries) {
    var n = 0;
    function next() {
      n += 1;
      return attempt().catch(function (error) {
        if (n >= tries || !(error.status === 0 || error.status >= 500)) throw error;
        return sleep(600 * n).then(next);
      });
    }
    return next();
  }

  function quotePath(suffix) {
    return '/public/quotes/' + encodeURIComponent(q.id) + (suffix || '') + '?token=' + encodeURIComponent(q.token);
  }

  // --- fields -------------------------------------------------------------------------------

  /** A labelled input (or textarea) with a hint and an error, linked by aria-describedby. */
  function field(id, label, control, hint) {
    control.id = id;
    control.classList.add(control.tagName === 'TEXTAREA' ? 'bk-textarea' : 'bk-input');
    control.setAttribute('aria-required', 'true');
    var hintNode = hint ? el('p', { class: 'bk-hint', id: id + '-hint' }, hint) : null;
    var error = el('p', { class: 'bk-error-message', id: id + '-error', hidden: true });
    var wrapper = el('div', { class: 'bk-field' }, el('label', { class: 'bk-label', for: id }, label), hintNode, error, control);
    function describe() {
      var ids = [];
      if (hintNode) ids.push(hintNode.id);
      if (!error.hidden) ids.push(error.id);
      control.setAttribute('aria-describedby', ids.join(' '));
    }
    describe();
    return {
      element: wrapper, control: control,
      value: function () { return control.value.trim(); },
      setError: function (message) {
        error.replaceChildren(el('span', { class: 'bk-visually-hidden' }, 'Error: '), message);
        error.hidden = false; wrapper.classList.add('bk-field--error'); control.setAttribute('aria-invalid', 'true'); describe();
      },
      clearError: function () {
        error.hidden = true; error.textContent = ''; wrapper.classList.remove('bk-field--error'); control.removeAttribute('aria-invalid'); describe();
      },
    };
  }

  function alertBox(kind, title, text, extra) {
    var heading = el('h3', { class: 'bk-alert-title', tabindex: '-1' }, title);
    return el('div', { class: 'bk-alert bk-alert--' + kind }, heading, text ? el('p', {}, text) : null, extra || null);
  }

  function detail(term, value) {
    return el('div', { class: 'bk-detail' }, el('dt', {}, term), el('dd', {}, value));
  }

  function contactWords() {
    var b = q.view.business || {};
    if (b.phone) return 'call ' + (b.name || 'us') + ' on ' + b.phone;
    if (b.email) return 'email ' + (b.name || 'us') + ' at ' + b.email;
    return 'contact ' + (b.name || 'us');
  }

  // --- the page -----------------------------------------------------------------------------

  function start(container) {
    var params = new URLSearchParams(window.location.search);
    q.container = container;
    q.id = params.get('quote') || '';
    q.token = params.get('token') || '';
    q.live = el('div', { class: 'bk-visually-hidden', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
    q.body = el('div', {}, el('p', { class: 'bk-picker-status' }, 'Loading your quote…'));
    container.replaceChildren(q.live, q.body);
    if (!q.id || !q.token) return showProblem('This link is not valid', 'The link is not complete. Use the whole link from the quote email.');
    load();
  }

  function say(message) {
    q.live.textContent = '';
    setTimeout(function () { q.live.textContent = message; }, 60);
  }

  function load(banner) {
    return api(quotePath()).then(function (answer) { render(answer.data, banner); }, function (error) {
      if (error.status === 404) showProblem('This link is not valid', 'We could not find a quote for this link. Check that you used the whole link from the quote email.');
      else showProblem('We could not load your quote', error.message, true);
    });
  }

  function showProblem(title, text, retry) {
    var box = alertBox('error', title, text, retry
      ? el('p', {}, el('button', { type: 'button', class: 'bk-button bk-button--secondary', onclick: function () { load(); } }, 'Try again')) : null);
    q.body.replaceChildren(box);
    focusOn(box.querySelector('h3'));
    say(title + '. ' + text);
  }

  /** The quote's state for the customer: open, accepted, declined, superseded, expired or closed. */
  function stateOf(v) {
    if (v.accepted) return 'accepted';
    if (v.declined) return 'declined';
    if (v.superseded || v.status === 'superseded') return 'superseded';
    if (v.status === 'expired') return 'expired';
    if (v.open) return 'open';
    return v.valid_until && v.valid_until < businessDay(new Date()) ? 'expired' : 'closed';
  }

  var BADGES = { open: 'Waiting for your answer', accepted: 'Accepted', declined: 'Declined', superseded: 'Replaced', expired: 'Expired', closed: 'Closed' };

  function render(view, banner) {
    q.view = view;
    q.locale = view.locale || 'en-GB';
    q.zone = view.timezone || 'UTC';
    q.state = stateOf(view);
    if (view.booking) q.bookingOffered = true; // an answered quote no longer offers a time
    var business = view.business || {};
    document.title = 'Quote ' + view.reference + (business.name ? ' from ' + business.name : '');
    var masthead = document.querySelector('[data-quote-business]');
    if (masthead && business.name) masthead.textContent = business.name;
    updateIntro();

    var chosen = view.accepted ? (view.accepted.optional_lines || []) : [];
    q.card = quoteCard(view, chosen);
    q.answer = el('div', { class: 'qt-answer' });
    // an answered (or closed) quote says so first; an open one is read first, then answered
    if (q.state === 'open') q.body.replaceChildren(q.card, q.answer, businessBox(business) || '');
    else q.body.replaceChildren(q.answer, q.card, businessBox(business) || '');
    if (q.state === 'open') renderAnswerForm();
    else q.answer.replaceChildren(stateBox());
    if (banner) { q.answer.prepend(banner); focusOn(banner.querySelector('h2, h3')); }
  }

  function updateIntro() {
    var intro = document.querySelector('[data-quote-intro]');
    var name = (q.view.business || {}).name;
    if (intro) {
      intro.textContent = (name ? 'From ' + name + '. ' : '') +
        (q.state === 'open' ? 'Read it, choose any extras, then accept or decline it.' : '');
    }
  }

  function quoteCard(view, chosen) {
    var titleId = 'qt-title';
    var optional = view.lines.filter(function (l) { return l.optional; });
    var required = view.lines.filter(function (l) { return !l.optional; });
    q.totalsBox = el('dl', { class: 'qt-totals', 'aria-label': 'Totals' });
    var card = el('section', { class: 'bk-section qt-card', 'aria-labelledby': titleId },
      el('div', { class: 'bk-card-head' },
        el('h2', { class: 'bk-card-title', id: titleId }, view.title || 'Quote'),
        el('span', { class: 'bk-badge qt-badge--' + q.state }, BADGES[q.state])),
      el('dl', { class: 'bk-details' },
        detail('Reference', view.reference),
        view.customer && view.customer.name ? detail('For', view.customer.name) : null,
        view.address ? detail('Address', view.address) : null,
        detail('Valid until', dayText(view.valid_until))),
      linesTable(required, 'The work'),
      optional.length ? extrasBlock(optional, chosen) : null,
      q.totalsBox,
      view.notes ? el('div', { class: 'qt-text' }, el('h3', { class: 'qt-subtitle' }, 'Notes'), el('p', { class: 'qt-pre' }, view.notes)) : null,
      view.terms ? el('div', { class: 'qt-text' }, el('h3', { class: 'qt-subtitle' }, 'Terms'), el('p', { class: 'qt-pre' }, view.terms)) : null,
      view.pdf_url ? el('p', { class: 'qt-pdf' }, el('a', { href: API_BASE + view.pdf_url, target: '_blank', rel: 'noopener' },
        'Download the quote as a PDF', el('span', { class: 'bk-visually-hidden' }, ' (opens in a new tab)'))) : null);
    updateTotals(chosen, false);
    return card;
  }

  function quantityText(line) {
    return line.quantity === 1 ? money(line.unit_price_cents) : line.quantity + ' × ' + money(line.unit_price_cents);
  }

  function linesTable(lines, caption) {
    return el('table', { class: 'qt-lines' },
      el('caption', { class: 'qt-subtitle' }, caption),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Item'), el('th', { scope: 'col', class: 'qt-num' }, 'Amount'))),
      el('tbody', {}, lines.map(function (line) {
        return el('tr', {},
          el('td', {}, el('span', { class: 'qt-desc' }, line.description), el('span', { class: 'qt-qty' }, quantityText(line))),
          el('td', { class: 'qt-num' }, money(lineTotal(line))));
      })));
  }

  /** The optional lines: checkboxes while the quote is open, else the ones accepted. */
  function extrasBlock(lines, chosen) {
    var open = q.state === 'open';
    q.extras = el('fieldset', { class: 'bk-fieldset qt-extras', 'aria-describedby': open ? 'qt-extras-hint' : null },
      el('legend', { class: 'bk-legend qt-subtitle' }, 'Optional extras'),
      open ? el('p', { class: 'bk-hint', id: 'qt-extras-hint' }, 'Tick the extras you want. The total below changes as you do.') : null,
      el('p', { class: 'bk-error-message', id: 'qt-extras-error', hidden: true }),
      lines.map(function (line) {
        var id = 'qt-extra-' + line.line_id;
        var box = el('input', { type: 'checkbox', id: id, value: line.line_id, class: 'qt-check', disabled: !open,
          checked: chosen.indexOf(line.line_id) >= 0, onchange: function () { updateTotals(chosenExtras(), true); } });
        return el('div', { class: 'qt-extra' }, box,
          el('label', { for: id, class: 'qt-extra-label' }, el('span', { class: 'qt-desc' }, line.description),
            el('span', { class: 'qt-extra-price' }, (line.quantity === 1 ? '' : quantityText(line) + ' = ') + '+' + money(lineTotal(line)))));
      }));
    return q.extras;
  }

  function chosenExtras() {
    if (!q.extras) return [];
    return Array.prototype.filter.call(q.extras.querySelectorAll('input[type=checkbox]'), function (b) { return b.checked; })
      .map(function (b) { return b.value; });
  }

  function updateTotals(chosen, announce) {
    var v = q.view;
    var t = v.accepted && v.accepted.totals ? v.accepted.totals : computeTotals(chosen);
    var tax = v.tax || {};
    var rate = ((tax.rate_basis_points || 0) / 100).toLocaleString(q.locale) + '%';
    var name = tax.name || 'Tax';
    q.totals = t;
    q.totalsBox.replaceChildren(
      el('div', { class: 'qt-total-row' }, el('dt', {}, tax.prices_include_tax ? 'Net amount (excl. ' + name + ')' : 'Subtotal (excl. ' + name + ')'), el('dd', {}, money(t.subtotal_cents))),
      el('div', { class: 'qt-total-row' }, el('dt', {}, name + ' ' + rate), el('dd', {}, money(t.tax_cents))),
      el('div', { class: 'qt-total-row qt-total-row--grand' }, el('dt', {}, 'Total (incl. ' + name + ')'), el('dd', { 'data-quote-total': true }, money(t.total_cents))),
      t.deposit_cents ? el('div', { class: 'qt-total-row' }, el('dt', {}, 'Deposit on acceptance'), el('dd', { 'data-quote-deposit': true }, money(t.deposit_cents))) : null,
      t.deposit_cents ? el('div', { class: 'qt-total-row' }, el('dt', {}, 'Balance after the work'), el('dd', {}, money(t.balance_cents))) : null);
    summarise();
    if (announce) say('Total now ' + money(t.total_cents) + (t.deposit_cents ? ', deposit ' + money(t.deposit_cents) : '') + '.');
  }

  /** What the Accept button accepts, beside it: the total with the extras ticked, and the deposit. */
  function summarise() {
    if (!q.acceptSummary || !q.totals) return;
    var t = q.totals;
    var name = (q.view.tax && q.view.tax.name) || 'tax';
    q.acceptSummary.textContent = 'You are accepting ' + money(t.total_cents) + ' including ' + name +
      (t.deposit_cents ? ', with a deposit of ' + money(t.deposit_cents) + ' to pay first.' : '.');
  }

  function businessBox(b) {
    if (!b.name && !b.phone && !b.email) return null;
    return el('aside', { class: 'bk-contact', 'aria-label': 'About ' + (b.name || 'the business') },
      el('h2', { class: 'bk-contact-title' }, 'Questions? Contact ' + (b.name || 'us')),
      el('ul', { class: 'bk-contact-list' },
        b.phone ? el('li', {}, 'Phone: ', el('a', { href: 'tel:' + String(b.phone).replace(/[^+0-9]/g, '') }, b.phone)) : null,
        b.email ? el('li', {}, 'Email: ', el('a', { href: 'mailto:' + b.email }, b.email)) : null,
        b.address ? el('li', {}, b.address) : null,
        b.tax_registration_number ? el('li', {}, 'VAT number: ' + b.tax_registration_number) : null,
        b.company_number ? el('li', {}, 'Company number: ' + b.company_number) : null));
  }

  // --- an answered, expired or replaced quote -----------------------------------------------

  function stateBox() {
    var v = q.view;
    if (q.state === 'accepted') return acceptedBox(false);
    if (q.state === 'declined') return declinedBox(false);
    if (q.state === 'superseded') {
      return alertBox('info', 'This quote has been replaced', 'A newer version of this quote has been sent to you, so this one can no longer be accepted. Please use the link in the latest quote email, or ' + contactWords() + '.');
    }
    if (q.state === 'expired') {
      return alertBox('warning', 'This quote has expired', 'It was valid until ' + dayText(v.valid_until) + ', so it can no longer be accepted online. For a new quote, please ' + contactWords() + '.');
    }
    return alertBox('info', 'This quote is not open for an answer', 'To talk about it, please ' + contactWords() + '.');
  }

  function acceptedLinesList() {
    var v = q.view;
    var chosen = (v.accepted && v.accepted.optional_lines) || [];
    return el('ul', { class: 'qt-accepted-lines' }, v.lines.filter(function (l) { return !l.optional || chosen.indexOf(l.line_id) >= 0; })
      .map(function (l) { return el('li', {}, l.description + ' (' + money(lineTotal(l)) + ')'); }));
  }

  function appointmentOf(v) {
    if (v.job && v.job.appointment && v.job.appointment.start) return v.job.appointment;
    if (v.accepted && v.accepted.start) return { start: v.accepted.start, end: null };
    return null;
  }

  /** What was accepted, the total, the deposit invoice to come and the time of the work. */
  function acceptedBox(justNow) {
    var v = q.view;
    var a = v.accepted || {};
    var t = a.totals || q.totals;
    var appointment = appointmentOf(v);
    var titleId = 'qt-done-title';
    var when;
    if (appointment) when = el('p', {}, 'The work is booked for ', el('strong', {}, slotText(appointment)), '.');
    else if (v.booking || q.bookingOffered) when = el('p', {}, (v.business && v.business.name ? v.business.name : 'The office') + ' will call you to arrange a time for the work.');
    else when = el('p', {}, (v.business && v.business.name ? v.business.name : 'We') + ' will be in touch to arrange a time for the work.');
    return el('section', { class: 'bk-section qt-done', 'aria-labelledby': titleId },
      el('div', { class: 'bk-panel' },
        el('h2', { class: 'bk-panel-title', id: titleId, tabindex: '-1' }, justNow ? 'Thank you: quote accepted' : 'You accepted this quote'),
        el('p', { class: 'bk-panel-body' }, 'Accepted by ' + a.name + (a.at ? ' on ' + whenText(a.at) : '') + '.')),
      el('h3', { class: 'qt-subtitle' }, 'What you accepted'),
      acceptedLinesList(),
      el('dl', { class: 'bk-details' },
        detail('Reference', v.reference),
        detail('Total', money(t.total_cents)),
        t.deposit_cents ? detail('Deposit', money(t.deposit_cents)) : null),
      t.deposit_cents ? el('p', {}, 'We will email you an invoice for the deposit of ' + money(t.deposit_cents) + '.') : null,
      when);
  }

  function declinedBox(justNow) {
    var d = q.view.declined || {};
    var titleId = 'qt-done-title';
    return el('section', { class: 'bk-section qt-done qt-done--declined', 'aria-labelledby': titleId },
      el('h2', { class: 'bk-card-title', id: titleId, tabindex: '-1' }, justNow ? 'Thank you: you declined the quote' : 'You declined this quote'),
      el('p', {}, (d.at ? 'Declined on ' + whenText(d.at) + '. ' : '') + 'If you change your mind, please ' + contactWords() + '.'),
      d.reason ? el('dl', { class: 'bk-details' }, detail('Your reason', d.reason)) : null);
  }

  // --- accepting and declining --------------------------------------------------------------

  function renderAnswerForm() {
    var v = q.view;
    q.name = field('qt-name', 'Type your full name to accept', el('input', { type: 'text', autocomplete: 'name', maxlength: '120', spellcheck: 'false' }),
      'Typing your name signs your acceptance of this quote and its terms.');
    q.acceptError = el('div', { class: 'qt-form-error', role: 'alert' });
    q.acceptButton = el('button', { type: 'submit', class: 'bk-button' }, 'Accept the quote');
    q.form = el('form', { class: 'bk-section qt-accept', 'aria-labelledby': 'qt-accept-title', novalidate: true, onsubmit: onAccept },
      el('h2', { class: 'bk-step', id: 'qt-accept-title' }, 'Accept the quote'),
      v.booking ? timePicker(v.booking) : null,
      q.name.element,
      q.acceptSummary = el('p', { class: 'qt-accept-summary', id: 'qt-accept-summary' }),
      q.acceptError,
      el('div', { class: 'bk-submit' }, q.acceptButton));
    q.declineButton = el('button', { type: 'button', class: 'bk-button bk-button--secondary bk-button--danger-text', 'aria-expanded': 'false', 'aria-controls': 'qt-decline-panel', onclick: toggleDecline }, 'Decline');
    q.reason = field('qt-reason', 'Why are you declining?', el('textarea', { rows: '4', maxlength: '1000' }),
      'Your reason helps ' + ((v.business && v.business.name) || 'us') + ' improve.');
    q.declineError = el('div', { class: 'qt-form-error', role: 'alert' });
    q.confirmDecline = el('button', { type: 'submit', class: 'bk-button bk-button--danger' }, 'Decline the quote');
    q.declinePanel = el('form', { class: 'bk-panel-box', id: 'qt-decline-panel', hidden: true, novalidate: true, 'aria-labelledby': 'qt-decline-title', onsubmit: onDecline },
      el('h3', { class: 'bk-panel-box-title', id: 'qt-decline-title' }, 'Decline the quote'),
      q.reason.element, q.declineError,
      el('div', { class: 'bk-button-row' }, q.confirmDecline,
        el('button', { type: 'button', class: 'bk-button bk-button--secondary', onclick: toggleDecline }, 'Keep the quote open')));
    summarise();
    q.acceptButton.setAttribute('aria-describedby', 'qt-accept-summary');
    q.answer.replaceChildren(q.form,
      el('section', { class: 'bk-section qt-decline', 'aria-label': 'Decline the quote' },
        el('p', { class: 'bk-note' }, 'Not for you? You can decline the quote instead.'), q.declineButton, q.declinePanel));
  }

  function toggleDecline() {
    var opening = q.declinePanel.hidden;
    q.declinePanel.hidden = !opening;
    q.declineButton.setAttribute('aria-expanded', String(opening));
    q.declineButton.hidden = opening;
    if (opening) q.reason.control.focus();
    else q.declineButton.focus();
  }

  function showFormError(box, title, text) {
    box.replaceChildren(el('div', { class: 'bk-alert bk-alert--error' }, el('p', { class: 'bk-alert-title' }, title), text ? el('p', {}, text) : null));
  }

  function fieldErrors(error, fields) {
    var shown = false;
    (error.details || []).forEach(function (d) {
      var f = fields[d.field];
      if (f) { f.setError(/^(is|must|may|can|should) /.test(d.message || '') ? (WHAT[d.field] || 'It') + ' ' + d.message + '.' : capital(d.message)); shown = true; }
    });
    return shown;
  }

  var WHAT = { name: 'Your name', reason: 'The reason', start: 'The time' };

  function capital(text) { text = String(text || ''); return text.charAt(0).toUpperCase() + text.slice(1); }

  function onAccept(event) {
    event.preventDefault();
    if (q.sending) return; // a double click sends one request
    q.name.clearError();
    q.acceptError.replaceChildren();
    if (q.picker) q.picker.clearError();
    var name = q.name.value();
    var problems = [];
    if (q.picker && !q.picker.choice()) { q.picker.setError('Choose a time for the work, or let the office call you.'); problems.push(q.picker.focusTarget()); }
    if (!name) { q.name.setError('Type your full name to accept the quote.'); problems.push(q.name.control); }
    if (problems.length) { problems[0].focus(); return; }
    var body = { name: name, optional_lines: chosenExtras() };
    var choice = q.picker ? q.picker.choice() : null;
    if (choice && choice !== 'call') body.start = choice.start;
    var json = JSON.stringify(body);
    if (!q.acceptKey || q.acceptKey.body !== json) q.acceptKey = { body: json, key: uuid() };
    var key = q.acceptKey.key;
    setSending(q.acceptButton, true, 'Sending…');
    withRetries(function () { return api(quotePath('/accept'), { method: 'POST', body: body, key: key }); }, 3).then(function (answer) {
      q.sending = false;
      q.acceptKey = null;
      q.view = answer.data;
      q.state = 'accepted';
      showDone(acceptedBox(true), 'Quote ' + q.view.reference + ' accepted.');
    }, function (error) {
      setSending(q.acceptButton, false, 'Accept the quote');
      acceptFailed(error);
    });
  }

  function setSending(button, on, text) {
    q.sending = on;
    button.disabled = on;
    button.setAttribute('aria-busy', on ? 'true' : 'false');
    button.textContent = text;
  }

  function acceptFailed(error) {
    if (error.status === 409 && error.code === 'slot_taken' && q.picker) {
      q.picker.lost();
      q.picker.reload().then(function () { focusOn(q.picker.element); });
      say('Sorry, that time has just been taken. Choose another time. Your name and extras are kept.');
      return;
    }
    if (error.status === 409 && ['quote_expired', 'quote_superseded', 'quote_answered'].indexOf(error.code) >= 0) return closedNow(error.code);
    if (error.status === 422 && fieldErrors(error, { name: q.name, optional_lines: null, start: q.picker ? { setError: q.picker.setError } : null })) {
      var invalid = q.form.querySelector('[aria-invalid=true]');
      if (invalid) invalid.focus();
      return;
    }
    showFormError(q.acceptError, error.status === 0 ? 'No connection' : 'The quote was not accepted', error.message);
    say(error.message);
  }

  /** The quote could not be answered any more: its state now, with a banner saying why. */
  function closedNow(code) {
    var titles = {
      quote_expired: ['This quote has expired', 'It can no longer be accepted online. For a new quote, please ' + contactWords() + '.'],
      quote_superseded: ['This quote has been replaced', 'A newer version has been sent to you. Please use the link in the latest quote email.'],
      quote_answered: ['This quote has already been answered', 'An answer was recorded before yours. This is the quote as it stands.'],
    }[code];
    var banner = el('div', { class: 'bk-alert bk-alert--warning', role: 'alert' }, el('h2', { class: 'bk-alert-title', tabindex: '-1' }, titles[0]), el('p', {}, titles[1]));
    load(banner);
  }

  function showDone(box, message) {
    // the confirmation goes into a live region, and its heading takes the focus
    var region = el('div', { class: 'qt-done-region', role: 'status', 'aria-live': 'polite' });
    q.answer.replaceChildren(region);
    region.appendChild(box);
    var card = quoteCard(q.view, (q.view.accepted && q.view.accepted.optional_lines) || []);
    q.card.replaceWith(card);
    q.card = card;
    q.body.insertBefore(q.answer, q.card);
    updateIntro();
    focusOn(box.querySelector('h2'));
    say(message);
  }

  function onDecline(event) {
    event.preventDefault();
    if (q.sending) return;
    q.reason.clearError();
    q.declineError.replaceChildren();
    var reason = q.reason.value();
    if (!reason) { q.reason.setError('Tell us why you are declining.'); q.reason.control.focus(); return; }
    var body = { reason: reason };
    var json = JSON.stringify(body);
    if (!q.declineKey || q.declineKey.body !== json) q.declineKey = { body: json, key: uuid() };
    var key = q.declineKey.key;
    setSending(q.confirmDecline, true, 'Sending…');
    withRetries(function () { return api(quotePath('/decline'), { method: 'POST', body: body, key: key }); }, 3).then(function (answer) {
      q.sending = false;
      q.view = answer.data;
      q.state = 'declined';
      showDone(declinedBox(true), 'You declined quote ' + q.view.reference + '.');
    }, function (error) {
      setSending(q.confirmDecline, false, 'Decline the quote');
      if (error.status === 409 && ['quote_expired', 'quote_superseded', 'quote_answered'].indexOf(error.code) >= 0) return closedNow(error.code);
      if (error.status === 422 && fieldErrors(error, { reason: q.reason })) { q.reason.control.focus(); return; }
      showFormError(q.declineError, error.status === 0 ? 'No connection' : 'The quote was not declined', error.message);
      say(error.message);
    });
  }

  // --- the time picker: free times grouped by day, as radio buttons ------------------------

  function timePicker(booking) {
    var p = { from: businessDay(new Date()), slots: null, selected: null, seq: 0 };
    var first = p.from;
    p.error = el('p', { class: 'bk-error-message', id: 'qt-times-error', hidden: true });
    p.status = el('p', { class: 'bk-picker-status', id: 'qt-times-status' });
    p.days = el('div', { class: 'qt-days' });
    p.call = el('input', { type: 'radio', name: 'qt-start', id: 'qt-start-call', value: 'call', class: 'qt-radio',
      onchange: function () { p.selected = 'call'; clearError(); } });
    p.earlier = el('button', { type: 'button', class: 'bk-button bk-button--secondary bk-button--small', onclick: function () { shift(-DAYS); } }, 'Earlier dates');
    p.later = el('button', { type: 'button', class: 'bk-button bk-button--secondary bk-button--small', onclick: function () { shift(DAYS); } }, 'Later dates');
    var duration = booking.duration_minutes ? ' It takes about ' + durationText(booking.duration_minutes) + '.' : '';
    p.element = el('fieldset', { class: 'bk-fieldset qt-times', 'aria-describedby': 'qt-times-hint qt-times-error' },
      el('legend', { class: 'bk-legend' }, 'When should we do the work?'),
      el('p', { class: 'bk-hint', id: 'qt-times-hint' }, 'Choose a free time for ' + (booking.service_name || 'the work') + '.' + duration + ' Times are in ' + q.zone.replace(/_/g, ' ') + ' time.'),
      p.error, p.status, p.days,
      el('div', { class: 'bk-pager' }, p.earlier, p.later),
      el('div', { class: 'qt-call' }, p.call, el('label', { for: 'qt-start-call', class: 'qt-call-label' }, 'Or let the office call me to arrange a time')));

    function clearError() {
      p.error.hidden = true;
      p.element.classList.remove('bk-field--error');
    }
    function shift(count) {
      var next = addDays(p.from, count);
      p.from = next < first ? first : next;
      load().then(function () { focusOn(p.days); });
    }
    function load() {
      var seq = ++p.seq;
      var query = new URLSearchParams({ service_id: booking.service_id, date: p.from, days: String(DAYS) });
      if (booking.postcode) query.set('postcode', booking.postcode);
      p.days.setAttribute('aria-busy', 'true');
      p.status.textContent = 'Loading free times…';
      return api('/public/availability?' + query.toString()).then(function (answer) {
        if (seq !== p.seq) return;
        p.slots = answer.data.slots || [];
        draw();
      }, function (error) {
        if (seq !== p.seq) return;
        p.slots = [];
        p.days.replaceChildren();
        p.status.replaceChildren('We could not load the free times: ' + error.message + ' You can let the office call you instead. ',
          el('button', { type: 'button', class: 'bk-link-button', onclick: function () { load(); } }, 'Try again'));
      }).then(function () { p.days.removeAttribute('aria-busy'); });
    }
    function draw() {
      var groups = {};
      var order = [];
      p.slots.forEach(function (slot) {
        var day = businessDay(new Date(slot.start));
        if (!groups[day]) { groups[day] = []; order.push(day); }
        groups[day].push(slot);
      });
      var selectedStart = p.selected && p.selected !== 'call' ? p.selected.start : null;
      if (selectedStart && !p.slots.some(function (s) { return s.start === selectedStart; })) {
        // keep a picked time that is outside these dates; forget one that is no longer free here
        var inRange = businessDay(new Date(selectedStart)) >= p.from && businessDay(new Date(selectedStart)) < addDays(p.from, DAYS);
        if (inRange) p.selected = null;
      }
      p.days.replaceChildren.apply(p.days, order.map(function (day, i) {
        var legendId = 'qt-day-' + day;
        return el('fieldset', { class: 'bk-fieldset qt-day' },
          el('legend', { class: 'qt-day-name', id: legendId }, dayText(day, false)),
          el('div', { class: 'qt-slot-grid' }, groups[day].map(function (slot, j) {
            var id = 'qt-slot-' + i + '-' + j;
            var input = el('input', { type: 'radio', name: 'qt-start', id: id, value: slot.start, class: 'qt-radio',
              checked: p.selected && p.selected !== 'call' && p.selected.start === slot.start,
              onchange: function () { p.selected = slot; clearError(); say('Selected ' + slotText(slot) + '.'); } });
            return el('div', { class: 'qt-slot' }, input, el('label', { for: id }, whenText(slot.start, 'time'),
              el('span', { class: 'bk-visually-hidden' }, slot.end ? ' to ' + whenText(slot.end, 'time') : '')));
          })));
      }));
      p.status.textContent = p.slots.length ? '' : 'No free times from ' + dayText(p.from, false) + ' for ' + DAYS + ' days. Try later dates, or let the office call you.';
      p.earlier.hidden = p.from <= first;
    }

    q.picker = {
      element: p.element,
      reload: load,
      choice: function () { return p.selected; },
      lost: function () {
        var taken = p.selected && p.selected !== 'call' ? p.selected : null;
        p.selected = null;
        q.picker.setError(taken ? 'Sorry, ' + slotText(taken) + ' has just been taken. Choose another time.' : 'Sorry, that time has just been taken. Choose another time.');
      },
      setError: function (message) {
        p.error.replaceChildren(el('span', { class: 'bk-visually-hidden' }, 'Error: '), message);
        p.error.hidden = false;
        p.element.classList.add('bk-field--error');
      },
      clearError: clearError,
      focusTarget: function () { return p.element.querySelector('input[type=radio]') || p.call; },
    };
    load();
    return p.element;
  }

  function durationText(minutes) {
    var h = Math.floor(minutes / 60);
    var m = minutes % 60;
    return [h ? h + (h === 1 ? ' hour' : ' hours') : '', m ? m + ' minutes' : ''].filter(Boolean).join(' ');
  }

  var container = document.querySelector('[data-quote-page]');
  if (container) start(container);
})();
