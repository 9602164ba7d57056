/* One weekly, monthly or quarterly evaluation as a page: the key figures against the period
 * before, the bottleneck and the suggestions with the numbers behind them, then the charts (each
 * with its numbers as a table): time in each step against its SLA, SLA compliance, utilisation
 * per technician, this period against the one before, and the process-map versions side by side
 * when the period saw more than one; the quotes and their conversion (reports-conversion.js).
 * The suggestions carry their evidence and what there is not enough data for yet
 * (reports-evidence.js); map changes are judged as experiments (reports-experiments.js); each
 * owner's review record and whether the checks ran and were read (reports-owners.js); what each
 * step costs and how long customers wait (reports-costs.js). Every one of these keys may be
 * missing in a report stored before it: what is there is shown.
 * With a kind of work chosen, the process figures are that kind's (`report.kinds`), and the
 * suggestions, experiments and costs those of that kind (`work_kind`). Staff by name (the
 * review's `people`), never by id. */

import { el, uid } from '../dom.js';
import { dateTime, plural, todayKey } from '../format.js';
import { barChart, figure, legend, table } from './charts.js';
import { change, days, hours, minutes, percent, person, range, workHours } from './reports-common.js';
import { conversionSection, kindsSection } from './reports-conversion.js';
import { suggestionSection, minutesInterval, isPair, known } from './reports-evidence.js';
import { experimentsSection } from './reports-experiments.js';
import { ownersSection, checksSection } from './reports-owners.js';
import { costsSection } from './reports-costs.js';

const TIME_SERIES = [
  { key: 'median', label: 'Median time', className: 'of-chart-bar--median' },
  { key: 'p90', label: '90th percentile (9 in 10 orders within)', className: 'of-chart-bar--p90' },
];

const ratio = (value, sla) => (value === null || value === undefined || !sla ? null : value / sla);

/** The scale of a chart drawn in shares of the SLA: at least 1¼ SLA, at most 2½. */
function slaScale(values) {
  const top = Math.max(1.25, ...values.filter((v) => v !== null));
  const max = Math.min(2.5, Math.ceil(top * 4) / 4);
  const names = { 0: '0', 0.5: '½ SLA', 1: 'SLA', 1.5: '1½ × SLA', 2: '2 × SLA', 2.5: '2½ × SLA' };
  const ticks = [0, 0.5, 1, 1.5, 2, 2.5].filter((t) => t <= max).map((value) => ({ value, text: names[value] }));
  return { max, ticks };
}

const movable = (steps) => (steps || []).filter((s) => !s.end_step);

const CLOCKS = { business: 'business hours', calendar: 'calendar time' };
/** A step's SLA with the clock it counts on: "8 h (business hours)", or "–" without an SLA. */
const slaText = (s) => (s.sla_minutes ? `${minutes(s.sla_minutes)}${CLOCKS[s.sla_clock] ? ` (${CLOCKS[s.sla_clock]})` : ''}` : '–');
/** A step's median in a table cell, its 90% interval on a line of its own when known. */
const medianCell = (s) => (isPair(s.median_interval_minutes)
  ? [minutes(s.median_minutes), el('span', { class: 'of-reports-cell-note' }, ` (${minutesInterval(s.median_interval_minutes)})`)]
  : minutes(s.median_minutes));
/** The same in a table cell: the clock on a line of its own. */
const slaCell = (s) => (s.sla_minutes && CLOCKS[s.sla_clock]
  ? [minutes(s.sla_minutes), el('span', { class: 'of-reports-cell-note' }, ` (${CLOCKS[s.sla_clock]})`)] : slaText(s));

// --- the key figures -----------------------------------------------------------------------------------

