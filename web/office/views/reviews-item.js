/* One review item as a card: the order's customer and service, the step, what was found and
 * what to do in plain words, since when, its escalation, and what was done about it
 * (acknowledged by whom and when, snoozed until when and why); with Open (the order's page),
 * Acknowledge and Snooze (a small form: until a date after today, a reason). Each action is
 * one POST; the button is disabled while it runs, so a double click sends once (the API is
 * idempotent as well). The card tells its owner what changed (onChange) and says it aloud. */

import { api } from '../api.js';
import { el, fill, button, field, say, alarm, focusOn, hidden, showFieldErrors, uid } from '../dom.js';
import { addDays, dateLong, dateTime } from '../format.js';

const itemPath = (review, key, action) =>
  `/reviews/${encodeURIComponent(review.period)}/${encodeURIComponent(review.date)}/items/${encodeURIComponent(key)}/${action}`;

const orderName = (item) => item.customer_name || item.order_id || item.invoice_id || 'Review item';

/** The 422's field problems as dom.showFieldErrors reads them (the API lists them in `details`). */
const asFieldErrors = (error) => ({ details: { fields: Array.isArray(error.details) ? error.details : ((error.details && error.details.fields) || []) } });

function stateLine(item, tz) {
  if (item.state === 'snoozed' && item.snooze) {
    const s = item.snooze;
    return el('p', { class: 'of-reviews-state of-reviews-state--snoozed' },
      el('strong', {}, `Snoozed until ${dateLong(s.until)}`),
      ` by ${s.by_name || s.by}, ${dateTime(s.at, tz)}. Reason: `, el('q', {}, s.reason));
  }
  if (item.acknowledged) {
    const a = item.acknowledged;
    return el('p', { class: 'of-reviews-state of-reviews-state--acknowledged' },
      el('strong', {}, 'Acknowledged'), ` by ${a.by_name || a.by}, ${dateTime(a.at, tz)}.`);
  }
  return el('p', { class: 'of-reviews-state of-reviews-state--open' }, el('strong', {}, 'Open'), ': nobody has acknowledged it yet.');
}

/** reviewItem({item, review: {period, date}, today, tz, grouped (under its step's heading), showOwner,
 * onChange(item, action, element)}) -> {element, heading} */
