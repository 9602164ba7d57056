/* Reports (admins): the daily check and the weekly, monthly and quarterly evaluations as pages
 * with charts. `#/reports` (`?period=`) lists a period's stored reviews to pick one by date, with
 * "Run now"; `#/reports/{period}/{date}` is one review: for an evaluation, time in each step
 * against its SLA, SLA compliance, the bottleneck, cycle time, first-visit completion,
 * utilisation per technician, days to pay, the period before and the map versions side by side,
 * and the suggestions with their numbers and evidence, what there is not enough data for yet, map
 * changes judged as experiments, each owner's review record, whether the checks ran and were
 * read, and what each step costs (reports-evaluation.js and the modules it uses: reports-evidence,
 * reports-experiments, reports-owners, reports-costs); for the daily check, what it
 * flagged (reports-daily.js). Both with a CSV download. A kind of work (GET /workflow/kinds) may be
 * chosen: it rides in the hash query (`#/reports/weekly/2026-11-23?kind=estimate`) and the review is
 * read for it (`?kind=`): the evaluation's process figures are then that kind's, the daily check's
 * items those of its orders. The quotes and their conversion are in every evaluation
 * (reports-conversion.js). A dispatcher is told reports are for admins.
 *
 * API: GET /reports/reviews/list, GET /reports/reviews, GET /reports/reviews/csv, POST /reviews/run,
 * GET /workflow/kinds. */

import { api } from '../api.js';
import { el, fill, alertBox, button, field, say, alarm, focusOn } from '../dom.js';
import { dateTime, validDay } from '../format.js';
import { PERIODS, PERIOD_NAMES, JUST_ENDED, isPeriod, person, range } from './reports-common.js';
import { evaluationPage } from './reports-evaluation.js';
import { dailyPage } from './reports-daily.js';

const capital = (text) => text.charAt(0).toUpperCase() + text.slice(1);

function adminsOnly(root) {
  const heading = el('h1', { class: 'of-title' }, 'Reports');
  fill(root, el('div', { class: 'of-reports' }, heading,
    alertBox('info', 'Reports are for admins',
      'The daily check and the weekly, monthly and quarterly evaluations of the process are shown to admins. '
      + 'Ask an admin if you need one of them.',
      el('p', {}, 'What the daily review flagged for the steps you own is in ', el('a', { href: '#/reviews' }, 'your review inbox'), '.'))));
  say('Reports are for admins.');
  return { title: 'Reports', heading };
}

async function mount(root, ctx) {
  if (!ctx.user || ctx.user.role !== 'admin') return adminsOnly(root);
  const [partPeriod, partDate] = ctx.parts;
  const period = isPeriod(partPeriod) ? partPeriod : (isPeriod(ctx.query.get('period')) ? ctx.query.get('period') : 'weekly');
  const date = isPeriod(partPeriod) && validDay(partDate) ? partDate : null;
  const kind = (ctx.query.get('kind') || '').trim();
  return date ? reviewPage(root, ctx, period, date, kind) : listPage(root, ctx, period, kind);
}

const reportHash = (period, date, kind) => `#/reports/${period}${date ? `/${date}` : ''}`
  + (kind ? `?kind=${encodeURIComponent(kind)}` : '');

let kindsCache = null;
/** The business's kinds of work, once per page load ([] when they cannot be read: "All" still works). */
function workKinds() {
  kindsCache = kindsCache || api('/workflow/kinds').then((r) => {
    const list = Array.isArray(r.data) ? r.data : (r.data && r.data.kinds) || [];
    return list.map((k) => ({ key: k.key || k, label: k.label || k.key || k }));
  }, () => { kindsCache = null; return []; });
  return kindsCache;
}

// --- choosing a review ------------------------------------------------------------------------------

async function listReviews(period) {
  return (await api('/reports/reviews/list', { query: { period, limit: 100 } })).data;
}