function figureCard(label, value, detail, before, delta) {
  return el('div', { class: 'of-card of-reports-kpi' },
    el('h3', { class: 'of-reports-kpi-label' }, label),
    el('p', { class: 'of-reports-kpi-value' }, value),
    detail ? el('p', { class: 'of-reports-kpi-detail' }, detail) : null,
    el('p', { class: `of-reports-kpi-change${delta ? ` of-reports-kpi-change--${delta.tone}` : ''}` },
      `The period before: ${before}`, delta ? `, ${delta.text}` : ''));
}

function keyFigures(report) {
  const prev = report.previous || {};
  const cycle = report.cycle_time || {};
  const first = report.first_visit_completion || {};
  const used = report.utilization || {};
  const invoices = report.invoices || {};
  const prevInvoices = prev.invoices || {};
  return el('section', { class: 'of-reports-kpis', 'aria-label': 'Key figures' },
    figureCard('Cycle time (created to paid)', hours(cycle.median_hours),
      cycle.orders ? `median of ${plural(cycle.orders, 'paid order')}; 90% within ${hours(cycle.p90_hours)}` : 'no order was paid',
      hours((prev.cycle_time || {}).median_hours), change(cycle.median_hours, (prev.cycle_time || {}).median_hours, 'hours', true)),
    figureCard('First-visit completion', percent(first.percent),
      first.completed ? `${first.first_visit} of ${first.completed} completed without a hold or a step back` : 'no order was completed',
      percent((prev.first_visit_completion || {}).percent), change(first.percent, (prev.first_visit_completion || {}).percent, 'percent', false)),
    figureCard('Technicians\u2019 utilisation', percent(used.percent),
      used.available_minutes ? `${workHours(used.booked_minutes)} booked of ${workHours(used.available_minutes)} available` : 'no working hours in the period',
      percent((prev.utilization || {}).percent), change(used.percent, (prev.utilization || {}).percent, 'percent', false)),
    figureCard('Days to pay', days(invoices.median_days_to_pay),
      report.invoices ? `median; ${invoices.issued} issued, ${invoices.paid} paid, ${invoices.overdue} overdue` : 'invoicing is not set up',
      days(prevInvoices.median_days_to_pay), change(invoices.median_days_to_pay, prevInvoices.median_days_to_pay, 'days', true)));
}

// --- the bottleneck and the suggestions ------------------------------------------------------------------

function bottleneckBox(report, people) {
  const b = report.bottleneck;
  if (!b) return null;
  const step = (report.steps || []).find((s) => s.step === b.step) || {};
  return el('p', { class: 'of-reports-bottleneck' },
    el('strong', {}, 'Bottleneck: '), `${b.label}. Orders wait longest here: a median of ${minutes(b.median_minutes)}`
    + `${isPair(step.median_interval_minutes) ? ` (90% interval ${minutesInterval(step.median_interval_minutes)})` : ''}, `
    + `90% within ${minutes(b.p90_minutes)}${b.sla_minutes ? ` (SLA ${minutes(b.sla_minutes)})` : ''}`
    + `${known(step.share_of_cycle_percent) ? `; ${percent(step.share_of_cycle_percent)} of the cycle time` : ''}. `
    + `Owner: ${person(people, step.owner, 'nobody')}.`);
}

// --- the charts --------------------------------------------------------------------------------------------

