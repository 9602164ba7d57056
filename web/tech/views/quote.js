/* The quote builder (#/job/<id>/quote): on site, the technician builds a quote from the price
 * list (quantities, optional extras the customer may tick), picks the kind of work to quote for
 * (and the service to book), sees the totals as the server counts them, and sends it to the
 * customer: POST /orders/{id}/quotes with "send": true, through the queue of changes, so without
 * a signal it waits on the phone ("Will send when online") and goes once, with its
 * Idempotency-Key, when the phone is back online. The deposit and the prices are the office's:
 * shown, not changed here. What is typed is kept on the phone (a draft per job) until it is sent.
 * A quote the server refuses comes back here with the problems at their fields. */

import { sessionExpired } from '../app.js';
import { state, priceItem, loadOrder } from '../data.js';
import { el, fill, hidden, uid, focusOn, say, alarm, field } from '../dom.js';
import { money, today, validDay, plural } from '../format.js';
import { enqueue, forOrder, drop } from '../queue.js';
import { keep, kept } from '../store.js';
import { businessQuotes, draftFromItem, lineMoney, newDraft, quoteKinds, taxBasis, totalsParts } from './quote-parts.js';
import { quoteTotals } from './quote-totals.js';

var MAX_QUANTITY = 10000;
var drafts = {}; // order_id -> the draft on screen (also kept on the phone)