/** The card to choose a period and one of its reviews, and to run the period's review now. */
function chooser(ctx, period, date, listed, kind) {
  const periodSelect = el('select', { name: 'period' },
    PERIODS.map(([key, label]) => el('option', { value: key, selected: key === period ? true : null }, label)));
  const reviewSelect = el('select', { name: 'review' });
  const kindSelect = el('select', { name: 'kind' }, el('option', { value: '' }, 'All kinds of work'));
  const periodField = field({ label: 'Period', control: periodSelect });
  const reviewField = field({ label: 'Review', control: reviewSelect });
  const kindField = field({ label: 'Kind of work', control: kindSelect });
  workKinds().then((kinds) => {
    kinds.forEach((k) => kindSelect.append(el('option', { value: k.key, selected: k.key === kind ? true : null }, k.label)));
    if (kind && !kinds.some((k) => k.key === kind)) kindSelect.append(el('option', { value: kind, selected: true }, kind));
  });
  const show = button('Show', () => {
    if (reviewSelect.value) ctx.go(reportHash(periodSelect.value, reviewSelect.value, kindSelect.value));
    else ctx.go(reportHash(periodSelect.value, null, kindSelect.value));
  }, { kind: 'secondary' });
  kindSelect.addEventListener('change', () => {
    if (date && reviewSelect.value) ctx.go(reportHash(periodSelect.value, reviewSelect.value, kindSelect.value));
  });
  const runHint = el('p', { class: 'of-hint of-reports-run-hint' });
  const run = button('Run now', () => runNow(ctx, periodSelect.value, run));

  const fillReviews = (data) => {
    const reviews = (data && data.reviews) || [];
    fill(reviewSelect, reviews.length
      ? reviews.map((r) => el('option', { value: r.date, selected: r.date === date ? true : null },
        `${range(r.from, r.to)}${r.status === 'running' ? ' (running)' : ''}`))
      : el('option', { value: '' }, 'None yet'));
    reviewSelect.disabled = !reviews.length;
  };
  const describeRun = () => {
    const name = periodSelect.value;
    fill(runHint, `Runs the ${PERIOD_NAMES[name]} of ${JUST_ENDED[name]} and emails it; a period already reviewed is shown, not sent again.`);
    run.textContent = `Run the ${PERIOD_NAMES[name]} now`;
  };
  runHint.id = `of-reports-run-hint`;
  run.setAttribute('aria-describedby', runHint.id);
  periodSelect.addEventListener('change', async () => {
    describeRun();
    fill(reviewSelect, el('option', { value: '' }, 'Loading…'));
    try {
      fillReviews(await listReviews(periodSelect.value));
    } catch (error) {
      fillReviews(null);
      alarm(`The reviews could not be listed: ${error.message}`);
    }
  });
  fillReviews(listed);
  describeRun();
  return el('section', { class: 'of-card of-reports-chooser', 'aria-label': 'Choose a review' },
    el('div', { class: 'of-toolbar' }, periodField.element, reviewField.element, kindField.element, show,
      el('div', { class: 'of-reports-run' }, runHint, run)));
}

async function runNow(ctx, period, control) {
  control.disabled = true;
  say(`Running the ${PERIOD_NAMES[period]}…`);
  try {
    const r = await api('/reviews/run', { method: 'POST', body: { period } });
    const review = r.data;
    say(r.status === 201
      ? `The ${PERIOD_NAMES[period]} has run and was emailed.`
      : `The ${PERIOD_NAMES[period]} of this period had already run: here it is; nothing was sent again.`);
    ctx.go(`#/reports/${review.period}/${review.date}`);
  } catch (error) {
    control.disabled = false;
    const box = alertBox(error.status === 409 ? 'warning' : 'error', `The ${PERIOD_NAMES[period]} did not run`, error.message);
    control.closest('.of-reports-chooser').after(box);
    focusOn(box);
    alarm(`The ${PERIOD_NAMES[period]} did not run: ${error.message}`);
  }
}

// --- #/reports: the period's reviews -----------------------------------------------------------------

