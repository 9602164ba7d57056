/* Reviews: `#/reviews` is the signed-in person's inbox: what the latest daily review flagged
 * for the steps they own (the items of their digest email), each with the order's customer and
 * what to do, to open, acknowledge or snooze until a date with a reason; snoozed items wait
 * apart until their date. `#/reviews/{period}/{date}` is a whole review (the digest's "The
 * whole review" link): a daily one's items grouped by step with each step's owner by name; a
 * weekly, monthly or quarterly evaluation links to its report page (`#/reports/...`). */

import { api } from '../api.js';
import { el, fill, alertBox, button, say, focusOn } from '../dom.js';
import { dateLong, dateTime, plural } from '../format.js';
import { reviewItem } from './reviews-item.js';

const PERIODS = ['daily', 'weekly', 'monthly', 'quarterly'];

function mount(root, ctx) {
  return ctx.parts.length ? wholeReview(root, ctx, ctx.parts[0], ctx.parts[1]) : inboxView(root, ctx);
}

function failure(root, heading, title, error, retry) {
  fill(root, heading, alertBox(error && error.status === 404 ? 'info' : 'error', title,
    error ? error.message : null, retry ? button('Try again', retry) : null));
}

function countsText(counts) {
  return [plural(counts.open, 'open item'), `${counts.acknowledged} acknowledged`, `${counts.snoozed} snoozed`].join(', ');
}

// --- the inbox ------------------------------------------------------------------------------------

async function inboxView(root, ctx) {
  const tz = ctx.business && ctx.business.timezone;
  const heading = el('h1', { class: 'of-title' }, 'Your review inbox');
  fill(root, heading, el('p', { class: 'of-loading' }, 'Loading…'));
  let data;
  try {
    data = (await api('/reviews/inbox')).data;
  } catch (error) {
    failure(root, heading, 'The inbox could not be loaded', error, () => ctx.refresh());
    return { title: 'Reviews', heading };
  }
  if (!data.review) {
    fill(root, el('div', { class: 'of-reviews' }, heading,
      el('p', { class: 'of-empty' }, 'No daily review has run yet. It runs every morning; what it flags for the steps you own shows here.')));
    say('No daily review yet.');
    return { title: 'Reviews', heading };
  }
  const review = data.review;
  const summary = el('p', { class: 'of-reviews-counts', 'data-counts': '' });
  const openList = el('div', { class: 'of-reviews-list' });
  const snoozedList = el('div', { class: 'of-reviews-list' });
  const openTitle = el('h2', { class: 'of-heading', tabindex: '-1' });
  const snoozedTitle = el('h2', { class: 'of-heading', tabindex: '-1' });
  const counts = { ...data.counts };
  const shown = { open: [...data.items], snoozed: [...data.snoozed] };

  const renderCounts = () => {
    fill(summary, countsText(counts));
    fill(openTitle, `To do (${shown.open.length})`);
    fill(snoozedTitle, `Snoozed (${shown.snoozed.length})`);
  };
  const card = (item) => reviewItem({ item, review, today: data.today, tz, onChange });
  function onChange(item, action, element) {
    if (action === 'acknowledge') {
      counts.open -= 1; counts.acknowledged += 1;
    } else if (action === 'snooze') {
      const index = shown.open.findIndex((i) => i.key === item.key);
      if (index >= 0) {
        const before = shown.open[index].state;
        shown.open.splice(index, 1);
        counts[before] -= 1;
        counts.snoozed += 1;
        shown.snoozed.unshift(item);
        const next = element.nextElementSibling || element.previousElementSibling;
        element.remove();
        snoozedList.prepend(card(item).element);
        emptyNote();
        renderCounts();
        const target = next && next.querySelector('h3');
        focusOn(target || openTitle);
        return;
      }
    }
    shown.open = shown.open.map((i) => (i.key === item.key ? item : i));
    renderCounts();
  }
  const emptyNote = () => {
    if (!shown.open.length && !openList.querySelector('.of-empty')) {
      fill(openList, el('p', { class: 'of-empty' }, 'Nothing to do: every item of yours is acknowledged or snoozed, or there was none.'));
    }
    if (!shown.snoozed.length && !snoozedList.firstChild) fill(snoozedList, el('p', { class: 'of-empty' }, 'Nothing snoozed.'));
    const placeholder = snoozedList.querySelector('.of-empty');
    if (shown.snoozed.length && placeholder) placeholder.remove();
  };

  fill(openList, shown.open.map((i) => card(i).element));
  fill(snoozedList, shown.snoozed.map((i) => card(i).element));
  emptyNote();
  renderCounts();
  const reviewHref = `#/reviews/${review.period}/${review.date}`;
  fill(root, el('div', { class: 'of-reviews' },
    el('div', { class: 'of-screen-head' },
      el('div', {}, heading,
        el('p', { class: 'of-subtitle' }, `What the daily review of ${dateLong(review.date)} (checked ${dateTime(review.checked_at, tz)}) flagged for the steps you own.`),
        summary),
      el('a', { class: 'of-button of-button--secondary', href: reviewHref }, 'The whole review')),
    el('section', { class: 'of-section', 'aria-labelledby': uidOf(openTitle, 'of-reviews-open') }, openTitle, openList),
    el('section', { class: 'of-section', 'aria-labelledby': uidOf(snoozedTitle, 'of-reviews-snoozed') }, snoozedTitle,
      el('p', { class: 'of-muted' }, 'Snoozed items stay out of your inbox and your digest email until their date, in the next days’ reviews too.'),
      snoozedList)));
  say(`Review inbox: ${countsText(counts)}.`);
  return { title: 'Reviews', heading };
}

