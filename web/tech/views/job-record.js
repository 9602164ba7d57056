/* What the technician records on a job, one section each: the items (from the price list), the
 * notes, the photos, the customer's signature (with the pad), and the history of its moves.
 * Each section takes `ctx`: {orderId, order (the server's), view (with the waiting changes)}. */

import { state, priceItem, workflowFor, stepOf, stepLabel } from '../data.js';
import { el, fill, hidden, focusOn, say, alarm, field, cameraIcon } from '../dom.js';
import { plural, megabytes, money, when } from '../format.js';
import { enqueue } from '../queue.js';
import { signaturePad } from '../signature.js';
import { pendingMark, who } from './job.js';

var PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/heic'];
var MAX_PHOTO_BYTES = 10 * 1024 * 1024;

// -- items
function itemsSection(ctx) {
  var orderId = ctx.orderId;
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

  // Changing a line: one line at a time has its editor open (quantity, save, remove with a
  // confirmation); it survives re-renders (`editing`), and the list is rebuilt only when what it
  // shows changes, so typing is never interrupted.
  var editing = null; // {id, qty, confirming}
  var shownKey = null;

  function editable(li) {
    return ctx.view.next_steps && ctx.view.next_steps.length && !li.waiting && !li.removing && String(li.id).indexOf('queued-') !== 0;
  }

  function openEditor(li) {
    editing = { id: li.id, qty: li.quantity, confirming: false };
    shownKey = null;
    update();
    var input = list.querySelector('#tc-edit-qty');
    if (input) input.focus();
  }

  function closeEditor(focusId) {
    editing = null;
    shownKey = null;
    update();
    var button = focusId && list.querySelector('[data-line="' + focusId + '"]');
    if (button) button.focus();
  }

  function saveQuantity(li) {
    var input = list.querySelector('#tc-edit-qty');
    var n = Number(input ? input.value : editing.qty);
    if (!Number.isInteger(n) || n < 1 || n > 999) {
      var error = list.querySelector('#tc-edit-qty-error');
      fill(error, hidden('Error: '), 'Enter a whole number from 1 to 999');
      error.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', 'tc-edit-qty-error');
      input.focus();
      alarm('Enter a quantity from 1 to 999.');
      return;
    }
    if (n === li.quantity) { closeEditor(li.id); return; }
    enqueue('line_item_change', orderId, { line_id: li.id, quantity: n }, { item_name: li.description }).then(function () {
      say('Changed to ' + n + ' × ' + li.description + '. ' + (navigator.onLine === false ? 'Saved on the phone; it is sent when you are back online.' : 'Sending.'));
      closeEditor(li.id);
    });
  }

  function remove(li) {
    enqueue('line_item_change', orderId, { line_id: li.id, remove: true }, { item_name: li.description }).then(function () {
      say('Removed ' + li.description + '. ' + (navigator.onLine === false ? 'Saved on the phone; it is sent when you are back online.' : 'Sending.'));
      editing = null;
      shownKey = null;
      update();
      focusOn(title, false);
    });
  }

  function editor(li) {
    var input = el('input', { type: 'number', inputmode: 'numeric', min: '1', max: '999', step: '1', value: String(editing.qty),
      class: 'tc-input', id: 'tc-edit-qty' });
    input.addEventListener('input', function () { editing.qty = input.value; });
    function step(delta) {
      var n = parseInt(input.value, 10) || 0;
      input.value = String(Math.min(999, Math.max(1, n + delta)));
      editing.qty = input.value;
    }
    if (editing.confirming) {
      return el('div', { class: 'tc-item-editor', role: 'group', 'aria-labelledby': 'tc-remove-question', style: 'grid-column: 1 / -1' },
        el('p', { id: 'tc-remove-question', style: 'margin: 0.5rem 0 0; font-weight: 600' },
          'Remove ' + li.quantity + ' × ' + li.description + ' from this job?'),
        el('div', { class: 'tc-button-row' },
          el('button', { type: 'button', class: 'tc-button tc-button--danger-text tc-button--small', id: 'tc-remove-yes',
            onclick: function () { remove(li); } }, 'Yes, remove it'),
          el('button', { type: 'button', class: 'tc-button tc-button--secondary tc-button--small',
            onclick: function () { editing.confirming = false; shownKey = null; update(); var b = list.querySelector('#tc-remove-ask'); if (b) b.focus(); } }, 'Keep it')));
    }
    return el('div', { class: 'tc-item-editor', role: 'group', 'aria-label': 'Change ' + li.description, style: 'grid-column: 1 / -1' },
      el('div', { class: 'tc-field' },
        el('label', { class: 'tc-label', for: 'tc-edit-qty' }, 'Quantity'),
        el('p', { class: 'tc-error-message', id: 'tc-edit-qty-error', hidden: true }),
        el('div', { class: 'tc-qty' },
          el('button', { type: 'button', class: 'tc-qty-button', 'aria-label': 'One fewer', onclick: function () { step(-1); } }, '−'),
          input,
          el('button', { type: 'button', class: 'tc-qty-button', 'aria-label': 'One more', onclick: function () { step(1); } }, '+'))),
      el('div', { class: 'tc-button-row' },
        el('button', { type: 'button', class: 'tc-button tc-button--small', onclick: function () { saveQuantity(li); } }, 'Save quantity'),
        el('button', { type: 'button', class: 'tc-button tc-button--danger-text tc-button--small', id: 'tc-remove-ask',
          onclick: function () { editing.confirming = true; shownKey = null; update(); var b = list.querySelector('#tc-remove-yes'); if (b) b.focus(); } }, 'Remove item'),
        el('button', { type: 'button', class: 'tc-button tc-button--secondary tc-button--small', onclick: function () { closeEditor(li.id); } }, 'Cancel')));
  }

  /** "Total excl. VAT" or "Total incl. VAT", as the business prices (the order view's `tax`). */
  function totalLabel() {
    var tax = ctx.view.tax || (ctx.order && ctx.order.tax);
    if (!tax || !tax.name) return 'Total';
    return 'Total ' + (tax.included ? 'incl. ' : 'excl. ') + tax.name;
  }

  function update() {
    fillSelect();
    var open = ctx.view.next_steps && ctx.view.next_steps.length;
    form.hidden = !open;
    var lines = ctx.view.line_items;
    if (editing && !lines.some(function (li) { return li.id === editing.id && editable(li); })) editing = null;
    total.textContent = lines.length ? plural(lines.length, 'item', 'items') : '';
    var key = JSON.stringify([lines.map(function (li) { return [li.id, li.quantity, li.unit_price_cents, li.waiting, li.sending, li.removing]; }),
      editing && [editing.id, editing.confirming], !!open, totalLabel(), ctx.view.total_cents]);
    if (key === shownKey) return;
    shownKey = key;
    if (!lines.length) {
      fill(list, el('li', { class: 'tc-empty', style: 'padding: 0.75rem 0.25rem; border-bottom: 1px solid var(--tc-line)' }, 'No items yet.'));
      fill(sum);
      return;
    }
    fill(list, lines.map(function (li) {
      var p = priceItem(li.price_item_id);
      var unit = p && p.unit && p.unit !== 'each' ? ' per ' + p.unit : ' each';
      var open = editing && editing.id === li.id;
      return el('li', { class: 'tc-item' + (li.waiting ? ' tc-is-pending' : '') },
        el('span', { class: 'tc-item-name' }, li.removing ? el('s', {}, li.description) : li.description),
        el('span', { class: 'tc-item-total' }, li.removing ? 'Removing' : money(li.total_cents)),
        el('span', { class: 'tc-item-qty' }, li.quantity + ' × ' + money(li.unit_price_cents) + unit),
        li.waiting ? pendingMark(li) : editable(li) && !open ? el('button', {
          type: 'button', class: 'tc-button tc-button--secondary tc-button--small', 'data-line': li.id,
          'aria-label': 'Change or remove ' + li.description, onclick: function () { openEditor(li); },
        }, 'Change') : el('span', {}),
        open ? editor(li) : null);
    }));
    var anyWaiting = lines.some(function (li) { return li.waiting; });
    fill(sum, el('p', { class: 'tc-items-total' },
      el('span', {}, totalLabel(), anyWaiting ? el('span', { class: 'tc-items-total-note' }, ' (with changes waiting to send)') : null),
      el('span', {}, money(ctx.view.total_cents))));
  }
  return { element: section, update: update };
}

