/* The process map drawn as a flow, in inline SVG: the steps in their order as boxes down the
 * left, a straight arrow to the step that follows, lines on the right to any other next step
 * (dashed when it goes back to an earlier step), end steps with a double border and the word
 * "End", the start step marked "Start", and the interruption steps (on hold, cancelled...) in a
 * column of their own with the steps they can be reached from. The drawing is one image with
 * a text alternative; the step list beside it says everything in words. */

import { el } from '../dom.js';
import { ownerName, sla, isEnd, listWords } from './process-common.js';

/** The time allowed as a box has room for it: business hours unsaid, calendar time said. */
const boxTime = (step) => (step.waits_on_customer ? 'waits on the customer'
  : `${sla(step.sla_minutes)}${step.sla_minutes && step.sla_clock === 'calendar' ? ' (calendar)' : ''}`);

const NS = 'http://www.w3.org/2000/svg';
const BOX_W = 232;
const BOX_H = 64;
const ROW = 90;
const TOP = 30;
const LEFT = 6;
const LANE = 14;
const COLUMN_GAP = 44;

function svg(tag, attrs, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined && v !== false) node.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return node;
}

const clip = (text, max) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Lanes for the lines on the right: the shortest first, each in the first lane it fits. */
function assignLanes(edges) {
  const lanes = [];
  edges.slice().sort((a, b) => (a.hi - a.lo) - (b.hi - b.lo) || a.lo - b.lo).forEach((edge) => {
    let lane = 0;
    while ((lanes[lane] || []).some((o) => o.lo <= edge.hi && edge.lo <= o.hi)) lane += 1;
    (lanes[lane] = lanes[lane] || []).push(edge);
    edge.lane = lane;
  });
  return lanes.length;
}

function box(step, x, y, options) {
  const end = isEnd(step);
  const classes = ['of-process-box'];
  if (end) classes.push('of-process-box--end');
  if (step.interruption) classes.push('of-process-box--interruption');
  if (options.changed) classes.push('of-process-box--changed');
  const badges = [];
  if (options.start) badges.push('Start');
  if (end) badges.push('End');
  const group = svg('g', { class: classes.join(' '), 'data-step': step.key },
    svg('rect', { x, y, width: BOX_W, height: BOX_H, rx: 7 }),
    end ? svg('rect', { class: 'of-process-box-inner', x: x + 4, y: y + 4, width: BOX_W - 8, height: BOX_H - 8, rx: 5 }) : null,
    svg('text', { class: 'of-process-box-label', x: x + 12, y: y + 22 }, clip(step.label, badges.length ? 20 : 27)),
    svg('text', { class: 'of-process-box-meta', x: x + 12, y: y + 40 },
      clip(`${ownerName(options.staff, step.owner)} · ${boxTime(step)}`, 34)),
    options.extra ? svg('text', { class: 'of-process-box-meta', x: x + 12, y: y + 57 }, clip(options.extra, 34)) : null,
  );
  if (badges.length) {
    group.appendChild(svg('text', { class: 'of-process-box-badge', x: x + BOX_W - 10, y: y + 20, 'text-anchor': 'end' }, badges.join(' · ')));
  }
  if (options.open) {
    group.appendChild(svg('text', { class: 'of-process-box-count', x: x + BOX_W - 10, y: y + 41, 'text-anchor': 'end' }, `${options.open} open`));
  }
  return group;
}