async function listPage(root, ctx, period, kind) {
  const heading = el('h1', { class: 'of-title' }, 'Reports');
  fill(root, el('div', { class: 'of-reports' }, heading, el('p', { class: 'of-loading' }, 'Loading…')));
  let data;
  try {
    data = await listReviews(period);
  } catch (error) {
    fill(root, el('div', { class: 'of-reports' }, heading,
      alertBox('error', 'The reviews could not be listed', error.message, button('Try again', () => ctx.refresh()))));
    return { title: 'Reports', heading };
  }
  const label = PERIODS.find(([key]) => key === period)[1];
  const rows = data.reviews.map((r) => el('tr', {},
    el('th', { scope: 'row' }, el('a', { href: reportHash(period, r.date, kind) }, range(r.from, r.to))),
    el('td', {}, r.status === 'done' ? 'Done' : 'Running'),
    el('td', {}, capital(r.run_by || 'a former staff member')),
    el('td', {}, r.finished_at ? dateTime(r.finished_at) : '–')));
  const list = data.reviews.length
    ? el('div', { class: 'of-table-wrap' }, el('table', { class: 'of-table' },
      el('caption', { class: 'of-visually-hidden' }, `${label}s, newest first`),
      el('thead', {}, el('tr', {}, ['Period', 'Status', 'Run by', 'Finished'].map((t) => el('th', { scope: 'col' }, t)))),
      el('tbody', {}, rows)))
    : el('p', { class: 'of-empty' }, `No ${PERIOD_NAMES[period]} has run yet. The schedule runs it once the period has ended, or run it now.`);
  fill(root, el('div', { class: 'of-reports' },
    el('div', { class: 'of-screen-head' }, el('div', {}, heading,
      el('p', { class: 'of-subtitle' }, 'The daily check and the evaluations of the process, as they were run.'))),
    chooser(ctx, period, null, data, kind),
    el('section', { class: 'of-section', 'aria-labelledby': 'of-reports-list-title' },
      el('h2', { class: 'of-heading', id: 'of-reports-list-title' }, `${label}s`), list)));
  say(`${data.reviews.length} ${PERIOD_NAMES[period]}${data.reviews.length === 1 ? '' : 's'} listed.`);
  return { title: 'Reports', heading };
}

// --- #/reports/{period}/{date}: one review -------------------------------------------------------------

async function downloadCsv(period, date, control) {
  control.disabled = true;
  try {
    const link = (await api('/reports/reviews/csv', { query: { period, date } })).data;
    const a = el('a', { href: link.url, download: link.filename, hidden: true });
    document.body.appendChild(a);
    a.click();
    a.remove();
    say(`Downloading ${link.filename}.`);
  } catch (error) {
    alarm(`The CSV could not be downloaded: ${error.message}`);
  } finally {
    control.disabled = false;
  }
}

async function reviewPage(root, ctx, period, date, kind) {
  const name = PERIOD_NAMES[period];
  const heading = el('h1', { class: 'of-title' }, capital(name));
  fill(root, el('div', { class: 'of-reports' }, heading, el('p', { class: 'of-loading' }, 'Loading…')));
  let review;
  let listed = null;
  try {
    [review, listed] = await Promise.all([
      api('/reports/reviews', { query: { period, date, kind } }).then((r) => r.data),
      listReviews(period).catch(() => null),
    ]);
  } catch (error) {
    fill(root, el('div', { class: 'of-reports' }, heading, chooser(ctx, period, date, listed, kind),
      alertBox(error.status === 404 ? 'info' : 'error', error.status === 404 ? `No ${name} for ${range(date)}` : `The ${name} could not be loaded`,
        error.message, error.status === 404 ? null : button('Try again', () => ctx.refresh()))));
    return { title: capital(name), heading };
  }
  const report = review.report || {};
  fill(heading, `${capital(name)}: ${range(report.from || review.date, report.to || review.date)}`);
  const csv = button('Download CSV', () => downloadCsv(period, review.date, csv), { kind: 'secondary' });
  const done = review.status === 'done';
  csv.disabled = !done;
  const subtitle = el('p', { class: 'of-subtitle' },
    `Run by ${person(review.people, review.trigger)}${review.finished_at ? ` on ${dateTime(review.finished_at)}` : ' (still running)'}`,
    report.current_workflow_version ? ` · process map version ${report.current_workflow_version}` : '',
    report.timezone ? ` · times in ${report.timezone.replace(/_/g, ' ')}` : '');
  const body = !review.report
    ? [alertBox('info', 'This review is still running', 'Its report appears here once it is done.')]
    : period === 'daily' ? dailyPage(review, ctx) : evaluationPage(review, ctx, kind);
  fill(root, el('div', { class: 'of-reports' },
    el('div', { class: 'of-screen-head' }, el('div', {}, heading, subtitle), el('div', { class: 'of-toolbar' }, csv)),
    chooser(ctx, period, review.date, listed, kind),
    body));
  say(`${capital(name)} of ${range(report.from || review.date, report.to || review.date)} shown.`);
  return { title: `${capital(name)} ${review.date}`, heading };
}

export { mount };