function timeChart(report, people) {
  const steps = movable(report.steps);
  const bottleneck = report.bottleneck && report.bottleneck.step;
  const scale = slaScale(steps.map((s) => ratio(s.p90_minutes, s.sla_minutes)));
  const over = steps.filter((s) => s.sla_minutes && s.p90_minutes > s.sla_minutes);
  const rows = steps.map((s) => ({
    label: s.label,
    note: s.sla_minutes ? `SLA ${slaText(s)}` : 'no SLA',
    highlight: s.step === bottleneck,
    tag: s.step === bottleneck ? 'Bottleneck' : null,
    values: { median: ratio(s.median_minutes, s.sla_minutes), p90: ratio(s.p90_minutes, s.sla_minutes) },
    texts: { median: `median ${minutes(s.median_minutes)}`, p90: `90%: ${minutes(s.p90_minutes)}` },
    empty: s.median_minutes === null ? 'no order left this step' : `median ${minutes(s.median_minutes)}, 90% within ${minutes(s.p90_minutes)}`,
  }));
  const description = `Median and 90th percentile time in each step, as a share of the step's SLA. `
    + (over.length ? `Over the SLA at the 90th percentile: ${over.map((s) => `${s.label} (${minutes(s.p90_minutes)} against ${minutes(s.sla_minutes)})`).join(', ')}. `
      : 'Every step kept its 90th percentile within its SLA. ')
    + (report.bottleneck ? `The bottleneck is ${report.bottleneck.label}, median ${minutes(report.bottleneck.median_minutes)}.` : '');
  return figure({
    title: 'Time in each step against its SLA',
    intro: 'Each bar is drawn as a share of the step\u2019s SLA: a bar past the SLA line took longer than the SLA allows.',
    legend: legend(TIME_SERIES, 'SLA'),
    chart: barChart({ title: 'Time in each step against its SLA', description, series: TIME_SERIES, rows, reference: { value: 1, text: 'SLA' }, ...scale, width: 1100, labelWidth: 150, valueWidth: 190 }),
    table: table({
      caption: 'Time in each step',
      columns: [{ label: 'Step' }, { label: 'Owner' }, { label: 'SLA', numeric: true }, { label: 'Orders in', numeric: true },
        { label: 'Orders out', numeric: true },
        { label: steps.some((s) => isPair(s.median_interval_minutes)) ? 'Median (90% interval)' : 'Median', numeric: true },
        { label: '90th percentile', numeric: true }, { label: 'Share of cycle time', numeric: true },
        { label: 'Waiting at the end', numeric: true }],
      rows: steps.map((s) => [s.step === bottleneck ? `${s.label} (bottleneck)` : s.label, person(people, s.owner, 'nobody'),
        slaCell(s), s.entered, s.left, medianCell(s), minutes(s.p90_minutes), percent(s.share_of_cycle_percent), s.waiting_at_end]),
      highlight: (i) => steps[i].step === bottleneck,
    }),
  });
}

function complianceChart(report) {
  const steps = movable(report.steps).filter((s) => s.sla_minutes);
  const tone = (v) => (v >= 90 ? 'of-chart-bar--good' : v >= 70 ? 'of-chart-bar--fair' : 'of-chart-bar--poor');
  const series = [{ key: 'met', label: 'Share of visits within the SLA', className: 'of-chart-bar--good' }];
  const rows = steps.map((s) => ({
    label: s.label,
    values: { met: s.sla_compliance_percent },
    classes: { met: tone(s.sla_compliance_percent) },
    texts: { met: `${percent(s.sla_compliance_percent)} (${s.sla_met} of ${s.sla_met + s.sla_breached})` },
    empty: 'no visit judged',
  }));
  const judged = steps.filter((s) => s.sla_compliance_percent !== null);
  const worst = judged.length ? judged.reduce((a, b) => (b.sla_compliance_percent < a.sla_compliance_percent ? b : a)) : null;
  return figure({
    title: 'SLA compliance per step',
    intro: 'Of the visits judged in the period (left the step, or ran out of time), the share within the SLA.',
    chart: barChart({ title: 'SLA compliance per step', series, rows, max: 100, width: 560, labelWidth: 110, valueWidth: 120,
      ticks: [0, 50, 100].map((v) => ({ value: v, text: `${v}%` })),
      description: worst ? `Lowest: ${worst.label}, ${percent(worst.sla_compliance_percent)} (${worst.sla_breached} breached). `
        + judged.map((s) => `${s.label} ${percent(s.sla_compliance_percent)}`).join(', ') + '.' : 'No visit was judged against an SLA.' }),
    table: table({
      caption: 'SLA compliance per step',
      columns: [{ label: 'Step' }, { label: 'Within SLA', numeric: true }, { label: 'Breached', numeric: true }, { label: 'Compliance', numeric: true }],
      rows: steps.map((s) => [s.label, s.sla_met, s.sla_breached, percent(s.sla_compliance_percent)]),
    }),
  });
}

