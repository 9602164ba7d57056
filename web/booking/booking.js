/* The booking form and the "manage your booking" page, for the public booking API.
 *
 * Plain JavaScript, no build step, no dependencies. Include it with a script tag:
 *
 *   <div data-booking-form></div>
 *   <script src="https://book.example.com/book/booking.js" defer
 *           data-api-base="https://book.example.com" data-currency="£"></script>
 *
 * It renders the booking form into [data-booking-form], or the manage page into
 * [data-booking-manage] (which reads ?order=&token= from the address). With neither on the page
 * it renders the booking form right after the script tag. It adds booking.css (from next to the
 * script) unless the page already has it or the tag says data-styles="none".
 *
 * Script tag options (all optional):
 *   data-api-base  where the API is, e.g. https://book.example.com (default: this page's origin)
 *   data-currency  a symbol such as "£" or "$", or an ISO code such as "GBP" (default "£")
 *   data-locale    how dates and prices are written, e.g. "en-GB" (default: the page's lang)
 *   data-phone     the business's phone number, shown when a customer must call
 *   data-days      how many days of free times to show at once, 1 to 14 (default 7)
 *   data-styles    "none" to not add booking.css
 */
(function () {
  'use strict';

  var SCRIPT = document.currentScript || document.querySelector('script[src*="booking.js"]');
  var HEIGHT_MESSAGE = 'workorders-booking:height';

  // --- configuration ------------------------------------------------------------------------

  function readConfig(script) {
    var data = (script && script.dataset) || {};
    var days = parseInt(data.days, 10);
    return {
      apiBase: (data.apiBase || '').trim().replace(/\/+$/, ''),
      currency: (data.currency || '£').trim(),
      locale: data.locale || document.documentElement.lang || 'en-GB',
      phone: (data.phone || '').trim(),
      days: days >= 1 && days <= 14 ? days : 7,
      styles: data.styles !== 'none',
      scriptSrc: script && script.src ? script.src : null,
    };
  }

  var config = readConfig(SCRIPT);

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

  var idCounter = 0;
  function uid(prefix) {
    idCounter += 1;
    return prefix + '-' + idCounter;
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  /** A random UUID v4; crypto.randomUUID needs a secure context, getRandomValues does not. */
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

  function focusOn(node) {
    if (!node) return;
    if (!node.hasAttribute('tabindex') && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(node.tagName)) {
      node.setAttribute('tabindex', '-1');
    }
    node.focus({ preventScroll: true });
    var smooth = !window.matchMedia || !window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    node.scrollIntoView({ behavior: smooth ? 'smooth' : 'auto', block: 'start' });
  }

  // The business as the API describes it (name, phone, email, address): from the services
  // answer on the booking form, from the booking itself on the manage page.
  var business = null;

  /** "call us on 0117 496 0000" (the business's phone, else data-phone), "email us at ..." or "call us". */
  function callUs() {
    var phone = (business && business.phone) || config.phone;
    if (phone) return 'call us on ' + phone;
    if (business && business.email) return 'email us at ' + business.email;
    return 'call us';
  }

  /** How to reach the business, for the foot of the form and the manage page. */
  function contactBox() {
    var box = el('aside', { class: 'bk-contact', 'aria-label': 'Contact us', hidden: true });
    box.update = function () {
      var b = business || {};
      var phone = b.phone || config.phone;
      if (!b.name && !phone && !b.email) { box.hidden = true; return; }
      box.replaceChildren(
        el('h2', { class: 'bk-contact-title' }, b.name ? 'Questions? Contact ' + b.name : 'Questions? Contact us'),
        el('ul', { class: 'bk-contact-list' },
          phone ? el('li', {}, 'Phone: ', el('a', { href: 'tel:' + phone.replace(/[^+0-9]/g, '') }, phone)) : null,
          b.email ? el('li', {}, 'Email: ', el('a', { href: 'mailto:' + b.email }, b.email)) : null,
          b.address ? el('li', {}, b.address) : null));
      box.hidden = false;
    };
    return box;
  }

  /** "You can change or cancel online up to 24 hours before your visit.", from the cut-off rule. */
  function cutoffSentence(hours) {
    if (typeof hours !== 'number') return '';
    if (hours === 0) return 'You can change or cancel online until your visit starts.';
    return 'You can change or cancel online up to ' + (hours === 1 ? '1 hour' : hours + ' hours') + ' before your visit.';
  }

  // --- dates, times and money ---------------------------------------------------------------
  // The API writes times with the business's offset (2026-11-30T08:00:00+00:00), so the
  // wall-clock part is already the business's local time: show that, whatever the visitor's
  // own timezone. Formatters run in UTC on a Date built from those wall-clock numbers.

  var formats = {};
  function formatter(kind) {
    if (!formats[kind]) {
      var options = {
        dayYear: { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' },
        short: { weekday: 'short', day: 'numeric', month: 'short' },
        time: { hour: '2-digit', minute: '2-digit' },
      }[kind];
      options.timeZone = 'UTC';
      formats[kind] = new Intl.DateTimeFormat(config.locale, options);
    }
    return formats[kind];
  }

  function format(kind, date) {
    if (kind === 'day') {
      // The long date without its year, cut from the same parts so both read alike
      // ("Monday, 7 December" and "Monday, 7 December 2026").
      var parts = formatter('dayYear').formatToParts(date);
      var i = parts.findIndex(function (p) { return p.type === 'year'; });
      if (i > 0 && parts[i - 1].type === 'literal') parts.splice(i - 1, 2);
      else if (i >= 0) parts.splice(i, parts[i + 1] && parts[i + 1].type === 'literal' ? 2 : 1);
      return parts.map(function (p) { return p.value; }).join('').trim();
    }
    return formatter(kind).format(date);
  }

  function wallClock(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/.exec(iso || '');
    if (!m) return null;
    return {
      day: m[1] + '-' + m[2] + '-' + m[3],
      date: new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0))),
    };
  }

  function dayLabel(isoDay, withYear) { return format(withYear ? 'dayYear' : 'day', wallClock(isoDay).date); }
  function timeLabel(iso) { return format('time', wallClock(iso).date); }
  function slotDayLabel(slot, withYear) { return dayLabel(wallClock(slot.start).day, withYear); }
  function slotTimes(slot) { return timeLabel(slot.start) + ' to ' + timeLabel(slot.end); }
  function slotLabel(slot, withYear) { return slotDayLabel(slot, withYear) + ', ' + slotTimes(slot); }

  function isoDay(date) {
    return date.getUTCFullYear() + '-' + String(date.getUTCMonth() + 1).padStart(2, '0') + '-' + String(date.getUTCDate()).padStart(2, '0');
  }

  function today() {
    var now = new Date();
    return isoDay(new Date(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate())));
  }

  function addDays(day, count) {
    var d = wallClock(day).date;
    d.setUTCDate(d.getUTCDate() + count);
    return isoDay(d);
  }

  function validDay(value) {
    var parsed = wallClock(value);
    return parsed && isoDay(parsed.date) === value && value >= today();
  }

  function price(cents) {
    var amount = cents / 100;
    var whole = cents % 100 === 0;
    var options = { minimumFractionDigits: whole ? 0 : 2, maximumFractionDigits: 2 };
    if (/^[A-Za-z]{3}$/.test(config.currency)) {
      try {
        options.style = 'currency';
        options.currency = config.currency.toUpperCase();
        return new Intl.NumberFormat(config.locale, options).format(amount);
      } catch (e) { /* an unknown code: fall through to a plain number */ }
      delete options.style;
      delete options.currency;
      return new Intl.NumberFormat(config.locale, options).format(amount) + ' ' + config.currency.toUpperCase();
    }
    return config.currency + new Intl.NumberFormat(config.locale, options).format(amount);
  }

  function duration(minutes) {
    var hours = Math.floor(minutes / 60);
    var rest = minutes % 60;
    var parts = [];
    if (hours) parts.push(hours + (hours === 1 ? ' hour' : ' hours'));
    if (rest || !hours) parts.push(rest + (rest === 1 ? ' minute' : ' minutes'));
    return parts.join(' ');
  }

  // --- the API ------------------------------------------------------------------------------

  function ApiError(status, code, message, details) {
    this.status = status;
    this.code = code;
    this.message = message;
    this.details = details;
  }

  function fallbackMessage(status) {
    if (status === 0) return 'We could not reach the booking service. Check your internet connection and try again.';
    if (status === 429) return 'Too many requests just now. Please wait a moment and try again.';
    if (status >= 500) return 'Something went wrong on our side. Please try again in a minute.';
    return 'Something went wrong (error ' + status + '). Please try again.';
  }

  function api(path, options) {
    options = options || {};
    var headers = { Accept: 'application/json' };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    Object.keys(options.headers || {}).forEach(function (k) { headers[k] = options.headers[k]; });
    return fetch(config.apiBase + path, {
      method: options.method || 'GET',
      headers: headers,
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      credentials: 'omit',
      cache: 'no-store',
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        if (response.ok) return { status: response.status, data: data };
        var error = (data && data.error) || {};
        var message = response.status >= 500 ? fallbackMessage(response.status) : error.message || fallbackMessage(response.status);
        throw new ApiError(response.status, error.code || 'http_' + response.status, message, error.details);
      });
    }, function () {
      throw new ApiError(0, 'network', fallbackMessage(0), null);
    });
  }

  function retryable(error) {
    return error instanceof ApiError && (error.status === 0 || error.status === 502 || error.status === 503 || error.status === 504 || error.status === 500);
  }

  /** Calls `attempt` again (same arguments, so the same Idempotency-Key) after a network error or a 5xx. */
  function withRetries(attempt, tries) {
    var n = 0;
    function next() {
      n += 1;
      return attempt().catch(function (error) {
        if (n >= tries || !retryable(error)) throw error;
        return sleep(700 * n).then(next);
      });
    }
    return next();
  }

  // --- an announcer: one polite live region per widget -------------------------------------

  function makeAnnouncer() {
    var region = el('div', { class: 'bk-visually-hidden', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
    var timer = null;
    return {
      element: region,
      say: function (message) {
        // Clear first, so the same message said twice is announced twice.
        clearTimeout(timer);
        region.textContent = '';
        timer = setTimeout(function () { region.textContent = message; }, 60);
      },
    };
  }

  // --- form fields with hints and errors ----------------------------------------------------

  /** A labelled control with an optional hint and an error message linked by aria-describedby. */
  function field(options) {
    var id = options.id;
    var control = options.control;
    control.id = id;
    control.classList.add(control.tagName === 'TEXTAREA' ? 'bk-textarea' : 'bk-input');
    var hint = options.hint ? el('p', { class: 'bk-hint', id: id + '-hint' }, options.hint) : null;
    var error = el('p', { class: 'bk-error-message', id: id + '-error', hidden: true });
    var label = el('label', { class: 'bk-label', for: id });
    var wrapper = el('div', { class: 'bk-field' + (options.className ? ' ' + options.className : '') }, label, hint, error, control);
    function setLabel(text, optional) {
      label.replaceChildren(text, optional ? el('span', { class: 'bk-optional' }, ' (optional)') : '');
      if (optional) control.removeAttribute('aria-required'); else control.setAttribute('aria-required', 'true');
    }
    setLabel(options.label, options.optional);
    var f = {
      element: wrapper,
      control: control,
      label: options.label,
      setLabel: setLabel,
      setHint: function (text) { if (hint) hint.textContent = text; },
      setError: function (message) {
        error.replaceChildren(el('span', { class: 'bk-visually-hidden' }, 'Error: '), message);
        error.hidden = false;
        wrapper.classList.add('bk-field--error');
        control.setAttribute('aria-invalid', 'true');
        describe();
      },
      clearError: function () {
        error.hidden = true;
        error.textContent = '';
        wrapper.classList.remove('bk-field--error');
        control.removeAttribute('aria-invalid');
        describe();
      },
      value: function () { return control.value.trim(); },
    };
    function describe() {
      var ids = [];
      if (hint) ids.push(hint.id);
      if (!error.hidden) ids.push(error.id);
      if (ids.length) control.setAttribute('aria-describedby', ids.join(' '));
      else control.removeAttribute('aria-describedby');
    }
    describe();
    return f;
  }

  /** "There is a problem" box: a list of links to the fields, focused when shown. */
  function makeErrorSummary() {
    var titleId = uid('bk-summary-title');
    var list = el('ul', { class: 'bk-summary-list' });
    var box = el('div', { class: 'bk-error-summary', tabindex: '-1', hidden: true, 'aria-labelledby': titleId, role: 'group' },
      el('h2', { class: 'bk-error-summary-title', id: titleId }, 'There is a problem'), list);
    return {
      element: box,
      show: function (problems) {
        list.replaceChildren();
        problems.forEach(function (p) {
          var item = p.target
            ? el('a', { href: '#' + p.target.id, onclick: function (e) { e.preventDefault(); focusField(p.target); } }, p.message)
            : p.message;
          list.appendChild(el('li', {}, item));
        });
        box.hidden = false;
        focusOn(box);
      },
      hide: function () { box.hidden = true; list.replaceChildren(); },
    };
  }

  function focusField(control) {
    control.focus({ preventScroll: true });
    var wrapper = control.closest('.bk-field, .bk-fieldset, .bk-picker') || control;
    wrapper.scrollIntoView({ block: 'center' });
  }

  function problemsSentence(problems) {
    var count = problems.length === 1 ? 'There is 1 problem' : 'There are ' + problems.length + ' problems';
    return count + ': ' + problems.map(function (p) { return p.message.replace(/\.?$/, '.'); }).join(' ');
  }

  // --- the free-times picker (used to book and to reschedule) -------------------------------

  /**
   * A postcode, a date and the free times of `config.days` days from it, grouped by day.
   * options: prefix (id prefix), announce, onSelect(slot), dateLabel, postcode (initial),
   * onAnswer(data) (each availability answer). The postcode filters the times; once
   * `requirePostcode(true)` (the business works in service areas) no times are shown before it.
   * The functions below share the picker's elements and state through `p`.
   */
  function SlotPicker(options) {
    var p = {
      options: options,
      prefix: options.prefix,
      level: options.headingLevel || 3,
      state: { serviceId: null, from: today(), slots: null, timezone: null, selected: null, seq: 0, open: {} },
      debounce: null,
      postcodeRequired: false,
      notServed: null, // the postcode the API said nobody covers, while it is in the field
    };
    buildPicker(p);
    watchPickerInputs(p);
    return pickerApi(p);
  }

  /** The postcode and date fields, and the free times below them with their pager. */
  function buildPicker(p) {
    var options = p.options;
    var prefix = p.prefix;
    p.areaField = field({
      id: prefix + '-area', label: 'Postcode of the visit', optional: true,
      hint: AREA_HINT_OPTIONAL,
      control: el('input', { type: 'text', autocomplete: 'postal-code', autocapitalize: 'characters', spellcheck: 'false', maxlength: '10', value: options.postcode || '' }),
    });
    p.dateField = field({
      id: prefix + '-date', label: options.dateLabel || 'Date',
      hint: 'We show free times for ' + config.days + (config.days === 1 ? ' day' : ' days') + ' from this date.',
      control: el('input', { type: 'date', min: today(), value: today() }),
    });
    p.timezoneNote = el('p', { class: 'bk-hint bk-timezone', hidden: true });
    p.status = el('p', { class: 'bk-picker-status' }, 'Choose a service to see free times.');
    p.days = el('div', { class: 'bk-days' });
    p.slotError = el('p', { class: 'bk-error-message', id: prefix + '-slot-error', hidden: true });
    p.earlier = el('button', { type: 'button', class: 'bk-button bk-button--secondary bk-button--small', onclick: function () { shiftDates(p, -config.days); } }, 'Earlier dates');
    p.later = el('button', { type: 'button', class: 'bk-button bk-button--secondary bk-button--small', onclick: function () { shiftDates(p, config.days); } }, 'Later dates');
    p.pager = el('div', { class: 'bk-pager', hidden: true }, p.earlier, p.later);
    p.selectedNote = el('p', { class: 'bk-selected', hidden: true });
    var timesId = prefix + '-times';
    var timesTitle = el('h' + p.level, { class: 'bk-times-title', id: timesId + '-title' }, 'Free times');
    p.times = el('div', { class: 'bk-times', id: timesId, role: 'group', tabindex: '-1', 'aria-labelledby': timesId + '-title' },
      timesTitle, p.timezoneNote, p.slotError, p.status, p.days, p.pager);
    p.root = el('div', { class: 'bk-picker' },
      el('div', { class: 'bk-picker-inputs' }, p.areaField.element, p.dateField.element), p.times, p.selectedNote);
  }

  var AREA_HINT_OPTIONAL = 'To see only times when a technician covers your area.';
  var AREA_HINT_REQUIRED = 'We check that we cover your area, then show the free times.';

  function watchPickerInputs(p) {
    var dateField = p.dateField;
    dateField.control.addEventListener('change', function () {
      clearTimeout(p.debounce);
      // Typing a date fires change for each part: wait for a whole, valid date.
      p.debounce = setTimeout(function () {
        if (validDay(dateField.control.value)) {
          p.state.from = dateField.control.value;
          p.state.open = {};
          loadSlots(p);
        } else if (dateField.control.value.length === 10) {
          dateField.setError('Choose today or a later date');
        }
      }, 250);
    });
    p.areaField.control.addEventListener('change', function () { postcodeChanged(p); });
    p.areaField.control.addEventListener('keydown', function (event) {
      // Enter in the postcode shows the times for it; it does not send the whole form.
      if (event.key !== 'Enter') return;
      event.preventDefault();
      postcodeChanged(p);
    });
  }

  function postcodeChanged(p) {
    var value = p.areaField.value();
    if (value === p.lastPostcode) return;
    p.lastPostcode = value;
    if (p.options.onPostcode) p.options.onPostcode(value);
    loadSlots(p);
  }

  /** The business works in service areas: the postcode comes first, and is required. */
  function requirePostcode(p, required) {
    p.postcodeRequired = !!required;
    p.areaField.setLabel('Postcode of the visit', !required);
    p.areaField.setHint(required ? AREA_HINT_REQUIRED : AREA_HINT_OPTIONAL);
    if (p.state.serviceId && !p.areaField.value()) loadSlots(p);
  }

  function askForPostcode(p) {
    return p.state.serviceId && p.postcodeRequired && !p.areaField.value();
  }

  /** What the booking form and the manage page use: the element, the chosen time and commands. */
  function pickerApi(p) {
    var state = p.state;
    return {
      element: p.root,
      times: p.times,
      get selected() { return state.selected; },
      get postcode() { return p.areaField.value(); },
      get postcodeRequired() { return p.postcodeRequired; },
      /** The postcode the API said nobody covers, while it is still in the field. */
      get notServed() { return p.notServed && p.notServed.postcode === p.areaField.value() ? p.notServed : null; },
      requirePostcode: function (required) { requirePostcode(p, required); },
      areaControl: p.areaField.control,
      setService: function (serviceId) {
        if (state.serviceId === serviceId) return Promise.resolve();
        state.serviceId = serviceId;
        state.open = {};
        state.lost = null;
        selectSlot(p, null, false);
        return loadSlots(p);
      },
      reload: function () { return loadSlots(p); },
      /** Select a time that may not be on screen (an alternative offered after a 409). */
      choose: function (slot) {
        var day = wallClock(slot.start).day;
        state.selected = slot;
        if (!slotInRange(p, slot)) {
          state.from = day < today() ? today() : day;
          p.dateField.control.value = state.from;
        }
        state.open = {};
        state.open[day] = true;
        selectSlot(p, slot, false);
        return loadSlots(p);
      },
      setError: function (message) {
        p.slotError.replaceChildren(el('span', { class: 'bk-visually-hidden' }, 'Error: '), message);
        p.slotError.hidden = false;
        p.times.classList.add('bk-field--error');
      },
      clearError: function () {
        p.slotError.hidden = true;
        p.times.classList.remove('bk-field--error');
      },
      /** What an error-summary link should focus: the first time button, else the date (or the postcode, when times wait for it). */
      focusTarget: function () {
        if (askForPostcode(p) || pickerApiNotServed(p)) return p.areaField.control;
        return p.days.querySelector('.bk-slot-grid:not([hidden]) .bk-slot') || p.days.querySelector('.bk-day-toggle') || p.dateField.control;
      },
      setAreaError: function (message) { p.areaField.setError(message); },
      slotErrorId: p.slotError.id,
    };
  }

  function pickerApiNotServed(p) {
    return p.notServed && p.notServed.postcode === p.areaField.value();
  }

  function shiftDates(p, count) {
    var from = addDays(p.state.from, count);
    if (from < today()) from = today();
    p.state.from = from;
    p.dateField.control.value = from;
    p.state.open = {};
    loadSlots(p).then(function () { focusOn(p.times); });
  }

  function checkPickerInputs(p) {
    var ok = true;
    p.areaField.clearError();
    p.dateField.clearError();
    var postcode = p.areaField.value();
    if (postcode && (postcode.length > 10 || !/^[A-Za-z0-9 ]+$/.test(postcode))) {
      p.areaField.setError(p.postcodeRequired ? 'Enter a postcode using letters and numbers only' : 'Enter a postcode using letters and numbers only, or leave it empty');
      ok = false;
    }
    if (!validDay(p.dateField.control.value)) {
      p.dateField.setError(p.dateField.control.value ? 'Choose today or a later date' : 'Choose a date');
      ok = false;
    }
    return ok;
  }

  /** The free times for the service from the chosen date (only the newest answer is shown). */
  function loadSlots(p) {
    var state = p.state;
    if (!state.serviceId) {
      state.slots = null;
      renderSlots(p);
      return Promise.resolve();
    }
    if (askForPostcode(p)) {
      state.seq += 1; // an answer still on its way is no longer wanted
      state.slots = null;
      p.notServed = null;
      renderSlots(p);
      p.options.announce('Enter the postcode of the visit to see free times.');
      return Promise.resolve();
    }
    if (!checkPickerInputs(p)) {
      p.options.announce('Check the postcode and date to see free times.');
      return Promise.resolve();
    }
    var seq = (state.seq += 1);
    var query = new URLSearchParams({ service_id: state.serviceId, date: state.from, days: String(config.days) });
    if (p.areaField.value()) query.set('postcode', p.areaField.value());
    p.days.setAttribute('aria-busy', 'true');
    p.status.textContent = 'Loading free times…';
    p.status.hidden = false;
    p.options.announce('Loading free times…');
    return api('/public/availability?' + query.toString()).then(function (answer) {
      if (seq !== state.seq) return;
      p.notServed = null;
      if (p.options.onAnswer) p.options.onAnswer(answer.data);
      state.slots = answer.data.slots || [];
      state.timezone = answer.data.timezone || null;
      var lost = keepSelectionIfStillFree(p);
      renderSlots(p);
      p.options.announce((lost ? 'The time you chose, ' + slotLabel(lost) + ', is no longer free. ' : '') + slotsSummary(p));
    }, function (error) {
      if (seq !== state.seq) return;
      slotsFailed(p, error);
    }).then(function () {
      if (seq === state.seq) p.days.removeAttribute('aria-busy');
    });
  }

  function slotsFailed(p, error) {
    var state = p.state;
    state.slots = null;
    p.notServed = null;
    if (error.code === 'area_not_served') return areaNotServed(p, error);
    renderSlots(p);
    var handled = false;
    var past = error.status === 422 && Array.isArray(error.details) &&
      error.details.some(function (d) { return d.field === 'date' && /past/.test(d.message); });
    if (past && state.from === today() && !state.skippedToday) {
      // The visitor's today is already over where the business is: start from tomorrow.
      state.skippedToday = true;
      state.from = addDays(today(), 1);
      p.dateField.control.value = state.from;
      p.dateField.control.min = state.from;
      loadSlots(p);
      return;
    }
    if (error.status === 422 && Array.isArray(error.details)) {
      error.details.forEach(function (d) {
        if (d.field === 'date') { p.dateField.setError('The date ' + d.message); handled = true; }
        if (d.field === 'postcode') { p.areaField.setError('Enter a postcode using letters and numbers only, or leave it empty'); handled = true; }
      });
    }
    p.status.replaceChildren(handled ? 'Check the postcode and date above.' : error.message, ' ',
      handled ? null : el('button', { type: 'button', class: 'bk-link-button', onclick: function () { loadSlots(p); } }, 'Try again'));
    p.status.hidden = false;
    p.options.announce(handled ? 'Check the postcode and date.' : error.message);
  }

  /** Nobody covers the postcode: say so next to it, in the times' place and aloud; focus stays. */
  function areaNotServed(p, error) {
    var postcode = p.areaField.value();
    p.notServed = { postcode: postcode, message: error.message };
    renderSlots(p);
    p.areaField.setError(error.message);
    var shown = postcode.replace(/\s+/g, ' ').toUpperCase();
    p.status.replaceChildren(el('span', { class: 'bk-not-served' }, 'No free times to show for ' + shown + '. Check the postcode, or ' + callUs() + '.'));
    p.status.hidden = false;
    p.options.announce(error.message + ' Check the postcode, or ' + callUs() + '.');
  }

  function slotInRange(p, slot) {
    var day = wallClock(slot.start).day;
    return day >= p.state.from && day < addDays(p.state.from, config.days);
  }

  function keepSelectionIfStillFree(p) {
    var state = p.state;
    var s = state.selected;
    if (s && slotInRange(p, s) && !state.slots.some(function (x) { return x.start === s.start; })) {
      state.selected = null;
      state.lost = s;
      showSelectedSlot(p);
      p.options.onSelect(null);
      return s;
    }
    return null;
  }

  function slotsSummary(p) {
    var state = p.state;
    if (!state.slots.length) {
      return 'No free times from ' + dayLabel(state.from) + ' to ' + dayLabel(addDays(state.from, config.days - 1)) + '. Try later dates' + (p.areaField.value() ? ' or another postcode.' : '.');
    }
    var withSlots = Object.keys(groupSlotsByDay(p)).length;
    return state.slots.length + (state.slots.length === 1 ? ' free time' : ' free times') + ' on ' + withSlots + (withSlots === 1 ? ' day' : ' days') +
      ', from ' + dayLabel(state.from) + '. Open a day to see its times.';
  }

  function groupSlotsByDay(p) {
    var groups = {};
    (p.state.slots || []).forEach(function (slot) {
      var day = wallClock(slot.start).day;
      (groups[day] = groups[day] || []).push(slot);
    });
    return groups;
  }

  function renderSlots(p) {
    var state = p.state;
    p.days.replaceChildren();
    p.slotError.hidden = true;
    if (state.slots === null) {
      p.status.textContent = !state.serviceId ? 'Choose a service to see free times.'
        : askForPostcode(p) ? 'Enter the postcode of the visit to see free times.' : '';
      p.status.hidden = !p.status.textContent;
      p.pager.hidden = true;
      p.timezoneNote.hidden = true;
      return;
    }
    var groups = groupSlotsByDay(p);
    var firstWithSlots = null;
    for (var i = 0; i < config.days; i++) {
      var d = addDays(state.from, i);
      if (groups[d] && !firstWithSlots) firstWithSlots = d;
    }
    if (!Object.keys(state.open).length && firstWithSlots) state.open[firstWithSlots] = true;
    if (state.selected && slotInRange(p, state.selected)) state.open[wallClock(state.selected.start).day] = true;

    for (var j = 0; j < config.days; j++) p.days.appendChild(renderSlotDay(p, addDays(state.from, j), groups));
    p.status.textContent = state.slots.length ? '' : slotsSummary(p);
    p.status.hidden = !state.slots.length ? false : true;
    p.pager.hidden = false;
    p.earlier.hidden = state.from <= today();
    if (state.timezone) {
      p.timezoneNote.textContent = 'Times are in ' + state.timezone.replace(/_/g, ' ') + ' time.';
      p.timezoneNote.hidden = false;
    }
  }

  function renderSlotDay(p, day, groups) {
    var level = p.level;
    var slots = groups[day] || [];
    var nameId = uid(p.prefix + '-day');
    var name = el('span', { class: 'bk-day-name', id: nameId }, dayLabel(day));
    if (!slots.length) {
      return el('section', { class: 'bk-day bk-day--empty' },
        el('h' + (level + 1), { class: 'bk-day-heading' }, el('span', { class: 'bk-day-static' }, name, el('span', { class: 'bk-day-count' }, 'No free times'))));
    }
    var panelId = uid(p.prefix + '-slots');
    var open = !!p.state.open[day];
    var grid = el('div', { class: 'bk-slot-grid', id: panelId, role: 'group', 'aria-labelledby': nameId, hidden: !open },
      slots.map(function (slot) { return slotButton(p, slot); }));
    var toggle = el('button', {
      type: 'button', class: 'bk-day-toggle', 'aria-expanded': open ? 'true' : 'false', 'aria-controls': panelId,
      onclick: function () {
        var nowOpen = toggle.getAttribute('aria-expanded') !== 'true';
        toggle.setAttribute('aria-expanded', String(nowOpen));
        grid.hidden = !nowOpen;
        if (nowOpen) p.state.open[day] = true; else delete p.state.open[day];
      },
    }, name, el('span', { class: 'bk-day-count' }, slots.length + (slots.length === 1 ? ' time' : ' times')), el('span', { class: 'bk-chevron', 'aria-hidden': 'true' }));
    return el('section', { class: 'bk-day' }, el('h' + (level + 1), { class: 'bk-day-heading' }, toggle), grid);
  }

  function slotButton(p, slot) {
    var pressed = !!(p.state.selected && p.state.selected.start === slot.start);
    return el('button', {
      type: 'button', class: 'bk-slot', 'aria-pressed': pressed ? 'true' : 'false', 'data-start': slot.start,
      onclick: function () { selectSlot(p, slot, true); },
    }, timeLabel(slot.start));
  }

  function selectSlot(p, slot, fromList) {
    var options = p.options;
    p.state.selected = slot;
    p.slotError.hidden = true;
    p.times.classList.remove('bk-field--error');
    p.days.querySelectorAll('.bk-slot').forEach(function (b) {
      b.setAttribute('aria-pressed', b.getAttribute('data-start') === (slot && slot.start) ? 'true' : 'false');
    });
    showSelectedSlot(p);
    options.onSelect(slot);
    if (slot && fromList) options.announce('Selected ' + slotLabel(slot) + '.' + (options.afterSelect ? ' ' + options.afterSelect : ''));
  }

  function showSelectedSlot(p) {
    var state = p.state;
    var selectedNote = p.selectedNote;
    var s = state.selected;
    if (s) state.lost = null;
    selectedNote.hidden = !s && !state.lost;
    selectedNote.classList.toggle('bk-selected--lost', !s && !!state.lost);
    selectedNote.replaceChildren();
    if (s) selectedNote.append(el('span', { class: 'bk-selected-label' }, p.options.selectedLabel || 'Your time: '), el('strong', {}, slotLabel(s)));
    else if (state.lost) selectedNote.append('Sorry, ', el('strong', {}, slotLabel(state.lost)), ' is no longer free. Choose another time.');
  }

  function alternativesBox(options) {
    // options: alternatives, onPick(slot), title
    var titleId = uid('bk-alt-title');
    var box = el('div', { class: 'bk-alert bk-alert--warning', role: 'group', tabindex: '-1', 'aria-labelledby': titleId },
      el('h3', { class: 'bk-alert-title', id: titleId }, options.title || 'Sorry, that time has just been taken'));
    if (options.alternatives.length) {
      box.appendChild(el('p', {}, 'These nearby times are free. Choose one:'));
      box.appendChild(el('div', { class: 'bk-alt-list' }, options.alternatives.map(function (slot) {
        return el('button', { type: 'button', class: 'bk-slot bk-slot--wide', onclick: function () { options.onPick(slot); } },
          el('span', { class: 'bk-alt-day' }, format('short', wallClock(slot.start).date)), ' ', el('span', { class: 'bk-alt-time' }, slotTimes(slot)));
      })));
    } else {
      box.appendChild(el('p', {}, 'No nearby times are free. Please choose another date.'));
    }
    return box;
  }

  // --- the booking form ---------------------------------------------------------------------

  /** The booking form in `container`. The functions below share its parts and state through `f`. */
  function BookingForm(container) {
    var f = {
      live: makeAnnouncer(),
      services: [],
      serviceId: null,
      pending: null, // {key, json}: the Idempotency-Key of the submission being attempted
      sending: false,
      token: null, // {value, at}: the form token the API gave with the services or free times
    };
    buildBookingForm(f);
    f.contact = contactBox();
    container.replaceChildren(f.live.element, f.form, f.confirmation, f.contact);
    f.form.addEventListener('submit', function (event) { onBookingSubmit(f, event); });
    loadServices(f);
  }

  /** The form's three numbered sections (service, date and time, details) and the submit button. */
  function buildBookingForm(f) {
    f.errorSummary = makeErrorSummary();
    f.serviceList = el('div', { class: 'bk-services' }, el('p', { class: 'bk-picker-status' }, 'Loading services…'));
    f.serviceError = el('p', { class: 'bk-error-message', id: 'bk-service-error', hidden: true });
    f.serviceFieldset = el('fieldset', { class: 'bk-fieldset', 'aria-describedby': 'bk-service-error' },
      el('legend', { class: 'bk-legend' }, 'Which service do you need?'), f.serviceError, f.serviceList);
    f.picker = bookingPicker(f);
    var fields = f.fields = bookingFields();
    // The honeypot: off screen, out of the tab order, hidden from assistive technology. People
    // never fill it; form-filling bots do, and the API then refuses the booking.
    f.honeypot = el('input', { type: 'text', id: 'bk-website', name: 'website', tabindex: '-1', autocomplete: 'off' });
    f.alternatives = el('div', { class: 'bk-alternatives' });
    f.submit = el('button', { type: 'submit', class: 'bk-button' }, 'Book visit');

    f.form = el('form', { class: 'bk-form', novalidate: true, 'aria-label': 'Book a visit' },
      f.errorSummary.element,
      bookingSection(1, 'Service', f.serviceFieldset),
      bookingSection(2, 'Date and time', f.picker.element),
      bookingSection(3, 'Your details', [fields.name.element, fields.email.element, fields.phone.element,
        el('fieldset', { class: 'bk-fieldset bk-address' }, el('legend', { class: 'bk-legend bk-legend--small' }, 'Address of the visit'),
          fields.street.element, fields.city.element, fields.postcode.element),
        fields.notes.element,
        el('div', { class: 'bk-hp', 'aria-hidden': 'true' }, el('label', { for: 'bk-website' }, 'Website (leave this empty)'), f.honeypot)]),
      el('div', { class: 'bk-submit' }, f.alternatives, f.submit,
        f.policyNote = el('p', { class: 'bk-hint bk-fineprint', hidden: true })));

    f.confirmation = el('div', { class: 'bk-confirmation', hidden: true });
  }

  function bookingPicker(f) {
    return SlotPicker({
      prefix: 'bk', announce: f.live.say, dateLabel: 'Date',
      afterSelect: 'Next, enter your details.',
      onSelect: function (slot) { if (slot) f.alternatives.replaceChildren(); },
      onAnswer: function (data) { rememberToken(f, data.form_token); },
      onPostcode: function (value) {
        var current = f.fields.postcode.control;
        if (!current.value.trim() || current.dataset.copied === current.value) {
          current.value = value;
          current.dataset.copied = value;
        }
      },
    });
  }

  function bookingFields() {
    return {
      name: field({ id: 'bk-name', label: 'Full name', control: el('input', { type: 'text', autocomplete: 'name', maxlength: '120' }) }),
      email: field({ id: 'bk-email', label: 'Email address', hint: 'We send your confirmation here.', control: el('input', { type: 'email', autocomplete: 'email', maxlength: '254', spellcheck: 'false' }) }),
      phone: field({ id: 'bk-phone', label: 'Phone number', hint: 'In case the technician needs to reach you on the day.', control: el('input', { type: 'tel', autocomplete: 'tel', maxlength: '24' }) }),
      street: field({ id: 'bk-street', label: 'Street address', control: el('input', { type: 'text', autocomplete: 'street-address', maxlength: '200' }) }),
      city: field({ id: 'bk-city', label: 'Town or city', control: el('input', { type: 'text', autocomplete: 'address-level2', maxlength: '100' }) }),
      postcode: field({ id: 'bk-postcode', label: 'Postcode', className: 'bk-field--short', control: el('input', { type: 'text', autocomplete: 'postal-code', autocapitalize: 'characters', spellcheck: 'false', maxlength: '10' }) }),
      notes: field({ id: 'bk-notes', label: 'Anything we should know?', optional: true, hint: 'For example, how many windows, parking or access.', control: el('textarea', { rows: '4', maxlength: '1000' }) }),
    };
  }

  function bookingSection(number, title, content) {
    return el('section', { class: 'bk-section', 'aria-labelledby': 'bk-step-' + number },
      el('h2', { class: 'bk-step', id: 'bk-step-' + number }, el('span', { class: 'bk-step-number', 'aria-hidden': 'true' }, number), el('span', {}, title)),
      content);
  }

  // The API refuses a booking sent sooner than a few seconds after the form got its token (a
  // person needs longer; a bot does not wait), or with a token older than a few hours. Keep the
  // one from when the page was shown; take a newer one from the free times after half an hour.
  var TOKEN_FRESH_MS = 30 * 60 * 1000;
  var MAX_WAIT_SECONDS = 10;

  function rememberToken(f, token) {
    if (token && (!f.token || Date.now() - f.token.at > TOKEN_FRESH_MS)) f.token = { value: token, at: Date.now() };
  }

  /** A new token (the old one was refused as expired): the services answer carries one. */
  function freshToken(f) {
    return api('/public/services').then(function (answer) {
      f.token = null;
      rememberToken(f, answer.data.form_token);
    });
  }

  function loadServices(f) {
    api('/public/services').then(function (answer) {
      f.services = answer.data.services || [];
      rememberToken(f, answer.data.form_token);
      if (answer.data.business) {
        business = answer.data.business;
        f.contact.update();
        f.policyNote.textContent = cutoffSentence(business.cancellation_cutoff_hours);
        f.policyNote.hidden = !f.policyNote.textContent;
      }
      f.picker.requirePostcode(!!answer.data.service_areas);
      renderServices(f);
    }, function (error) {
      f.serviceList.replaceChildren(el('p', { class: 'bk-picker-status' }, error.message, ' ',
        el('button', { type: 'button', class: 'bk-link-button', onclick: function () { loadServices(f); } }, 'Try again')));
      f.live.say(error.message);
    });
  }

  function renderServices(f) {
    var serviceList = f.serviceList;
    if (!f.services.length) {
      serviceList.replaceChildren(el('p', { class: 'bk-picker-status' }, 'No services can be booked online at the moment. Please ' + callUs() + '.'));
      return;
    }
    serviceList.replaceChildren.apply(serviceList, f.services.map(function (s) {
      var id = 'bk-service-' + s.id;
      var input = el('input', { type: 'radio', name: 'service', id: id, value: s.id, 'aria-labelledby': id + '-name', 'aria-describedby': id + '-meta' + (s.description ? ' ' + id + '-desc' : '') });
      input.addEventListener('change', function () { chooseService(f, s.id); });
      return el('label', { class: 'bk-service', for: id }, input,
        el('span', { class: 'bk-service-name', id: id + '-name' }, s.name),
        el('span', { class: 'bk-service-meta', id: id + '-meta' }, el('span', {}, duration(s.duration_minutes)), el('span', { class: 'bk-service-price' }, 'from ' + price(s.price_from_cents))),
        s.description ? el('span', { class: 'bk-service-desc', id: id + '-desc' }, s.description) : null);
    }));
  }

  function chooseService(f, id) {
    f.serviceId = id;
    f.serviceError.hidden = true;
    f.serviceFieldset.classList.remove('bk-field--error');
    f.serviceList.querySelectorAll('.bk-service').forEach(function (card) {
      card.classList.toggle('is-selected', card.querySelector('input').checked);
    });
    f.alternatives.replaceChildren();
    f.picker.setService(id);
  }

  /** Checks the form on the page; the problems found, each {target, message}. */
  function validateBooking(f) {
    var fields = f.fields;
    var picker = f.picker;
    var problems = [];
    function problem(item, message) { item.setError(message); problems.push({ target: item.control, message: message }); }
    Object.keys(fields).forEach(function (k) { fields[k].clearError(); });
    picker.clearError();
    f.serviceError.hidden = true;
    f.serviceFieldset.classList.remove('bk-field--error');

    if (!f.serviceId) {
      setServiceError(f, 'Choose a service');
      problems.push({ target: f.serviceList.querySelector('input') || f.serviceFieldset, message: 'Choose a service' });
    }
    if (picker.notServed) {
      picker.setAreaError(picker.notServed.message);
      problems.push({ target: picker.areaControl, message: picker.notServed.message });
    } else if (!picker.selected) {
      var first = picker.postcodeRequired && !picker.postcode ? 'Enter the postcode of the visit, then choose a time' : 'Choose a time for the visit';
      picker.setError(first);
      if (picker.postcodeRequired && !picker.postcode) picker.setAreaError('Enter the postcode of the visit');
      problems.push({ target: f.serviceId ? picker.focusTarget() : f.serviceList.querySelector('input') || f.serviceFieldset, message: first });
    }
    if (!fields.name.value()) problem(fields.name, 'Enter your full name');
    var email = fields.email.value();
    if (!email) problem(fields.email, 'Enter your email address');
    else if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) problem(fields.email, 'Enter an email address in the right format, like name@example.com');
    var phone = fields.phone.value();
    if (!phone) problem(fields.phone, 'Enter your phone number');
    else if (!/^\+?[0-9 ()./-]{6,24}$/.test(phone) || phone.replace(/\D/g, '').length < 6) problem(fields.phone, 'Enter a phone number using digits, spaces and + ( ) -');
    if (!fields.street.value()) problem(fields.street, 'Enter the street address');
    if (!fields.city.value()) problem(fields.city, 'Enter the town or city');
    var postcode = fields.postcode.value();
    if (!postcode) problem(fields.postcode, 'Enter the postcode');
    else if (!/^[A-Za-z0-9 ]{2,10}$/.test(postcode)) problem(fields.postcode, 'Enter a postcode using letters and numbers only');
    return problems;
  }

  function setServiceError(f, message) {
    f.serviceError.replaceChildren(el('span', { class: 'bk-visually-hidden' }, 'Error: '), message);
    f.serviceError.hidden = false;
    f.serviceFieldset.classList.add('bk-field--error');
  }

  function showBookingProblems(f, problems) {
    f.errorSummary.show(problems);
    f.live.say(problemsSentence(problems));
  }

  function onBookingSubmit(f, event) {
    event.preventDefault();
    if (f.sending) return;
    f.alternatives.replaceChildren();
    var problems = validateBooking(f);
    if (problems.length) {
      showBookingProblems(f, problems);
      return;
    }
    f.errorSummary.hide();
    var fields = f.fields;
    var body = {
      service_id: f.serviceId,
      start: f.picker.selected.start,
      customer: { name: fields.name.value(), email: fields.email.value(), phone: fields.phone.value() },
      address: { street: fields.street.value(), city: fields.city.value(), postcode: fields.postcode.value() },
      notes: fields.notes.value() || null,
      website: f.honeypot.value,
    };
    var json = JSON.stringify(body); // without the token: a fresher token is the same booking
    // One key per submission attempt: a resend of the same booking (after a lost answer)
    // reuses it, so the API books once; a changed booking gets a new key.
    if (!f.pending || f.pending.json !== json) f.pending = { key: uuid(), json: json };
    sendBooking(f, body, f.pending.key);
  }

  function setSending(f, on) {
    f.sending = on;
    f.submit.disabled = on;
    f.submit.textContent = on ? 'Booking…' : 'Book visit';
    f.form.setAttribute('aria-busy', on ? 'true' : 'false');
  }

  /** Send once more when the API asks to wait a moment (sent too soon) or for a fresh token. */
  function postBooking(f, body, key, again) {
    var send = function () {
      body.form_token = f.token ? f.token.value : null;
      return api('/public/bookings', { method: 'POST', body: body, headers: { 'Idempotency-Key': key } });
    };
    return withRetries(send, 3).catch(function (error) {
      if (again <= 0) throw error;
      var wait = error.details && error.details.retry_after;
      if (error.status === 429 && error.code === 'submitted_too_soon' && wait <= MAX_WAIT_SECONDS) {
        return sleep(wait * 1000).then(function () { return postBooking(f, body, key, again - 1); });
      }
      if (error.status === 422 && error.code === 'form_token_invalid') {
        return freshToken(f).then(function () { return postBooking(f, body, key, again - 1); }, function () { throw error; });
      }
      throw error;
    });
  }

  function sendBooking(f, body, key) {
    setSending(f, true);
    f.live.say('Booking your visit…');
    postBooking(f, body, key, 2).then(function (answer) {
      f.pending = null;
      showConfirmation(f, answer.data, body);
    }, function (error) {
      setSending(f, false);
      if (error.status === 409 && error.code === 'slot_taken') {
        f.pending = null;
        offerAlternatives(f, (error.details && error.details.alternatives) || []);
      } else if (error.code === 'area_not_served') {
        f.pending = null;
        showNotServed(f, error);
      } else if (error.code === 'too_many_bookings') {
        f.pending = null;
        showTooManyBookings(f, error);
      } else if (error.status === 422 && Array.isArray(error.details)) {
        f.pending = null;
        showServerProblems(f, error);
      } else {
        // The booking may or may not have been made: sending again reuses the key.
        var message = error.status === 0 || error.status >= 500
          ? error.message + ' Press "Book visit" again: you will not be booked twice.'
          : error.message;
        f.errorSummary.show([{ message: message }]);
        f.live.say(message);
      }
    });
  }

  /** Nobody covers the visit's postcode: said at the postcode, in the summary and aloud. */
  function showNotServed(f, error) {
    var postcode = f.fields.postcode;
    var message = error.message + ' Check the postcode, or ' + callUs() + '.';
    postcode.setError(error.message);
    showBookingProblems(f, [{ target: postcode.control, message: message }]);
  }

  /** The email address or phone number already holds as many upcoming bookings as can be made online. */
  function showTooManyBookings(f, error) {
    var key = SERVER_FIELDS[error.details && error.details.field] || 'email';
    var item = f.fields[key];
    item.setError(key === 'phone' ? 'This phone number already has as many upcoming bookings as can be made online'
      : 'This email address already has as many upcoming bookings as can be made online');
    showBookingProblems(f, [{ target: item.control, message: error.message }]);
  }

  /** The API's names of the booking's fields, and the form's. */
  var SERVER_FIELDS = {
    'customer.name': 'name', 'customer.email': 'email', 'customer.phone': 'phone',
    'address.street': 'street', 'address.city': 'city', 'address.postcode': 'postcode', notes: 'notes',
  };

  function showServerProblems(f, error) {
    var fields = f.fields;
    var problems = [];
    error.details.forEach(function (d) {
      var key = SERVER_FIELDS[d.field];
      if (key) {
        var message = fields[key].label + ' ' + d.message;
        fields[key].setError(message);
        problems.push({ target: fields[key].control, message: message });
      } else if (d.field === 'start') {
        f.picker.setError('The time ' + d.message + '. Choose another time.');
        problems.push({ target: f.picker.focusTarget(), message: 'The time ' + d.message });
        f.picker.reload();
      } else if (d.field === 'service_id') {
        setServiceError(f, 'Choose another service');
        problems.push({ target: f.serviceList.querySelector('input'), message: 'That service cannot be booked online any more; choose another' });
      } else if (d.field === 'website') {
        problems.push({ message: 'Your booking could not be sent. Please ' + callUs() + '.' });
      } else {
        problems.push({ message: (d.field ? d.field + ' ' : '') + d.message });
      }
    });
    if (!problems.length) problems.push({ message: error.message });
    showBookingProblems(f, problems);
  }

  function offerAlternatives(f, options) {
    f.picker.reload();
    var box = alternativesBox({
      alternatives: options,
      onPick: function (slot) {
        f.picker.choose(slot);
        f.alternatives.replaceChildren();
        f.submit.focus();
        f.live.say('Selected ' + slotLabel(slot) + '. Press Book visit to confirm.');
      },
    });
    f.alternatives.replaceChildren(box);
    focusOn(box);
    f.live.say('Sorry, that time has just been taken. ' + (options.length ? options.length + ' nearby times are offered: choose one.' : 'Please choose another date.'));
  }

  function showConfirmation(f, data, body) {
    var service = f.services.filter(function (s) { return s.id === body.service_id; })[0];
    var appointment = data.appointment || { start: body.start, end: body.start };
    var firstName = body.customer.name.split(/\s+/)[0];
    var titleId = 'bk-confirmation-title';
    var framed = window.parent !== window;
    var panel = el('div', { class: 'bk-panel' },
      el('h2', { class: 'bk-panel-title', id: titleId, tabindex: '-1' }, 'Your visit is booked'),
      el('p', { class: 'bk-panel-body' }, 'Reference ', el('strong', { class: 'bk-reference' }, data.order_id)));
    f.confirmation.replaceChildren(
      el('section', { class: 'bk-section bk-confirm', 'aria-labelledby': titleId },
        panel,
        el('p', {}, 'Thank you, ' + firstName + '. We have emailed the details to ', el('strong', {}, body.customer.email), '.'),
        el('dl', { class: 'bk-details' },
          detail('Service', service ? service.name : body.service_id),
          detail('Date', slotDayLabel(appointment, true)),
          detail('Time', slotTimes(appointment)),
          data.technician && data.technician.name ? detail('Technician', data.technician.name) : null,
          detail('Address', [body.address.street, body.address.city, body.address.postcode].join(', ')),
          detail('Reference', data.order_id)),
        data.can_change_online === false
          ? el('div', { class: 'bk-alert bk-alert--info bk-late-booking' },
            el('p', {}, data.change_policy || ('This booking can no longer be changed online. To change it, please ' + callUs() + '.')))
          : null,
        el('p', { class: 'bk-manage' },
          el('a', { class: 'bk-button bk-button--secondary', href: data.manage_url, target: framed ? '_blank' : null, rel: framed ? 'noopener' : null },
            data.can_change_online === false ? 'See this booking' : 'Change or cancel this booking')),
        el('p', { class: 'bk-hint' }, data.can_change_online === false
          ? 'The link to your booking is also in your email.'
          : 'The link to change or cancel is also in your email. ' + (data.change_policy || ''))));
    f.form.hidden = true;
    f.confirmation.hidden = false;
    focusOn(document.getElementById(titleId));
    f.live.say('Your visit is booked for ' + slotLabel(appointment, true) + '. Reference ' + data.order_id + '.');
  }

  function detail(term, value) {
    return el('div', { class: 'bk-detail' }, el('dt', {}, term), el('dd', {}, value));
  }

  // --- the manage page ----------------------------------------------------------------------

  var STEP_LABELS = {
    requested: 'Requested', scheduled: 'Booked', en_route: 'Technician on the way', in_progress: 'In progress',
    completed: 'Completed', invoiced: 'Completed', paid: 'Completed', closed: 'Completed', on_hold: 'On hold', cancelled: 'Cancelled',
  };

  /** The manage page in `container`, for ?order=&token=. The functions below share its state through `m`. */
  function ManagePage(container) {
    var params = new URLSearchParams(window.location.search);
    var m = {
      live: makeAnnouncer(),
      orderId: params.get('order') || '',
      token: params.get('token') || '',
      booking: null,
      locked: false, // the API said it is too late to change online
    };
    m.view = el('div', { class: 'bk-manage-view' }, el('p', { class: 'bk-picker-status' }, 'Loading your booking…'));
    m.contact = contactBox();
    container.replaceChildren(m.live.element, m.view, m.contact);

    if (!m.orderId || !m.token) showInvalidLink(m);
    else loadBooking(m);
  }

  function managePath(m, suffix) {
    return '/public/bookings/' + encodeURIComponent(m.orderId) + (suffix || '') + '?token=' + encodeURIComponent(m.token);
  }

  function loadBooking(m, banner) {
    return api(managePath(m)).then(function (answer) {
      m.booking = answer.data;
      if (answer.data.business) { business = answer.data.business; m.contact.update(); }
      renderBooking(m, banner);
    }, function (error) {
      if (error.status === 404) showInvalidLink(m);
      else showLoadFailed(m, error);
    });
  }

  function showInvalidLink(m) {
    var title = el('h2', { class: 'bk-alert-title', tabindex: '-1' }, 'This link is not valid');
    m.view.replaceChildren(el('div', { class: 'bk-alert bk-alert--error' }, title,
      el('p', {}, 'We could not find a booking for this link. Check that you used the whole link from your confirmation email, or ' + callUs() + '.'),
      el('p', {}, el('a', { href: './' }, 'Book a new visit'))));
    focusOn(title);
    m.live.say('This link is not valid. We could not find a booking for it.');
  }

  function showLoadFailed(m, error) {
    var title = el('h2', { class: 'bk-alert-title', tabindex: '-1' }, 'We could not load your booking');
    m.view.replaceChildren(el('div', { class: 'bk-alert bk-alert--error' }, title, el('p', {}, error.message),
      el('p', {}, el('button', { type: 'button', class: 'bk-button bk-button--secondary', onclick: function () { loadBooking(m); } }, 'Try again'))));
    focusOn(title);
    m.live.say(error.message);
  }

  function isChangeable(m) {
    var booking = m.booking;
    if (m.locked || booking.step !== 'scheduled' || booking.can_change_online === false) return false;
    return !booking.changeable_until || Date.parse(booking.changeable_until) > Date.now();
  }

  /** The booking's card and what can be done with it, after an optional banner (focused). */
  function renderBooking(m, banner) {
    var booking = m.booking;
    var appointment = booking.appointment;
    var titleId = 'bk-manage-title';
    var stepLabel = STEP_LABELS[booking.step] || booking.step.replace(/_/g, ' ');
    var card = el('section', { class: 'bk-section bk-booking-card', 'aria-labelledby': titleId },
      el('div', { class: 'bk-card-head' },
        el('h2', { class: 'bk-card-title', id: titleId, tabindex: '-1' }, booking.service ? booking.service.name : 'Your visit'),
        el('span', { class: 'bk-badge bk-badge--' + booking.step }, stepLabel)),
      el('dl', { class: 'bk-details' },
        appointment ? detail('Date', slotDayLabel(appointment, true)) : null,
        appointment ? detail('Time', slotTimes(appointment)) : detail('Time', 'Not booked yet'),
        booking.technician && booking.technician.name ? detail('Technician', booking.technician.name) : null,
        detail('Reference', booking.order_id)));
    var parts = [];
    if (banner) parts.push(banner);
    parts.push(card);
    parts.push(manageActions(m));
    m.view.replaceChildren.apply(m.view, parts);
    if (banner) focusOn(banner);
  }

  /** "Change the time" and "Cancel the booking", each opening its panel; or why neither can be done. */
  function manageActions(m) {
    var booking = m.booking;
    var box = el('div', { class: 'bk-actions' });
    if (booking.step === 'cancelled') {
      box.appendChild(el('p', {}, 'This booking is cancelled. ', el('a', { href: './' }, 'Book a new visit')));
      return box;
    }
    if (booking.step !== 'scheduled') {
      box.appendChild(el('p', { class: 'bk-note' }, 'This booking can no longer be changed online. To change it, please ' + callUs() + '.'));
      return box;
    }
    var until = booking.changeable_until ? slotLabelSingle(booking.changeable_until) : null;
    if (!isChangeable(m)) {
      if (m.locked) return box; // the banner above already says so
      box.appendChild(el('div', { class: 'bk-alert bk-alert--info' },
        el('h3', { class: 'bk-alert-title' }, 'Too late to change online'),
        el('p', {}, booking.change_policy && booking.can_change_online === false ? booking.change_policy
          : 'Changes online were possible until ' + until + '. To change or cancel it now, please ' + callUs() + '.')));
      return box;
    }
    if (booking.change_policy) box.appendChild(el('p', { class: 'bk-note' }, booking.change_policy));
    else if (until) box.appendChild(el('p', { class: 'bk-note' }, 'You can change or cancel online until ' + until + '.'));
    var reschedulePanel = el('div', { class: 'bk-panel-box', hidden: true, id: 'bk-reschedule' });
    var cancelPanel = el('div', { class: 'bk-panel-box', hidden: true, id: 'bk-cancel' });
    var changeButton = el('button', { type: 'button', class: 'bk-button', 'aria-expanded': 'false', 'aria-controls': 'bk-reschedule' }, 'Change the time');
    var cancelButton = el('button', { type: 'button', class: 'bk-button bk-button--secondary bk-button--danger-text', 'aria-expanded': 'false', 'aria-controls': 'bk-cancel' }, 'Cancel the booking');
    changeButton.addEventListener('click', function () {
      var opening = reschedulePanel.hidden;
      closePanels();
      if (opening) openReschedule(m, reschedulePanel, changeButton);
    });
    cancelButton.addEventListener('click', function () {
      var opening = cancelPanel.hidden;
      closePanels();
      if (opening) openCancel(m, cancelPanel, cancelButton);
    });
    function closePanels() {
      [[reschedulePanel, changeButton], [cancelPanel, cancelButton]].forEach(function (pair) {
        closePanel(pair[0], pair[1]);
      });
    }
    box.appendChild(el('div', { class: 'bk-button-row' }, changeButton, cancelButton));
    box.appendChild(reschedulePanel);
    box.appendChild(cancelPanel);
    return box;
  }

  function closePanel(panel, opener) {
    panel.hidden = true;
    panel.replaceChildren();
    opener.setAttribute('aria-expanded', 'false');
  }

  /** The "Choose a new time" panel: a picker for the same service, Confirm and Keep. */
  function openReschedule(m, panel, opener) {
    var titleId = 'bk-reschedule-title';
    var r = { panel: panel, busy: false };
    r.message = el('div', { class: 'bk-alternatives' });
    r.picker = SlotPicker({
      prefix: 'bk-new', announce: m.live.say, headingLevel: 4, dateLabel: 'Show times from', selectedLabel: 'New time: ',
      afterSelect: 'Then press Confirm new time.',
      onSelect: function (slot) { if (slot) r.message.replaceChildren(); },
    });
    r.confirm = el('button', { type: 'button', class: 'bk-button' }, 'Confirm new time');
    var keep = el('button', { type: 'button', class: 'bk-button bk-button--secondary' }, 'Keep the current time');
    keep.addEventListener('click', function () {
      closePanel(panel, opener);
      opener.focus();
    });
    r.confirm.addEventListener('click', function () { confirmReschedule(m, r); });
    var title = el('h3', { class: 'bk-panel-box-title', id: titleId, tabindex: '-1' }, 'Choose a new time');
    panel.replaceChildren(title, r.picker.element, r.message, el('div', { class: 'bk-button-row' }, r.confirm, keep));
    panel.hidden = false;
    opener.setAttribute('aria-expanded', 'true');
    focusOn(title);
    r.picker.setService(m.booking.service.id);
  }

  function confirmReschedule(m, r) {
    var picker = r.picker;
    var live = m.live;
    if (r.busy) return;
    r.message.replaceChildren();
    picker.clearError();
    if (!picker.selected) {
      picker.setError('Choose a new time');
      live.say('Choose a new time first.');
      focusField(picker.focusTarget());
      return;
    }
    var start = picker.selected.start;
    if (m.booking.appointment && m.booking.appointment.start === start) {
      picker.setError('That is your current time: choose a different one');
      live.say('That is your current time: choose a different one.');
      return;
    }
    r.busy = true;
    r.confirm.disabled = true;
    r.confirm.textContent = 'Moving your booking…';
    live.say('Moving your booking…');
    withRetries(function () { return api(managePath(m, '/reschedule'), { method: 'POST', body: { start: start } }); }, 2).then(function (answer) {
      m.booking = answer.data;
      renderBooking(m, successBanner('Your booking has moved', 'Your visit is now on ' + slotLabel(m.booking.appointment, true) + '.'));
      live.say('Your booking has moved to ' + slotLabel(m.booking.appointment, true) + '.');
    }, function (error) {
      rescheduleFailed(m, r, error);
    });
  }

  function rescheduleFailed(m, r, error) {
    var live = m.live;
    r.busy = false;
    r.confirm.disabled = false;
    r.confirm.textContent = 'Confirm new time';
    if (error.status === 404) return showInvalidLink(m);
    if (error.status === 409 && error.code === 'slot_taken') {
      r.picker.reload();
      var box = alternativesBox({
        alternatives: (error.details && error.details.alternatives) || [],
        onPick: function (slot) {
          r.picker.choose(slot);
          r.message.replaceChildren();
          r.confirm.focus();
          live.say('Selected ' + slotLabel(slot) + '. Press Confirm new time.');
        },
      });
      r.message.replaceChildren(box);
      focusOn(box);
      live.say('Sorry, that time has just been taken. Choose another.');
      return;
    }
    if (error.status === 422 && isTooLate(error)) return showTooLate(m, error);
    var text = error.status === 422 && Array.isArray(error.details) && error.details.length
      ? error.details.map(function (d) { return (d.field === 'start' ? 'The time ' : '') + d.message; }).join('. ')
      : error.message;
    var alert = el('div', { class: 'bk-alert bk-alert--error', role: 'group', tabindex: '-1' }, el('p', {}, text));
    r.message.replaceChildren(alert);
    focusOn(alert);
    live.say(text);
  }

  /** The "Cancel this booking?" panel: Yes and No. */
  function openCancel(m, panel, opener) {
    var title = el('h3', { class: 'bk-panel-box-title', tabindex: '-1' }, 'Cancel this booking?');
    var yes = el('button', { type: 'button', class: 'bk-button bk-button--danger' }, 'Yes, cancel the booking');
    var no = el('button', { type: 'button', class: 'bk-button bk-button--secondary' }, 'No, keep it');
    var message = el('div', {});
    no.addEventListener('click', function () {
      closePanel(panel, opener);
      opener.focus();
    });
    yes.addEventListener('click', function () { confirmCancel(m, yes, message); });
    var when = m.booking.appointment ? slotLabel(m.booking.appointment, true) : 'your visit';
    panel.replaceChildren(title, el('p', {}, 'Your visit on ' + when + ' will be cancelled. To book again later, make a new booking.'),
      message, el('div', { class: 'bk-button-row' }, yes, no));
    panel.hidden = false;
    opener.setAttribute('aria-expanded', 'true');
    focusOn(title);
  }

  function confirmCancel(m, yes, message) {
    var live = m.live;
    yes.disabled = true;
    yes.textContent = 'Cancelling…';
    live.say('Cancelling your booking…');
    withRetries(function () { return api(managePath(m, '/cancel'), { method: 'POST', body: {} }); }, 2).then(function (answer) {
      m.booking = answer.data;
      renderBooking(m, successBanner('Your booking is cancelled', 'Reference ' + m.booking.order_id + '. You can make a new booking at any time.'));
      live.say('Your booking is cancelled.');
    }, function (error) {
      yes.disabled = false;
      yes.textContent = 'Yes, cancel the booking';
      if (error.status === 404) return showInvalidLink(m);
      if (error.status === 422) return showTooLate(m, error);
      var alert = el('div', { class: 'bk-alert bk-alert--error', role: 'group', tabindex: '-1' }, el('p', {}, error.message));
      message.replaceChildren(alert);
      focusOn(alert);
      live.say(error.message);
    });
  }

  function isTooLate(error) {
    return /too late|no longer be changed/i.test(error.message || '') ||
      (Array.isArray(error.details) && error.details.some(function (d) { return d.field === 'order_id' || /possible until/.test(d.message || ''); }));
  }

  /** Too late to change online: the booking again, under a banner that says so. */
  function showTooLate(m, error) {
    m.locked = true;
    var banner = el('div', { class: 'bk-alert bk-alert--error', tabindex: '-1' },
      el('h2', { class: 'bk-alert-title' }, 'This booking can no longer be changed online'),
      el('p', {}, (error.message || 'It is too late to change this booking online.').replace(/;? ?please call us\.?$/i, '.') + ' To change or cancel it, please ' + callUs() + '.'));
    loadBooking(m, banner);
    m.live.say('This booking can no longer be changed online. Please ' + callUs() + '.');
  }

  function successBanner(title, text) {
    return el('div', { class: 'bk-alert bk-alert--success', tabindex: '-1' }, el('h2', { class: 'bk-alert-title' }, title), el('p', {}, text));
  }

  function slotLabelSingle(iso) {
    return dayLabel(wallClock(iso).day) + ' at ' + timeLabel(iso);
  }

  // --- start --------------------------------------------------------------------------------

  function addStyles() {
    if (!config.styles || !config.scriptSrc) return;
    var present = Array.prototype.some.call(document.querySelectorAll('link[rel="stylesheet"]'), function (link) {
      return /booking\.css(\?|$)/.test(link.getAttribute('href') || '');
    });
    if (!present) {
      document.head.appendChild(el('link', { rel: 'stylesheet', href: new URL('booking.css', config.scriptSrc).href }));
    }
  }

  /** In an iframe, tell the page around it how tall the content is (see embed.html). */
  function reportHeight() {
    if (window.parent === window) return;
    document.documentElement.classList.add('bk-framed'); // booking.css hides our page header
    if (typeof ResizeObserver === 'undefined') return;
    var last = 0;
    new ResizeObserver(function () {
      var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
      if (height !== last) {
        last = height;
        window.parent.postMessage({ type: HEIGHT_MESSAGE, height: height }, '*');
      }
    }).observe(document.documentElement);
  }

  function start() {
    addStyles();
    reportHeight();
    var manage = document.querySelectorAll('[data-booking-manage]');
    var forms = document.querySelectorAll('[data-booking-form]');
    Array.prototype.forEach.call(manage, function (node) { node.classList.add('bk'); ManagePage(node); });
    Array.prototype.forEach.call(forms, function (node) { node.classList.add('bk'); BookingForm(node); });
    if (!manage.length && !forms.length && SCRIPT && SCRIPT.parentNode) {
      var node = el('div', { class: 'bk', 'data-booking-form': true });
      SCRIPT.parentNode.insertBefore(node, SCRIPT.nextSibling);
      BookingForm(node);
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
