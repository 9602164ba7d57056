/* The signature pad: a canvas the customer signs on (pointer events), the signer's name,
 * Clear and Save, and the PNG made small enough for the API. */

import { el, fill, hidden, say, alarm, field } from './dom.js';

var MAX_SIGNATURE_BYTES = 190 * 1024; // the server takes 200 KB; keep a margin

/** A canvas the customer signs with a finger, a pen or a mouse (pointer events), the name of
 * the signer, Clear and Save. `save(base64png, signer)` is called with a PNG under 190 KB. */
function signaturePad(customerName, save, cancel) {
  var canvas = el('canvas', { class: 'tc-pad', role: 'img', 'aria-label': 'Signature box', 'aria-describedby': 'tc-pad-hint' });
  var hint = el('p', { class: 'tc-hint', id: 'tc-pad-hint' }, 'Ask the customer to sign in the box with a finger.');
  var error = el('p', { class: 'tc-error-message', id: 'tc-pad-error', hidden: true });
  var signer = field({ id: 'tc-signer', label: 'Name of the person signing',
    control: el('input', { type: 'text', autocomplete: 'off', maxlength: '120', value: customerName || '' }) });
  var clear = el('button', { type: 'button', class: 'tc-button tc-button--secondary', onclick: function () { strokes = []; draw(); setError(null); say('Signature cleared.'); } }, 'Clear');
  var submit = el('button', { type: 'button', class: 'tc-button', onclick: onSave }, 'Save signature');
  var element = el('div', { class: 'tc-pad-area' },
    hint,
    el('div', { class: 'tc-pad-wrap' }, canvas, el('span', { class: 'tc-pad-hint', 'aria-hidden': 'true' }, 'Sign above the line')),
    error, // below the box: the box must not move under the finger when the message goes
    signer.element,
    el('div', { class: 'tc-button-row tc-pad-actions' }, clear, submit),
    cancel ? el('div', { class: 'tc-button-row' }, el('button', { type: 'button', class: 'tc-link-button', onclick: cancel }, 'Keep the saved signature')) : null);
  var strokes = []; // each a list of [x, y] in 0..1 of the box
  var currentStroke = null;
  var ctx = canvas.getContext('2d');
  var ratio = 1;

  function setError(message) {
    if (message) {
      fill(error, hidden('Error: '), message);
      error.hidden = false;
      canvas.setAttribute('aria-describedby', 'tc-pad-hint tc-pad-error');
    } else {
      error.hidden = true;
      canvas.setAttribute('aria-describedby', 'tc-pad-hint');
    }
  }

  function resize() {
    var rect = canvas.getBoundingClientRect();
    if (!rect.width) return;
    ratio = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
    canvas.width = Math.round(rect.width * ratio);
    canvas.height = Math.round(rect.height * ratio);
    draw();
  }

  function paint(context, width, height, lineWidth) {
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.strokeStyle = '#101828';
    context.lineWidth = lineWidth;
    strokes.forEach(function (stroke) {
      context.beginPath();
      stroke.forEach(function (p, i) {
        var x = p[0] * width, y = p[1] * height;
        if (i === 0) { context.moveTo(x, y); context.lineTo(x + 0.01, y + 0.01); } else context.lineTo(x, y);
      });
      context.stroke();
    });
  }

  function draw() {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    paint(ctx, canvas.width, canvas.height, 2.5 * ratio);
    canvas.classList.toggle('tc-pad--signed', strokes.length > 0);
  }

  function point(event) {
    var rect = canvas.getBoundingClientRect();
    return [Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width)), Math.min(1, Math.max(0, (event.clientY - rect.top) / rect.height))];
  }

  function down(event) {
    if (event.pointerType === 'mouse' && event.button !== 0) return;
    event.preventDefault();
    try { canvas.setPointerCapture(event.pointerId); } catch (e) { /* ignore */ }
    currentStroke = [point(event)];
    strokes.push(currentStroke);
    canvas.classList.add('tc-pad--active');
    draw();
  }
  function moveTo(event) {
    if (!currentStroke) return;
    event.preventDefault();
    var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    (events.length ? events : [event]).forEach(function (e) { currentStroke.push(point(e)); });
    draw();
  }
  function up() {
    if (!currentStroke) return;
    currentStroke = null;
    canvas.classList.remove('tc-pad--active');
    setError(null);
  }

  canvas.addEventListener('pointerdown', down);
  canvas.addEventListener('pointermove', moveTo);
  canvas.addEventListener('pointerup', up);
  canvas.addEventListener('pointercancel', up);
  canvas.addEventListener('lostpointercapture', up);
  window.addEventListener('resize', resize);

  /** The PNG (base64, no data: prefix), scaled down until it is small enough. */
  function png() {
    var rect = canvas.getBoundingClientRect();
    var aspect = rect.width && rect.height ? rect.height / rect.width : 0.45;
    var widths = [800, 600, 450, 320, 240];
    for (var i = 0; i < widths.length; i++) {
      var out = document.createElement('canvas');
      out.width = widths[i];
      out.height = Math.round(widths[i] * aspect);
      var c = out.getContext('2d');
      c.fillStyle = '#ffffff';
      c.fillRect(0, 0, out.width, out.height);
      paint(c, out.width, out.height, Math.max(2, widths[i] / 160));
      var data = out.toDataURL('image/png').split(',')[1];
      if (data.length * 3 / 4 <= MAX_SIGNATURE_BYTES) return data;
    }
    return null;
  }

  function onSave() {
    var name = signer.control.value.trim();
    signer.clearError();
    setError(null);
    var ink = strokes.reduce(function (n, s) { return n + s.length; }, 0);
    if (ink < 3) {
      setError('Ask the customer to sign in the box first');
      alarm('Ask the customer to sign in the box first.');
      canvas.scrollIntoView({ block: 'center' });
      (name ? submit : signer.control).focus({ preventScroll: true });
      if (!name) signer.setError('Enter the name of the person signing');
      return;
    }
    if (!name) { signer.setError('Enter the name of the person signing'); signer.control.focus(); alarm('Enter the name of the person signing.'); return; }
    var data = png();
    if (!data) { setError('The signature is too detailed to send. Clear it and sign again.'); return; }
    submit.disabled = true;
    Promise.resolve(save(data, name)).finally(function () { submit.disabled = false; });
  }

  setTimeout(resize, 0);
  return {
    element: element,
    resize: function () { setTimeout(resize, 0); },
    destroy: function () { window.removeEventListener('resize', resize); },
  };
}

export { signaturePad };