function utilisationChart(report, people) {
  const used = report.utilization || { technicians: [] };
  const techs = used.technicians || [];
  const top = Math.max(100, ...techs.map((t) => t.percent || 0));
  const rows = techs.map((t) => ({
    label: t.name || person(people, t.technician_id),
    values: { used: t.percent },
    texts: { used: `${percent(t.percent)} · ${workHours(t.booked_minutes)} of ${workHours(t.available_minutes)}` },
    empty: 'no working hours',
  }));
  const series = [{ key: 'used', label: 'Booked share of working hours', className: 'of-chart-bar--used' }];
  return figure({
    title: 'Utilisation per technician',
    intro: `Booked time against working hours (less time off). All technicians: ${percent(used.percent)}.`,
    chart: barChart({ title: 'Utilisation per technician', series, rows, max: top, width: 560, labelWidth: 110, valueWidth: 170,
      ticks: [0, 50, 100].map((v) => ({ value: v, text: `${v}%` })),
      description: techs.map((t) => `${t.name}: ${percent(t.percent)}`).join(', ') || 'No technicians.' }),
    table: table({
      caption: 'Utilisation per technician',
      columns: [{ label: 'Technician' }, { label: 'Booked', numeric: true }, { label: 'Available', numeric: true }, { label: 'Utilisation', numeric: true }],
      rows: techs.map((t) => [t.name || person(people, t.technician_id), workHours(t.booked_minutes), workHours(t.available_minutes), percent(t.percent)]),
    }),
  });
}

function comparisonChart(report) {
  const prev = report.previous || {};
  const before = Object.fromEntries((prev.steps || []).map((s) => [s.step, s]));
  const steps = movable(report.steps);
  const series = [
    { key: 'before', label: `The period before (${range(prev.from, prev.to)})`, className: 'of-chart-bar--before' },
    { key: 'now', label: `This period (${range(report.from, report.to)})`, className: 'of-chart-bar--median' },
  ];
  const rows = steps.map((s) => {
    const b = (before[s.step] || {}).median_minutes;
    const top = Math.max(s.median_minutes || 0, b || 0) || 1;
    return {
      label: s.label,
      values: { before: b === null || b === undefined ? null : b / top, now: s.median_minutes === null ? null : s.median_minutes / top },
      texts: { before: minutes(b), now: minutes(s.median_minutes) },
      empty: 'no order left this step in either period',
    };
  });
  const moved = steps.map((s) => [s, change(s.median_minutes, (before[s.step] || {}).median_minutes, 'minutes', true)]).filter(([, c]) => c);
  return figure({
    title: 'This period against the one before',
    intro: 'The median time in each step, the period before above this one. Each step is drawn to its own scale: compare its two bars.',
    legend: legend(series),
    chart: barChart({ title: 'Median time per step, this period against the one before', series, rows, max: 1, width: 1100, labelWidth: 150, valueWidth: 120,
      description: moved.length ? moved.map(([s, c]) => `${s.label}: ${c.text}`).join('; ') + '.' : 'The period before has no times to compare with.' }),
    table: table({
      caption: 'This period against the one before',
      columns: [{ label: 'Step' }, { label: 'Orders in before', numeric: true }, { label: 'Orders in now', numeric: true },
        { label: 'Median before', numeric: true }, { label: 'Median now', numeric: true },
        { label: 'SLA compliance before', numeric: true }, { label: 'SLA compliance now', numeric: true }],
      rows: steps.map((s) => {
        const b = before[s.step] || {};
        return [s.label, b.entered || 0, s.entered, minutes(b.median_minutes), minutes(s.median_minutes),
          percent(b.sla_compliance_percent), percent(s.sla_compliance_percent)];
      }),
    }),
  });
}

