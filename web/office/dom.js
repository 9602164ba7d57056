/* Small DOM helpers shared by the office app's screens: building elements, hidden text for
 * screen readers, moving the focus, the live regions (say: polite, alarm: assertive), labelled
 * form fields with their hint and error, the API's field errors put at their fields, alerts,
 * buttons and modal dialogs. */

/** el('button', {type: 'button', class: 'x', onclick: f}, 'text', child, [more children]) */
function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key === 'value' && 'value' in node) node.value = value;
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, child) {
  if (child === null || child === undefined || child === false) return node;
  if (Array.isArray(child)) child.forEach((c) => append(node, c));
  else node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

/** Replaces the children of `node` (null and false are skipped, arrays flattened). */
function fill(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

const hidden = (text) => el('span', { class: 'of-visually-hidden' }, text);

let counter = 0;
const uid = (prefix) => `${prefix || 'of'}-${++counter}`;

function focusOn(node, scroll) {
  if (!node) return;
  if (!node.hasAttribute('tabindex') && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(node.tagName)) {
    node.setAttribute('tabindex', '-1');
  }
  node.focus({ preventScroll: true });
  if (scroll !== false) node.scrollIntoView({ block: 'nearest' });
}

// --- live regions -------------------------------------------------------------------------

const timers = {};
function speak(selector, message) {
  const region = document.querySelector(selector);
  if (!region) return;
  clearTimeout(timers[selector]);
  region.textContent = ''; // cleared first: the same message said twice is announced twice
  timers[selector] = setTimeout(() => { region.textContent = message; }, 80);
}
const say = (message) => speak('[data-status]', message);
const alarm = (message) => speak('[data-alert]', message);

// --- controls -----------------------------------------------------------------------------

/** button('Save', onclick, {kind: 'secondary'|'danger', small, type, attrs}) */
function button(text, onclick, options = {}) {
  const classes = ['of-button'];
  if (options.kind) classes.push(`of-button--${options.kind}`);
  if (options.small) classes.push('of-button--small');
  return el('button', { type: options.type || 'button', class: classes.join(' '), onclick, ...(options.attrs || {}) }, text);
}

/** A labelled control with an optional hint and an error message linked by aria-describedby.
 * field({label, control, hint, optional, name}) -> {element, control, setError, clearError} */
function field(options) {
  const control = options.control;
  const id = control.id || options.id || uid('of-field');
  control.id = id;
  if (options.name && !control.name) control.name = options.name;
  if (!control.className) {
    control.className = control.tagName === 'TEXTAREA' ? 'of-textarea' : control.tagName === 'SELECT' ? 'of-select' : 'of-input';
  }
  const hint = options.hint ? el('p', { class: 'of-hint', id: `${id}-hint` }, options.hint) : null;
  const error = el('p', { class: 'of-error-message', id: `${id}-error`, hidden: true });
  const label = el('label', { class: 'of-label', for: id }, options.label,
    options.optional ? el('span', { class: 'of-optional' }, ' (optional)') : null);
  const element = el('div', { class: `of-field${options.className ? ` ${options.className}` : ''}` }, label, hint, control, error);
  const describe = () => {
    const ids = [];
    if (hint) ids.push(hint.id);
    if (!error.hidden) ids.push(error.id);
    if (ids.length) control.setAttribute('aria-describedby', ids.join(' '));
    else control.removeAttribute('aria-describedby');
  };
  describe();
  return {
    element,
    control,
    setError(message) {
      fill(error, hidden('Error: '), message);
      error.hidden = false;
      element.classList.add('of-field--error');
      control.setAttribute('aria-invalid', 'true');
      describe();
    },
    clearError() {
      error.hidden = true;
      error.textContent = '';
      element.classList.remove('of-field--error');
      control.removeAttribute('aria-invalid');
      describe();
    },
  };
}

/** Puts a 422's `details` [{field, message}] at the fields of `fieldsByName` (names as
 * the API gives them, e.g. `email` or `steps[2].sla_hours`); clears the others. Returns the
 * problems no field took, for a summary. */
function showFieldErrors(error, fieldsByName) {
  Object.values(fieldsByName).forEach((f) => f.clearError());
  // A 422's details are the list of problems (chalicelib/core/errors.py); {fields: [...]} is taken too.
  const details = error && error.details;
  const problems = Array.isArray(details) ? details : details && Array.isArray(details.fields) ? details.fields : [];
  const unmatched = [];
  let first = null;
  for (const p of problems) {
    const target = fieldsByName[p.field];
    if (target) {
      target.setError(capitalise(p.message));
      first = first || target.control;
    } else {
      unmatched.push(p);
    }
  }
  if (first) first.focus();
  return unmatched;
}

const capitalise = (text) => (text ? String(text).charAt(0).toUpperCase() + String(text).slice(1) : '');

/** An alert box: kind error|warning|info|success; a group labelled by its title, focusable. */
function alertBox(kind, title, text, ...more) {
  const titleId = uid('of-alert');
  return el('div', { class: `of-alert of-alert--${kind}`, role: 'group', 'aria-labelledby': titleId, tabindex: '-1' },
    el('h2', { class: 'of-alert-title', id: titleId }, title),
    text ? el('p', {}, text) : null, more);
}

/** A modal dialog: dialog({title, body: [nodes], actions: [buttons]}); returns {element, close}.
 * Escape closes it; the focus goes back to where it was. */
function dialog(options) {
  const titleId = uid('of-dialog');
  const before = document.activeElement;
  const node = el('dialog', { class: 'of-dialog', 'aria-labelledby': titleId },
    el('h2', { class: 'of-dialog-title', id: titleId }, options.title),
    el('div', { class: 'of-dialog-body' }, options.body || []),
    el('div', { class: 'of-button-row' }, options.actions || []));
  const close = () => {
    if (node.open) node.close();
    node.remove();
    if (before && before.isConnected) before.focus();
  };
  node.addEventListener('cancel', (e) => { e.preventDefault(); close(); });
  document.body.appendChild(node);
  node.showModal();
  return { element: node, close };
}

export { el, append, fill, hidden, uid, focusOn, say, alarm, button, field, showFieldErrors, alertBox, dialog, capitalise };