function uidOf(node, id) {
  node.id = id;
  return id;
}

// --- a whole review -------------------------------------------------------------------------------

function groupByStep(items) {
  const groups = new Map();
  for (const item of items) {
    if (!groups.has(item.step)) groups.set(item.step, { step: item.step, label: item.step_label || item.step, owners: new Set(), items: [] });
    const group = groups.get(item.step);
    group.owners.add(item.owner_name || (item.owner ? item.owner : 'nobody (the admins)'));
    group.items.push(item);
  }
  return [...groups.values()];
}

async function wholeReview(root, ctx, period, day) {
  const tz = ctx.business && ctx.business.timezone;
  const heading = el('h1', { class: 'of-title' }, 'Review');
  const back = el('p', {}, el('a', { href: '#/reviews' }, '← Your review inbox'));
  if (!PERIODS.includes(period) || !/^\d{4}-\d{2}-\d{2}$/.test(day || '')) {
    fill(root, back, heading, alertBox('error', 'There is no such review', 'A review’s address is #/reviews/daily/YYYY-MM-DD (or weekly, monthly, quarterly).'));
    return { title: 'Review', heading };
  }
  fill(heading, period === 'daily' ? `Daily review of ${dateLong(day)}` : `${period.charAt(0).toUpperCase()}${period.slice(1)} review`);
  fill(root, back, heading, el('p', { class: 'of-loading' }, 'Loading…'));
  let data;
  try {
    data = (await api(`/reviews/${period}/${day}`)).data;
  } catch (error) {
    failure(root, el('div', {}, back, heading), error.status === 404 ? `No ${period} review for ${dateLong(day)}` : 'The review could not be loaded',
      error, error.status === 404 ? null : () => ctx.refresh());
    return { title: 'Review', heading };
  }
  if (period !== 'daily') {
    const report = data.report || {};
    fill(heading, `${period.charAt(0).toUpperCase()}${period.slice(1)} review, ${dateLong(report.from || data.date)} to ${dateLong(report.to || data.date)}`);
    fill(root, el('div', { class: 'of-reviews' }, back, heading,
      el('p', { class: 'of-subtitle' }, `Evaluated ${dateTime(data.finished_at || data.started_at, tz)}.`),
      el('section', { class: 'of-card' },
        el('h2', { class: 'of-heading' }, 'Suggestions'),
        (report.suggestions || []).length
          ? el('ul', { class: 'of-reviews-suggestions' }, report.suggestions.map((s) => el('li', {}, s.text)))
          : el('p', { class: 'of-empty' }, 'None this time.'),
        el('p', {}, el('a', { class: 'of-button', href: data.report_page }, 'The report with its charts')))));
    say(`${period} review loaded.`);
    return { title: `${period} review`, heading };
  }
  const groups = groupByStep(data.items);
  const states = data.items.reduce((n, i) => ({ ...n, [i.state]: (n[i.state] || 0) + 1 }), {});
  const counts = { open: states.open || 0, acknowledged: states.acknowledged || 0, snoozed: states.snoozed || 0 };
  const summary = el('p', { class: 'of-reviews-counts' });
  const renderCounts = () => fill(summary, `${plural(data.items.length + data.items_omitted, 'item')}: ${countsText(counts)}`,
    data.escalated ? `; ${data.escalated} escalated` : '', '.');
  const review = { period: data.period, date: data.date };
  const onChange = (item) => {
    const before = current.get(item.key);
    if (before && before !== item.state) { counts[before] -= 1; counts[item.state] += 1; }
    current.set(item.key, item.state);
    renderCounts();
  };
  const current = new Map(data.items.map((i) => [i.key, i.state]));
  renderCounts();
  fill(root, el('div', { class: 'of-reviews' }, back,
    el('div', { class: 'of-screen-head' }, el('div', {}, heading,
      el('p', { class: 'of-subtitle' }, `Checked ${dateTime(data.checked_at, tz)}. Everything the daily check flagged, by step, with who owns each step.`),
      summary)),
    data.items_omitted ? alertBox('warning', `${data.items_omitted} more items are not listed`, 'A stored review keeps its first 300 items.') : null,
    groups.length ? groups.map((g) => el('section', { class: 'of-section of-reviews-step', 'aria-labelledby': `of-reviews-step-${g.step}` },
      el('h2', { class: 'of-heading', id: `of-reviews-step-${g.step}` },
        el('span', { class: `of-chip of-chip--${g.step}` }, g.label), ` ${plural(g.items.length, 'item')}`,
        el('span', { class: 'of-reviews-owner' }, ` · owner: ${[...g.owners].join(', ')}`)),
      el('div', { class: 'of-reviews-list' }, g.items.map((item) => reviewItem({ item, review, today: data.today, tz, grouped: true, onChange }).element))))
      : el('p', { class: 'of-empty' }, 'The daily check found nothing that needs a person. Well done.')));
  say(`Daily review of ${dateLong(day)}: ${plural(data.items.length, 'item')}.`);
  return { title: `Daily review ${day}`, heading };
}

export { mount };