/** A version's name: "Version 2", or with another kind of work's map beside the legacy one's,
 * "Estimate, version 1" (every kind numbers its own versions). */
function versionName(v, kinds, mixed) {
  if (!mixed) return `Version ${v.workflow_version}`;
  const label = (kinds[v.kind] || {}).label || v.kind || v.workflow_id;
  return `${label}, version ${v.workflow_version}`;
}

function versionsSection(report, people, title) {
  const versions = report.versions || [];
  const kinds = report.kinds || {};
  const mixed = new Set(versions.map((v) => v.workflow_id || 'default')).size > 1;
  const name = (v) => versionName(v, kinds, mixed);
  if (versions.length < 2) {
    return el('p', { class: 'of-reports-note' }, versions.length
      ? `Every order in this period followed process map version ${versions[0].workflow_version}.`
      : 'No order moved in this period.');
  }
  const keys = [];
  const info = {};
  versions.forEach((v) => movable(v.steps).forEach((s) => { if (!keys.includes(s.step)) keys.push(s.step); info[s.step] = info[s.step] || s; }));
  const byVersion = versions.map((v) => Object.fromEntries((v.steps || []).map((s) => [s.step, s])));
  const classes = ['of-chart-bar--v1', 'of-chart-bar--v2', 'of-chart-bar--v3', 'of-chart-bar--v4'];
  const series = versions.map((v, i) => ({ key: `v${i}`, label: name(v), className: classes[i % classes.length] }));
  const rows = keys.map((key) => ({
    label: info[key].label,
    note: info[key].sla_minutes ? `SLA ${minutes(info[key].sla_minutes)}` : 'no SLA',
    values: Object.fromEntries(versions.map((v, i) => [`v${i}`, byVersion[i][key] ? ratio(byVersion[i][key].median_minutes, info[key].sla_minutes) : null])),
    texts: Object.fromEntries(versions.map((v, i) => [`v${i}`, byVersion[i][key] ? `${mixed ? name(v) : `v${v.workflow_version}`}: ${minutes(byVersion[i][key].median_minutes)}` : ''])),
    empty: 'no times',
  }));
  const scale = slaScale(rows.flatMap((r) => Object.values(r.values)));
  const cards = versions.map((v) => el('div', { class: 'of-card of-reports-version' },
    el('h3', { class: 'of-reports-version-title' }, name(v)),
    el('p', { class: 'of-muted' }, v.published_at ? `Published ${dateTime(v.published_at)} by ${person(people, v.published_by)}` : ''),
    el('p', {}, `${plural(v.orders, 'order')} moved in the period.`,
      v.bottleneck ? ` Bottleneck: ${v.bottleneck.label} (median ${minutes(v.bottleneck.median_minutes)}).` : ''),
    table({
      caption: `${name(v)}, per step`,
      columns: [{ label: 'Step' }, { label: 'Orders in', numeric: true },
        { label: movable(v.steps).some((s) => isPair(s.median_interval_minutes)) ? 'Median (90% interval)' : 'Median', numeric: true },
        { label: '90th percentile', numeric: true }, { label: 'SLA compliance', numeric: true }],
      rows: movable(v.steps).map((s) => [s.label, s.entered,
        medianCell(s),
        minutes(s.p90_minutes), percent(s.sla_compliance_percent)]),
    })));
  const headingId = uid('of-reports-versions-title');
  return el('section', { class: 'of-section', 'aria-labelledby': headingId },
    el('h2', { class: 'of-heading', id: headingId }, title || 'Process map versions side by side'),
    el('div', { class: 'of-reports-versions', style: `--of-versions: ${versions.length}` }, cards),
    figure({
      title: 'Median time per step in each version',
      intro: 'As a share of the step\u2019s SLA; a step a version does not have shows no bar for it.',
      legend: legend(series, 'SLA'),
      chart: barChart({ title: 'Median time per step in each process map version', series, rows, reference: { value: 1, text: 'SLA' }, ...scale,
        width: 1100, labelWidth: 150, valueWidth: 150,
        description: keys.map((key) => `${info[key].label}: ${versions.map((v, i) => `${name(v).toLowerCase()} ${byVersion[i][key] ? minutes(byVersion[i][key].median_minutes) : 'not in the map'}`).join(', ')}`).join('; ') + '.' }),
    }));
}