function reviewItem(options) {
  const { review, today, tz } = options;
  let item = options.item;
  const card = el('article', { class: 'of-card of-reviews-item', 'data-key': item.key });
  const heading = el('h3', { class: 'of-reviews-item-title', tabindex: '-1', id: uid('of-reviews-item') });
  const body = el('div', { class: 'of-reviews-item-body' });
  const actions = el('div', { class: 'of-button-row of-reviews-actions' });
  const formSlot = el('div', {});
  card.append(heading, body, actions, formSlot);
  card.setAttribute('aria-labelledby', heading.id);

  function render() {
    card.dataset.state = item.state;
    fill(heading, orderName(item), item.order_id ? el('span', { class: 'of-reviews-ref' }, ` · ${item.order_id}`) : null);
    fill(body,
      el('p', { class: 'of-reviews-tags' },
        options.grouped ? null : el('span', { class: `of-chip of-chip--${item.step}` }, hidden('Step: '), item.step_label || item.step),
        el('span', { class: 'of-reviews-kind' }, item.kind_label),
        item.escalated ? el('span', { class: 'of-chip of-chip--overdue' }, `Escalated: ${item.checks} checks in a row`) : null,
        item.service_name ? el('span', { class: 'of-muted' }, item.service_name) : null),
      el('p', { class: 'of-reviews-todo' }, el('strong', {}, 'What to do: '), item.todo),
      el('p', { class: 'of-reviews-detail' }, item.detail),
      el('p', { class: 'of-reviews-since of-muted' },
        `Since ${dateTime(item.since, tz)} (${item.for})`,
        item.checks > 1 && !item.escalated ? `, flagged ${item.checks} days in a row` : '',
        options.showOwner ? `. Owner: ${item.owner_name || item.owner || 'nobody (the admins)'}` : '',
        item.note ? `. Why you: ${item.note}` : '', '.'),
      stateLine(item, tz));
    const open = item.order_id
      ? el('a', { class: 'of-button of-button--secondary of-button--small', href: `#/orders/${encodeURIComponent(item.order_id)}` },
        'Open', hidden(` order ${item.order_id} (${orderName(item)})`))
      : null;
    const buttons = [open];
    if (item.state === 'open') {
      buttons.push(button('Acknowledge', acknowledge, { small: true, attrs: { 'aria-label': `Acknowledge: ${orderName(item)}, ${item.kind_label}` } }));
    }
    if (item.state !== 'snoozed') {
      buttons.push(button('Snooze…', openSnooze, { kind: 'secondary', small: true,
        attrs: { 'aria-label': `Snooze: ${orderName(item)}, ${item.kind_label}`, 'aria-expanded': 'false', 'data-snooze': '' } }));
    }
    fill(actions, buttons);
  }

  function changed(next, action, message) {
    item = next;
    fill(formSlot);
    render();
    say(message);
    if (options.onChange) options.onChange(item, action, card);
  }

  async function acknowledge(event) {
    const trigger = event.currentTarget;
    trigger.disabled = true;
    try {
      const r = await api(itemPath(review, item.key, 'acknowledge'), { method: 'POST' });
      changed(r.data, 'acknowledge', `Acknowledged: ${orderName(item)}.`);
      focusOn(heading);
    } catch (error) {
      trigger.disabled = false;
      alarm(`Not acknowledged: ${error.message}`);
      fill(formSlot, el('p', { class: 'of-error-message', role: 'alert' }, error.message));
    }
  }

  function openSnooze(event) {
    const trigger = event.currentTarget;
    if (formSlot.firstChild) { focusOn(formSlot.querySelector('input')); return; }
    trigger.setAttribute('aria-expanded', 'true');
    const until = field({ label: 'Snooze until', name: 'until', hint: 'It comes back on this date.',
      control: el('input', { type: 'date', required: true, min: addDays(today, 1), max: addDays(today, 366), value: addDays(today, 1) }) });
    const reason = field({ label: 'Reason', name: 'reason', hint: 'Why it can wait: everyone sees it with the item.',
      control: el('textarea', { rows: '2', maxlength: '500', required: true }) });
    const problem = el('p', { class: 'of-error-message', hidden: true });
    const submit = button('Snooze', null, { type: 'submit', small: true });
    const close = () => { fill(formSlot); trigger.setAttribute('aria-expanded', 'false'); focusOn(trigger); };
    const form = el('form', { class: 'of-reviews-snooze', novalidate: true, 'aria-label': `Snooze ${orderName(item)}` },
      el('div', { class: 'of-reviews-snooze-fields' }, until.element, reason.element), problem,
      el('div', { class: 'of-button-row' }, submit, button('Cancel', close, { kind: 'secondary', small: true })));
    form.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.preventDefault(); close(); } });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      problem.hidden = true;
      until.clearError(); reason.clearError();
      if (!reason.control.value.trim()) {
        reason.setError('Say why it can wait.');
        alarm('Not snoozed: a reason is needed.');
        focusOn(reason.control);
        return;
      }
      submit.disabled = true;
      try {
        const r = await api(itemPath(review, item.key, 'snooze'), { method: 'POST',
          body: { until: until.control.value, reason: reason.control.value.trim() } });
        changed(r.data, 'snooze', `Snoozed until ${dateLong(r.data.snooze.until)}: ${orderName(item)}.`);
      } catch (error) {
        submit.disabled = false;
        const rest = error.status === 422 ? showFieldErrors(asFieldErrors(error), { until, reason }) : [error];
        if (rest.length) { fill(problem, error.message); problem.hidden = false; }
        alarm(`Not snoozed: ${error.message}`);
      }
    });
    fill(formSlot, form);
    focusOn(until.control);
  }

  render();
  return { element: card, heading, get item() { return item; } };
}

export { reviewItem, itemPath };
