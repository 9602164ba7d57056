/* Small DOM helpers for the technician's app: building elements (el, append, fill), hidden
 * text for screen readers, ids, moving the focus, the live regions (say: polite, alarm:
 * assertive), a labelled form field with its hint and error message, and the inline icons. */

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

// --- form fields ------------------------------------------------------------------------

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

// --- icons (decorative: hidden from assistive technology) ------------------------------

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

export { el, append, fill, hidden, uid, focusOn, say, alarm, field, wifiOffIcon, mapIcon, phoneIcon, cameraIcon };