/** The report as one kind of work's page: its steps, versions, bottleneck, cycle time, first-visit
 * completion and suggestions; utilisation and invoices stay the whole business's. */
function forKind(report, kind) {
  const part = kind && report.kinds ? report.kinds[kind] : null;
  if (!part) return report;
  const mine = (list) => (Array.isArray(list) ? list.filter((x) => !x.work_kind || x.work_kind === kind) : list);
  return {
    ...report,
    ...part,
    previous: { ...(report.previous || {}), ...(part.previous || {}) },
    changes: null,
    suggestions: mine(part.suggestions && !(report.suggestions || []).some((s) => s.work_kind) ? part.suggestions : report.suggestions),
    not_enough_data: mine(part.not_enough_data || report.not_enough_data),
    experiments: mine(part.experiments || report.experiments),
  };
}

/** A kind of work's label from the report (`kinds`), for lists that mix kinds; null with one kind. */
function kindLabeller(whole, kind) {
  const kinds = whole.kinds || {};
  if (kind || Object.keys(kinds).length < 2) return () => null;
  return (key) => (key ? (kinds[key] || {}).label || key : null);
}

/** The versions side by side for every kind of work: each kind's own versions (a version is
 * compared with another version of the same map), or a note when each kind followed one. */
function versionSections(whole, people) {
  const kinds = Object.values(whole.kinds || {});
  if (!kinds.length) return versionsSection(whole, people); // a report from before kinds of work
  const several = kinds.filter((k) => (k.versions || []).length >= 2);
  if (!several.length) {
    const used = kinds.filter((k) => (k.versions || []).length === 1);
    return el('p', { class: 'of-reports-note' }, used.length
      ? `Each kind of work followed one version of its map in this period: ${used.map((k) => `${k.label}, version ${k.versions[0].workflow_version}`).join('; ')}.`
      : 'No order moved in this period.');
  }
  return several.map((k) => versionsSection(k, people,
    kinds.length > 1 ? `Process map versions side by side: ${k.label}` : null));
}

function evaluationPage(review, ctx, kind) {
  const whole = review.report;
  const people = review.people || {};
  const missing = kind && !(whole.kinds || {})[kind];
  const report = forKind(whole, kind);
  if (missing) {
    return el('div', { class: 'of-reports-evaluation' },
      el('p', { class: 'of-reports-note', role: 'status' }, 'No order of this kind of work moved in this period, or its map was not published yet.'),
      conversionSection(whole));
  }
  const kindLabel = kindLabeller(whole, kind);
  const currency = (whole.costs && whole.costs.currency) || undefined;
  return el('div', { class: 'of-reports-evaluation' },
    kindsSection(whole, kind),
    keyFigures(report),
    bottleneckBox(report, people),
    suggestionSection(report, ctx, { currency, kindLabel, people, review: { period: review.period, date: review.date } }),
    timeChart(report, people),
    el('div', { class: 'of-grid-2 of-reports-charts' }, complianceChart(report), utilisationChart(report, people)),
    comparisonChart(report),
    experimentsSection(report, { kindLabel, today: todayKey() }),
    kind ? versionsSection(report, people) : versionSections(whole, people),
    ownersSection(whole, people),
    checksSection(whole),
    costsSection(whole, { kind, kindLabel }),
    conversionSection(whole));
}

export { evaluationPage };
