/* A job's "Next step" section: the buttons for the moves the process map allows, "On hold…"
 * with a reason, and what the step needs first (items, the signature), checked on the phone. */

import { MOVES, SITE_CONDITIONS, workflowFor, stepOf, stepLabel } from '../data.js';
import { el, fill, hidden, focusOn, say, alarm, field } from '../dom.js';
import { enqueue, forOrder } from '../queue.js';
import { verb } from './job.js';

/** The next step; `ctx`: {orderId, order (the server's), view (with the waiting changes)} of the job screen. */
function actionsSection(ctx) {
  var orderId = ctx.orderId;
  var title = el('h2', { class: 'tc-section-title', id: 'tc-actions-title', tabindex: '-1' }, 'Next step');
  var buttons = el('div', {});
  var check = el('div', {});
  var blockedBox = el('div', {});
  var holdOpen = false;
  var holdNote = field({ id: 'tc-hold-note', label: 'Reason', optional: true, control: el('textarea', { rows: '3', maxlength: '1000' }),
    hint: 'For example: the customer was out, or parts are needed.' });
  var holdToggle = null;
  var hold = el('div', { class: 'tc-hold', id: 'tc-hold', hidden: true },
    el('h3', { class: 'tc-hold-title' }, 'Put the job on hold'),
    holdNote.element,
    el('div', { class: 'tc-button-row' },
      el('button', { type: 'button', class: 'tc-button tc-button--secondary', onclick: function () { setHold(false, true); } }, 'Keep working'),
      el('button', { type: 'button', class: 'tc-button', onclick: function () { move('on_hold', holdNote.control.value.trim() || null); } }, 'Put on hold')));
  var locked = false;
  var section = el('section', { class: 'tc-section tc-actions', 'aria-labelledby': 'tc-actions-title' },
    el('div', { class: 'tc-section-head' }, title), blockedBox, buttons, hold, check);

  function setHold(open, focusBack) {
    holdOpen = open;
    hold.hidden = !open;
    if (holdToggle) holdToggle.setAttribute('aria-expanded', String(open));
    if (open) holdNote.control.focus();
    else if (focusBack && holdToggle) holdToggle.focus();
  }

  function unmetOnPhone(target) {
    var wf = workflowFor(ctx.order);
    var step = stepOf(wf, ctx.view.step);
    var dest = stepOf(wf, target);
    if (!step || (dest && dest.interruption)) return [];
    return step.exit_conditions.filter(function (c) { return SITE_CONDITIONS[c] && !SITE_CONDITIONS[c].met(ctx.view); });
  }

  function move(target, note) {
    if (locked) return;
    var unmet = unmetOnPhone(target);
    if (unmet.length) {
      fill(blockedBox, el('div', { class: 'tc-alert tc-alert--error', role: 'group', 'aria-labelledby': 'tc-blocked-title', tabindex: '-1' },
        el('h3', { class: 'tc-alert-title', id: 'tc-blocked-title' }, 'Before you ' + verb(target)),
        el('ul', { class: 'tc-alert-list' }, unmet.map(function (c) {
          var cond = SITE_CONDITIONS[c];
          return el('li', {}, el('a', {
            href: '#tc-' + cond.section,
            onclick: function (e) { e.preventDefault(); focusOn(document.getElementById('tc-' + cond.section + '-title')); },
          }, cond.todo));
        }))));
      focusOn(blockedBox.firstChild);
      alarm('Before you ' + verb(target) + ': ' + unmet.map(function (c) { return SITE_CONDITIONS[c].todo.toLowerCase(); }).join('; ') + '.');
      return;
    }
    fill(blockedBox);
    // A short lock: the next button appears where this one was; a double tap must not press it.
    locked = true;
    setTimeout(function () { locked = false; update(); }, 600);
    enqueue('transition', orderId, { to: target, note: note || null }).then(function () {
      holdNote.control.value = '';
      setHold(false);
      var words = MOVES[target] ? MOVES[target].done : 'Moved to ' + stepLabel(target, ctx.order);
      say(words + '. ' + (navigator.onLine === false ? 'Saved on the phone; it is sent when you are back online.' : 'Sending.'));
      focusOn(title, false);
    });
  }

  function update() {
    var steps = ctx.view.next_steps;
    var blocked = forOrder(orderId).some(function (i) { return i.status === 'failed' && i.type === 'transition'; });
    if (blocked) {
      fill(buttons, el('p', { class: 'tc-empty' }, 'Resolve the problem at the top first: send the step again or discard it.'));
      hold.hidden = true;
      fill(check);
      return;
    }
    if (steps === null || steps === undefined) {
      fill(buttons, el('p', { class: 'tc-empty' }, 'The next steps show once your changes are sent.'));
      fill(check);
      return;
    }
    if (!steps.length) {
      if (ctx.view.step === 'quoted' || ctx.view.step === 'won' || ctx.view.step === 'lost') {
        // an estimate whose quote went out: the customer answers online
        fill(buttons, el('div', { class: 'tc-done' },
          el('span', { class: 'tc-done-mark', 'aria-hidden': 'true' }),
          el('div', {},
            el('p', { class: 'tc-done-title' }, ctx.view.step_label),
            el('p', {}, ctx.view.step === 'quoted' ? 'The customer answers online. The office takes it from here.' : 'The office takes it from here.'))));
        hold.hidden = true;
        fill(check);
        return;
      }
      var finished = ['completed', 'invoiced', 'paid', 'closed'].indexOf(ctx.view.step) >= 0;
      fill(buttons, el('div', { class: 'tc-done' + (finished ? '' : ' tc-done--other') },
        el('span', { class: 'tc-done-mark', 'aria-hidden': 'true' }),
        el('div', {},
          el('p', { class: 'tc-done-title' }, finished ? 'Job ' + ctx.view.step_label.toLowerCase() : ctx.view.step_label),
          el('p', {}, finished ? 'Nothing more to do on this job. The office takes it from here.' : 'The office takes it from here.'))));
      hold.hidden = true;
      fill(check);
      return;
    }
    // `quoted` is reached by sending a quote (the Quote section below), not by a move of its own.
    var quoting = steps.some(function (s) { return s.key === 'quoted'; });
    var primary = steps.filter(function (s) { return s.key !== 'quoted' && (!MOVES[s.key] || MOVES[s.key].kind !== 'hold'); });
    var holdStep = steps.filter(function (s) { return MOVES[s.key] && MOVES[s.key].kind === 'hold'; })[0];
    var focusedText = buttons.contains(document.activeElement) ? document.activeElement.textContent : null;
    var nodes = primary.map(function (s, i) {
      var words = MOVES[s.key];
      var kind = words ? words.kind : 'secondary';
      return el('button', {
        type: 'button',
        class: 'tc-button tc-button--big' + (kind === 'success' ? ' tc-button--success' : i > 0 || kind === 'secondary' ? ' tc-button--secondary' : ''),
        'data-step': s.key,
        disabled: locked,
        onclick: function () { move(s.key); },
      }, words ? words.button : 'Move to ' + s.label);
    });
    holdToggle = holdStep ? el('button', {
      type: 'button', class: 'tc-button tc-button--quiet', 'aria-expanded': String(holdOpen), 'aria-controls': 'tc-hold',
      onclick: function () { setHold(!holdOpen); },
    }, 'On hold…') : null;
    // An estimate whose quote went out: the customer answers online (on hold is still possible).
    var quoteSent = ctx.view.step === 'quoted' && !primary.length ? el('div', { class: 'tc-done' },
      el('span', { class: 'tc-done-mark', 'aria-hidden': 'true' }),
      el('div', {}, el('p', { class: 'tc-done-title' }, ctx.view.step_label),
        el('p', {}, ctx.view.stepWaiting ? 'The quote goes to the customer when the phone is back online.'
          : 'The customer answers online. The office takes it from here.'))) : null;
    fill(buttons, quoteSent, quoting ? el('p', { class: 'tc-hint tc-actions-quote' }, 'Next: build the ',
        el('a', { href: '#tc-quote', onclick: function (e) { e.preventDefault(); focusOn(document.getElementById('tc-quote-title')); } }, 'quote'),
        ' below and send it to the customer. Sending it moves the job on to “' + stepLabel('quoted', ctx.order) + '”.') : null,
      el('div', { class: 'tc-actions-primary' }, nodes),
      holdToggle ? el('div', { class: 'tc-actions-more' }, holdToggle) : null);
    hold.hidden = !(holdStep && holdOpen);
    if (focusedText) {
      var again = Array.prototype.filter.call(buttons.querySelectorAll('button'), function (b) { return b.textContent === focusedText; })[0];
      if (again) again.focus({ preventScroll: true });
    }
    // What the step needs before the job can move on (the conditions a technician meets).
    var wf = workflowFor(ctx.order);
    var step = stepOf(wf, ctx.view.step);
    var conds = step ? step.exit_conditions.filter(function (c) { return SITE_CONDITIONS[c]; }) : [];
    var forward = primary[0];
    if (!conds.length || !forward) { fill(check); return; }
    if (!conds.some(function (c) { return !SITE_CONDITIONS[c].met(ctx.view); })) fill(blockedBox);
    fill(check, el('div', { class: 'tc-checklist' },
      el('h3', { class: 'tc-checklist-title' }, 'Before you ' + verb(forward.key)),
      el('ul', {}, conds.map(function (c) {
        var cond = SITE_CONDITIONS[c];
        var met = cond.met(ctx.view);
        return el('li', { class: 'tc-check' + (met ? ' tc-check--done' : '') },
          el('span', { class: 'tc-check-mark', 'aria-hidden': 'true' }),
          el('span', { class: 'tc-check-text' }, met ? cond.done : cond.todo, hidden(met ? ' (done)' : ' (to do)')));
      }))));
  }
  return { element: section, update: update };
}

export { actionsSection };