function quoteView(orderId) {
  var heading = el('h1', { class: 'tc-title', tabindex: '-1', id: 'tc-quote-heading' }, 'Quote');
  var back = el('a', { class: 'tc-back', href: '#/job/' + encodeURIComponent(orderId) },
    el('span', { class: 'tc-chevron', 'aria-hidden': 'true' }), 'Back to the job');
  var loading = el('p', { class: 'tc-loading' }, 'Loading the job…');
  var content = el('div', { hidden: true });
  var order = null;
  var draft = drafts[orderId] || null;
  var pendingKey = null; // the queued quote this screen waits for (online: sent, or refused)
  var built = false;

  // --- the form's parts -------------------------------------------------------------------
  var summary = el('div', { class: 'tc-alert tc-alert--error', role: 'group', 'aria-labelledby': 'tc-quote-problems-title', tabindex: '-1', hidden: true });
  var kindBox = el('fieldset', { class: 'tc-fieldset tc-quote-kinds' });
  var serviceSelect = el('select', {});
  var service = field({ id: 'tc-quote-service', label: 'Service to book', optional: true, control: serviceSelect,
    hint: 'The customer can pick a time for it when they accept.' });
  var title = field({ id: 'tc-quote-title-input', label: 'Title', optional: true, control: el('input', { type: 'text', maxlength: '120', autocomplete: 'off' }),
    hint: 'For example: Two casement windows, front of the house.' });
  var lineList = el('ul', { class: 'tc-quote-lines', 'aria-labelledby': 'tc-quote-lines-title' });
  var linesError = el('p', { class: 'tc-error-message', id: 'tc-quote-lines-error', hidden: true });
  var addSelect = el('select', {});
  var addField = field({ id: 'tc-quote-add', label: 'Add from the price list', control: addSelect });
  var addButton = el('button', { type: 'button', class: 'tc-button tc-button--secondary', onclick: addLine }, 'Add line');
  var noList = el('p', { class: 'tc-hint', hidden: true }, 'The price list is not on this phone yet. It loads the next time you have a signal.');
  var totalsBox = el('div', { class: 'tc-quote-totals', id: 'tc-quote-totals' });
  var validUntil = field({ id: 'tc-quote-valid', label: 'Valid until', control: el('input', { type: 'date' }) });
  var notes = field({ id: 'tc-quote-notes', label: 'Notes for the customer', optional: true, control: el('textarea', { rows: '3', maxlength: '4000' }) });
  var sendButton = el('button', { type: 'submit', class: 'tc-button tc-button--big', 'data-send-quote': '' }, 'Send quote');
  var sendError = el('p', { class: 'tc-error-message', id: 'tc-quote-send-error', hidden: true });
  var sendHint = el('p', { class: 'tc-hint', id: 'tc-quote-send-hint' });
  var sendingNote = el('p', { class: 'tc-quote-sending', hidden: true }, 'Sending the quote…');
  var form = el('form', { class: 'tc-quote', novalidate: true, onsubmit: submit, 'aria-labelledby': 'tc-quote-heading' },
    summary,
    el('section', { class: 'tc-section', 'aria-labelledby': 'tc-quote-for-title' },
      el('div', { class: 'tc-section-head' }, el('h2', { class: 'tc-section-title', id: 'tc-quote-for-title' }, 'What the quote is for')),
      kindBox, service.element, title.element),
    el('section', { class: 'tc-section', 'aria-labelledby': 'tc-quote-lines-title' },
      el('div', { class: 'tc-section-head' }, el('h2', { class: 'tc-section-title', id: 'tc-quote-lines-title', tabindex: '-1' }, 'Lines'),
        el('span', { class: 'tc-section-meta', 'data-line-count': '' })),
      linesError, lineList,
      el('div', { class: 'tc-add tc-quote-add' }, noList, addField.element, addButton)),
    el('section', { class: 'tc-section', 'aria-labelledby': 'tc-quote-totals-title' },
      el('div', { class: 'tc-section-head' }, el('h2', { class: 'tc-section-title', id: 'tc-quote-totals-title' }, 'Totals')),
      totalsBox),
    el('section', { class: 'tc-section', 'aria-labelledby': 'tc-quote-terms-title' },
      el('div', { class: 'tc-section-head' }, el('h2', { class: 'tc-section-title', id: 'tc-quote-terms-title' }, 'Validity and notes')),
      validUntil.element, notes.element),
    el('div', { class: 'tc-quote-send' }, sendError, sendButton, sendHint, sendingNote));
  sendButton.setAttribute('aria-describedby', 'tc-quote-send-hint');

  title.control.addEventListener('input', function () { draft.title = title.control.value; title.clearError(); save(); });
  validUntil.control.addEventListener('input', function () { draft.valid_until = validUntil.control.value; validUntil.clearError(); save(); });
  notes.control.addEventListener('input', function () { draft.notes = notes.control.value; notes.clearError(); save(); });
  serviceSelect.addEventListener('change', function () { draft.service_id = serviceSelect.value; service.clearError(); save(); });
  addSelect.addEventListener('change', function () { addField.clearError(); });

  var saveTimer = null;
  function save() {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(function () { keep('quote-draft:' + orderId, draft); }, 300);
  }

  // --- kinds of work and services ---------------------------------------------------------
  function renderKinds() {
    var kinds = quoteKinds();
    if (!kinds.some(function (k) { return k.key === draft.kind; })) draft.kind = kinds[0].key;
    fill(kindBox, el('legend', { class: 'tc-label' }, 'Kind of work'),
      el('div', { class: 'tc-choices' }, kinds.map(function (k) {
        var id = 'tc-quote-kind-' + k.key;
        var input = el('input', { type: 'radio', name: 'tc-quote-kind', id: id, value: k.key, checked: k.key === draft.kind,
          onchange: function () { draft.kind = k.key; draft.service_id = ''; renderServices(); save(); } });
        return el('label', { class: 'tc-choice', for: id }, input, el('span', {}, k.label));
      })));
    renderServices();
  }

  function renderServices() {
    var kind = quoteKinds().filter(function (k) { return k.key === draft.kind; })[0] || {};
    var offered = (kind.services || []).filter(function (s) { return s.active !== false; });
    if (!offered.some(function (s) { return s.id === draft.service_id; })) draft.service_id = '';
    fill(serviceSelect, el('option', { value: '' }, 'None: the office books the work'),
      offered.map(function (s) { return el('option', { value: s.id }, s.name || s.id); }));
    serviceSelect.value = draft.service_id;
    service.element.hidden = !offered.length;
  }

  // --- lines ------------------------------------------------------------------------------
  function fillAddSelect() {
    var list = state.priceList || [];
    var chosen = addSelect.value;
    fill(addSelect, el('option', { value: '' }, 'Choose an item'), list.map(function (p) {
      return el('option', { value: p.id }, p.name + ' – ' + money(p.unit_price_cents) + (p.unit && p.unit !== 'each' ? ' per ' + p.unit : ''));
    }));
    addSelect.value = chosen;
    noList.hidden = list.length > 0;
    addSelect.disabled = addButton.disabled = !list.length;
  }

  function addLine() {
    var p = priceItem(addSelect.value);
    if (!p) { addField.setError('Choose an item from the price list'); addSelect.focus(); alarm('Choose an item from the price list.'); return; }
    addField.clearError();
    clearLinesError();
    draft.lines.push({ key: uid('tc-ql'), price_item_id: p.id, quantity: 1, optional: false });
    addSelect.value = '';
    renderLines();
    save();
    var t = quoteTotals(draft.lines.map(lineMoney), taxBasis(order), businessQuotes().deposit);
    say('Added ' + p.name + '. Total ' + money(t.total_cents) + '.');
    addSelect.focus();
  }

  function clearLinesError() { linesError.hidden = true; fill(linesError); }

  function renderLines() {
    var count = form.querySelector('[data-line-count]');
    count.textContent = draft.lines.length ? plural(draft.lines.length, 'line', 'lines') : '';
    if (!draft.lines.length) {
      fill(lineList, el('li', { class: 'tc-empty tc-quote-empty' }, 'No lines yet. Add them from the price list below.'));
      renderTotals();
      return;
    }
    fill(lineList, draft.lines.map(lineRow));
    renderTotals();
  }

  function lineRow(line, index) {
    var p = priceItem(line.price_item_id);
    var name = p ? p.name : line.price_item_id;
    var qtyId = line.key + '-qty';
    var input = el('input', { type: 'number', inputmode: 'numeric', min: '1', max: String(MAX_QUANTITY), step: '1', value: String(line.quantity),
      class: 'tc-input', id: qtyId });
    var error = el('p', { class: 'tc-error-message', id: line.key + '-error', hidden: true });
    var total = el('span', { class: 'tc-quote-line-total', 'data-line-total': '' }, money(lineMoney(line).quantity * lineMoney(line).unit_price_cents));
    function setQuantity(n, announce) {
      line.quantity = n;
      input.value = String(n);
      input.removeAttribute('aria-invalid');
      error.hidden = true;
      total.textContent = money(lineMoney(line).quantity * lineMoney(line).unit_price_cents);
      renderTotals();
      save();
      if (announce) {
        var t = quoteTotals(draft.lines.map(lineMoney), taxBasis(order), businessQuotes().deposit);
        say(n + ' × ' + name + '. Total ' + money(t.total_cents) + '.');
      }
    }
    input.addEventListener('input', function () {
      var n = Number(input.value);
      line.quantity = Number.isInteger(n) ? n : input.value;
      total.textContent = Number.isInteger(n) && n > 0 ? money(n * lineMoney(line).unit_price_cents) : '–';
      renderTotals();
      save();
    });
    function step(delta) {
      var n = parseInt(input.value, 10) || 0;
      setQuantity(Math.min(MAX_QUANTITY, Math.max(1, n + delta)), true);
    }
    var switchId = line.key + '-optional';
    var optional = el('input', { type: 'checkbox', role: 'switch', id: switchId, class: 'tc-switch-input', checked: line.optional,
      onchange: function () {
        line.optional = optional.checked;
        row.classList.toggle('tc-quote-line--optional', line.optional);
        clearLinesError();
        renderTotals();
        save();
        var t = quoteTotals(draft.lines.map(lineMoney), taxBasis(order), businessQuotes().deposit);
        say(name + (line.optional ? ' is an optional extra.' : ' is part of the quote.') + ' Total ' + money(t.total_cents) + '.');
      } });
    var row = el('li', { class: 'tc-quote-line' + (line.optional ? ' tc-quote-line--optional' : ''), 'data-line': line.price_item_id },
      el('div', { class: 'tc-quote-line-top' },
        el('span', { class: 'tc-quote-line-name', id: line.key + '-name' }, name),
        total),
      el('p', { class: 'tc-quote-line-unit' }, p ? money(p.unit_price_cents) + (p.unit && p.unit !== 'each' ? ' per ' + p.unit : ' each') : 'No longer on the price list'),
      error,
      el('div', { class: 'tc-quote-line-controls' },
        el('div', { class: 'tc-field tc-quote-qty' },
          el('label', { class: 'tc-label', for: qtyId }, 'Quantity', hidden(' of ' + name)),
          el('div', { class: 'tc-qty' },
            el('button', { type: 'button', class: 'tc-qty-button', 'aria-label': 'One fewer ' + name, onclick: function () { step(-1); } }, '−'),
            input,
            el('button', { type: 'button', class: 'tc-qty-button', 'aria-label': 'One more ' + name, onclick: function () { step(1); } }, '+')))),
      el('div', { class: 'tc-quote-line-controls' },
        el('label', { class: 'tc-switch', for: switchId }, optional,
          el('span', { class: 'tc-switch-track', 'aria-hidden': 'true' }),
          el('span', { class: 'tc-switch-text' }, 'Optional extra', hidden(': ' + name))),
        el('button', { type: 'button', class: 'tc-button tc-button--danger-text tc-button--small tc-quote-remove',
          'aria-label': 'Remove ' + name, onclick: function () { removeLine(index, name); } }, 'Remove')));
    row.setError = function (message) {
      fill(error, hidden('Error: '), message);
      error.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', error.id);
    };
    return row;
  }

  function removeLine(index, name) {
    draft.lines.splice(index, 1);
    renderLines();
    save();
    say('Removed ' + name + '.');
    focusOn(form.querySelector('#tc-quote-lines-title'), false);
  }

  function renderTotals() { fill(totalsBox, totalsParts(draft.lines, order)); }

  // --- sending ----------------------------------------------------------------------------
  function email() { return order && order.customer && order.customer.email; }

  function renderSend() {
    var to = email();
    var waiting = pendingKey && forOrder(orderId).some(function (i) { return i.key === pendingKey && i.status !== 'failed'; });
    fill(sendButton, to ? (draft.failed_key ? 'Send quote again to ' + to : 'Send quote to ' + to) : 'Send quote');
    sendButton.disabled = !to || !!waiting;
    sendingNote.hidden = !waiting;
    sendHint.textContent = !to ? 'The customer has no email address on this job. Ask the office to add it, then send the quote.'
      : navigator.onLine === false ? 'You are offline: the quote is kept on this phone and sent when you are back online.'
      : 'The customer gets the quote by email, with a link to accept it online.';
  }

  function clearErrors() {
    [service, title, validUntil, notes, addField].forEach(function (f) { f.clearError(); });
    clearLinesError();
    sendError.hidden = true;
    summary.hidden = true;
    fill(summary);
  }

  /** Problems as {field, message}: each shown at its field, all of them listed at the top. */
  function showProblems(problems, heading) {
    var rows = lineList.querySelectorAll('.tc-quote-line');
    var first = null;
    var listed = problems.map(function (pr) {
      var target = null;
      var label = '';
      var m = /^lines\[(\d+)\]/.exec(pr.field || '');
      if (m && rows[Number(m[1])]) {
        var line = draft.lines[Number(m[1])];
        var p = line && priceItem(line.price_item_id);
        label = (p ? p.name : 'Line ' + (Number(m[1]) + 1)) + ': ';
        rows[Number(m[1])].setError(pr.message);
        target = rows[Number(m[1])].querySelector('input');
      } else if (pr.field === 'lines') {
        label = 'Lines: ';
        fill(linesError, hidden('Error: '), pr.message);
        linesError.hidden = false;
        target = addSelect;
      } else if (pr.field === 'valid_until') { label = 'Valid until: '; validUntil.setError(pr.message); target = validUntil.control; }
      else if (pr.field === 'title') { label = 'Title: '; title.setError(pr.message); target = title.control; }
      else if (pr.field === 'notes') { label = 'Notes: '; notes.setError(pr.message); target = notes.control; }
      else if (pr.field === 'service_id' || pr.field === 'kind') { label = 'Service: '; service.setError(pr.message); target = serviceSelect; }
      else {
        label = pr.field === 'customer.email' ? "Customer's email: " : '';
        fill(sendError, hidden('Error: '), label + pr.message);
        sendError.hidden = false;
        target = sendButton;
      }
      first = first || target;
      return el('li', {}, target ? el('a', { href: '#' + (target.id || 'tc-quote-heading'), onclick: function (e) { e.preventDefault(); target.focus(); } }, label + pr.message) : label + pr.message);
    });
    fill(summary, el('h2', { class: 'tc-alert-title', id: 'tc-quote-problems-title' }, heading), el('ul', { class: 'tc-alert-list' }, listed));
    summary.hidden = false;
    focusOn(summary);
    alarm(heading + ': ' + problems.map(function (p) { return p.message; }).join('; ') + '.');
  }

  function checkOnPhone() {
    var problems = [];
    if (!draft.lines.length) problems.push({ field: 'lines', message: 'Add at least one line from the price list' });
    else if (!draft.lines.some(function (l) { return !l.optional; })) problems.push({ field: 'lines', message: 'At least one line must not be an optional extra' });
    draft.lines.forEach(function (l, i) {
      var n = Number(l.quantity);
      if (!Number.isInteger(n) || n < 1 || n > MAX_QUANTITY) problems.push({ field: 'lines[' + i + '].quantity', message: 'Enter a whole number from 1 to ' + MAX_QUANTITY });
      if (!priceItem(l.price_item_id)) problems.push({ field: 'lines[' + i + '].price_item_id', message: 'This item is no longer on the price list: remove it' });
    });
    if (!validDay(draft.valid_until)) problems.push({ field: 'valid_until', message: 'Enter the date the quote is valid until' });
    else if (draft.valid_until < today()) problems.push({ field: 'valid_until', message: 'Must not be in the past' });
    if (!email()) problems.push({ field: 'customer.email', message: 'The customer has no email address: ask the office to add it' });
    return problems;
  }

  function submit(event) {
    event.preventDefault();
    if (pendingKey && forOrder(orderId).some(function (i) { return i.key === pendingKey && i.status !== 'failed'; })) return; // a double tap
    clearErrors();
    var problems = checkOnPhone();
    if (problems.length) { showProblems(problems, 'Check the quote'); return; }
    var body = {
      title: draft.title.trim() || null, kind: draft.kind, service_id: draft.service_id || null,
      lines: draft.lines.map(function (l) { return { price_item_id: l.price_item_id, quantity: Number(l.quantity), optional: !!l.optional }; }),
      valid_until: draft.valid_until, notes: draft.notes.trim() || null,
    };
    // Sending a refused quote again, changed: the refused one goes (it was never applied).
    var refused = forOrder(orderId).filter(function (i) { return i.type === 'quote' && i.status === 'failed'; });
    Promise.all(refused.map(drop)).then(function () {
      return enqueue('quote', orderId, body, { customer_email: email() });
    }).then(function (item) {
      pendingKey = item.key;
      draft.failed_key = null;
      renderSend();
      if (navigator.onLine === false) { queued(); return; }
      say('Sending the quote to ' + email() + '.');
    });
  }

  /** The quote waits on the phone: back to the job, which shows it as waiting. */
  function queued() {
    forget();
    say('Quote kept on this phone. Will send when online.');
    location.hash = '#/job/' + encodeURIComponent(orderId);
  }

  function forget() {
    delete drafts[orderId];
    keep('quote-draft:' + orderId, null);
  }

  /** The queue changed: follow the quote this screen sent (sent, refused, or waiting). */
  function update() {
    if (!built) return;
    fillAddSelect();
    renderSend();
    if (!pendingKey) return;
    var item = forOrder(orderId).filter(function (i) { return i.key === pendingKey; })[0];
    if (!item) { // sent: the job shows it, with the server's reference and total
      pendingKey = null;
      forget();
      say('Quote sent to ' + email() + '.');
      location.hash = '#/job/' + encodeURIComponent(orderId);
      return;
    }
    if (item.status === 'failed') {
      pendingKey = null;
      draft.failed_key = item.key;
      renderSend();
      showRefusal(item.error || {});
      return;
    }
    if (item.attempts > 0 || navigator.onLine === false) queued(); // no answer yet: it goes by itself later
  }

  function showRefusal(error) {
    var details = Array.isArray(error.details) ? error.details : [];
    if (error.status === 422 && details.length) { showProblems(details, 'The quote was not sent'); return; }
    var words = error.status === 403 ? 'You are not allowed to send a quote for this job. ' + (error.message || '')
      : error.status === 409 ? 'This job cannot take a quote now: ' + (error.message || 'it has moved on.')
      : error.message || 'The server refused the quote.';
    showProblems([{ field: 'send', message: words }], 'The quote was not sent');
  }

  // --- loading ----------------------------------------------------------------------------
  function build() {
    built = true;
    var name = order.customer && order.customer.name;
    heading.textContent = 'Quote for ' + (name || 'the customer');
    document.title = heading.textContent + ' – My jobs';
    renderKinds();
    title.control.value = draft.title;
    validUntil.control.value = draft.valid_until;
    validUntil.control.min = today();
    notes.control.value = draft.notes;
    fillAddSelect();
    shownList = JSON.stringify((state.priceList || []).map(function (p) { return [p.id, p.name, p.unit_price_cents]; }));
    renderLines();
    renderSend();
    loading.hidden = true;
    content.hidden = false;
    var refused = forOrder(orderId).filter(function (i) { return i.type === 'quote' && i.status === 'failed'; }).pop();
    if (refused && draft.failed_key === refused.key) showRefusal(refused.error || {});
  }

  async function start() {
    try {
      var result = state.orders[orderId] ? { order: state.orders[orderId] } : await loadOrder(orderId);
      order = result.order;
    } catch (error) {
      if (error.status === 401) { sessionExpired(); return; }
      fill(loading, 'The job could not be loaded. ', el('a', { href: '#/' }, 'Back to my day'));
      alarm('The job could not be loaded.');
      return;
    }
    if (!draft) {
      var refused = forOrder(orderId).filter(function (i) { return i.type === 'quote' && i.status === 'failed'; }).pop();
      var saved = refused ? null : await kept('quote-draft:' + orderId);
      draft = refused ? draftFromItem(orderId, refused) : saved && saved.value ? saved.value : newDraft(orderId);
      drafts[orderId] = draft;
    }
    var hadFocus = document.activeElement === heading;
    build();
    if (hadFocus) heading.focus({ preventScroll: true });
  }

  var shownList = null; // the price list the lines were drawn with
  function reload() { // the reference data or the order arrived again (e.g. back online)
    if (!built) return;
    order = state.orders[orderId] || order;
    var list = JSON.stringify((state.priceList || []).map(function (p) { return [p.id, p.name, p.unit_price_cents]; }));
    if (list !== shownList) { // redrawn only when the prices changed: typing is not interrupted
      shownList = list;
      renderLines();
    }
    if (!kindBox.contains(document.activeElement) && document.activeElement !== serviceSelect) renderKinds();
    renderSend();
    update();
  }

  content.append(form);
  start();
  var element = el('div', { class: 'tc-quote-view' }, back, el('div', { class: 'tc-view-head' }, heading,
    el('p', { class: 'tc-subtitle' }, 'Built from the price list. Prices and the deposit are set by the office.')), loading, content);
  return { name: 'quote', element: element, heading: heading, title: 'Quote', update: update, reload: reload };
}

export { quoteView };