/** flowDiagram(map, staff, {counts: {step: n}, title}) -> <figure> */
function flowDiagram(map, staff, options = {}) {
  const counts = options.counts || {};
  const main = map.steps.filter((s) => !s.interruption);
  const side = map.steps.filter((s) => s.interruption);
  const row = new Map(main.map((s, i) => [s.key, i]));
  const arrows = [];
  const lines = [];
  main.forEach((s, i) => {
    (s.next || []).forEach((n) => {
      if (!row.has(n)) return;
      const j = row.get(n);
      if (j === i + 1) arrows.push({ from: i, to: j });
      else lines.push({ from: i, to: j, lo: Math.min(i, j), hi: Math.max(i, j), back: j < i });
    });
  });
  const laneCount = assignLanes(lines);
  const linesRight = LEFT + BOX_W + 16 + Math.max(0, laneCount - 1) * LANE;
  const sideX = (laneCount ? linesRight : LEFT + BOX_W) + COLUMN_GAP;
  const rows = Math.max(main.length, side.length + 1);
  const width = (side.length ? sideX + BOX_W : linesRight) + 8;
  const height = TOP + rows * ROW;
  const y = (i) => TOP + i * ROW;
  const cx = LEFT + BOX_W / 2;
  const titleId = `of-process-flow-title-${Math.random().toString(36).slice(2, 8)}`;
  const descId = `${titleId}-desc`;
  const reachedFrom = (key) => map.steps.filter((s) => (s.next || []).includes(key)).map((s) => s.label);

  const drawing = svg('svg', {
    class: 'of-process-flow', role: 'img', viewBox: `0 0 ${width} ${height}`, width, height,
    'aria-labelledby': `${titleId} ${descId}`, focusable: 'false',
  },
  svg('title', { id: titleId }, options.title || `The flow of “${map.name}”`),
  svg('desc', { id: descId }, describe(map)),
  svg('defs', {},
    svg('marker', { id: `${titleId}-arrow`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
      svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'of-process-arrowhead' }))),
  svg('text', { class: 'of-process-column-title', x: LEFT, y: 16 }, 'Steps in order'),
  side.length ? svg('text', { class: 'of-process-column-title', x: sideX, y: 16 }, 'Interruptions') : null,
  arrows.map((a) => svg('line', {
    class: 'of-process-arrow', x1: cx, y1: y(a.from) + BOX_H, x2: cx, y2: y(a.to) - 2, 'marker-end': `url(#${titleId}-arrow)`,
  })),
  lines.map((l) => {
    const x = LEFT + BOX_W + 16 + l.lane * LANE;
    const y1 = y(l.from) + (l.back ? BOX_H * 0.7 : BOX_H * 0.35);
    const y2 = y(l.to) + (l.back ? BOX_H * 0.35 : BOX_H * 0.7);
    return svg('path', {
      class: `of-process-line${l.back ? ' of-process-line--back' : ''}`,
      d: `M${LEFT + BOX_W},${y1} H${x} V${y2} H${LEFT + BOX_W + 2}`, 'marker-end': `url(#${titleId}-arrow)`,
    });
  }),
  main.map((s, i) => box(s, LEFT, y(i), { staff, start: s.key === map.start_step, open: counts[s.key], changed: (options.changed || new Set()).has(s.key) })),
  side.map((s, i) => {
    const from = reachedFrom(s.key);
    return box(s, sideX, y(i) + 0, {
      staff, start: s.key === map.start_step, open: counts[s.key], changed: (options.changed || new Set()).has(s.key),
      extra: from.length ? `from ${from.length === 1 ? from[0] : `${from.length} steps`}` : 'not reached from any step',
    });
  }));

  return el('figure', { class: 'of-process-figure' }, drawing,
    el('figcaption', { class: 'of-process-legend' },
      'Straight arrows lead to the step that follows. Lines on the right lead to other next steps; dashed lines go back to an earlier step. ',
      'End steps have a double border. Interruptions can be entered from the steps named in each box.'));
}

/** The flow in one paragraph of words (the drawing's text alternative). */
function describe(map) {
  const label = (key) => (map.steps.find((s) => s.key === key) || { label: key }).label;
  const parts = map.steps.map((s) => (isEnd(s)
    ? `${s.label} is an end step.`
    : `${s.label} leads to ${listWords(s.next.map(label), 'or')}.`));
  return `Orders start at ${label(map.start_step)}. ${parts.join(' ')}`;
}

export { flowDiagram, describe };