// -- notes
function notesSection(ctx) {
  var orderId = ctx.orderId;
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
    var open = ctx.view.next_steps && ctx.view.next_steps.length;
    form.hidden = !open;
    count.textContent = ctx.view.notes.length ? plural(ctx.view.notes.length, 'note', 'notes') : '';
    if (!ctx.view.notes.length) { fill(list, el('li', { class: 'tc-empty' }, 'No notes yet.')); return; }
    fill(list, ctx.view.notes.map(function (n) {
      return el('li', { class: 'tc-note' + (n.waiting ? ' tc-is-pending' : '') },
        el('p', { class: 'tc-note-text' }, n.text),
        el('p', { class: 'tc-note-meta' }, el('span', {}, who(n.author) + ' · ' + when(n.at)), pendingMark(n)));
    }));
  }
  return { element: section, update: update };
}

// -- photos
function photosSection(ctx) {
  var orderId = ctx.orderId;
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
    var open = ctx.view.next_steps && ctx.view.next_steps.length;
    form.hidden = !open;
    count.textContent = ctx.view.photos.length ? plural(ctx.view.photos.length, 'photo', 'photos') : '';
    var key = JSON.stringify(ctx.view.photos.map(function (p) { return [p.id, p.waiting, p.sending]; }));
    if (key === shown) return; // keep loaded images
    shown = key;
    if (!ctx.view.photos.length) { fill(grid, el('li', { class: 'tc-empty', style: 'grid-column: 1 / -1' }, 'No photos yet.')); return; }
    fill(grid, ctx.view.photos.map(function (p, i) {
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
function signatureSection(ctx) {
  var orderId = ctx.orderId;
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
    var open = ctx.view.next_steps && ctx.view.next_steps.length;
    var sig = ctx.view.signature;
    var step = stepOf(workflowFor(ctx.order), ctx.view.step);
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
      if (!pad) pad = signaturePad(ctx.view.customer.name, function (png, signer) {
        return enqueue('signature', orderId, { image_png_base64: png, signed_by: signer }).then(function () {
          signAgain = false;
          say('Signature saved. ' + (navigator.onLine === false ? 'Kept on the phone; sent when you are back online.' : 'Sending.'));
          update();
          focusOn(title, false);
        });
      }, ctx.view.signature ? function () { signAgain = false; update(); focusOn(title, false); } : null);
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
function historySection(ctx) {
  var orderId = ctx.orderId;
  var title = el('h2', { class: 'tc-section-title', id: 'tc-history-title', tabindex: '-1' }, 'History');
  var list = el('ol', { class: 'tc-history', reversed: true, 'aria-labelledby': 'tc-history-title' });
  var section = el('section', { class: 'tc-section', 'aria-labelledby': 'tc-history-title' },
    el('div', { class: 'tc-section-head' }, title, el('span', { class: 'tc-section-meta' }, 'Newest first')), list);
  function update() {
    var moves = ctx.view.history.slice().reverse();
    fill(list, moves.map(function (m) {
      return el('li', { class: 'tc-move' + (m.waiting ? ' tc-is-pending' : '') },
        el('p', { class: 'tc-move-title' }, stepLabel(m.to, ctx.order), m.from ? el('span', { class: 'tc-move-meta' }, ' from ' + stepLabel(m.from, ctx.order)) : null),
        // `at` is when it was done; a move done offline and sent later also says when it arrived.
        el('p', { class: 'tc-move-meta' }, [who(m.by), when(m.at),
          m.recorded_at && Date.parse(m.recorded_at) - Date.parse(m.at) > 120000 ? 'sent ' + when(m.recorded_at) : ''
        ].filter(Boolean).join(' · '), ' ', pendingMark(m)),
        m.note ? el('p', { class: 'tc-move-note' }, m.note) : null);
    }));
  }
  return { element: section, update: update };
}

export { itemsSection, notesSection, photosSection, signatureSection, historySection };
