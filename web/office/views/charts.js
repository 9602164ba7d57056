/* Small charts drawn as inline SVG, no library: horizontal bar charts with one or more series
 * per row, an optional reference line (an SLA, 100 %), tick marks and value labels.
 *
 * Every chart is an accessible image: <svg role="img"> labelled by its <title> and described by
 * its <desc> (a summary in words), and figure() puts the same numbers beside it as a real table
 * (in a <details>), so nothing is only in the picture. Colours are never the only signal: every
 * bar carries its value as text and the series are named in a legend. */

import { el, uid } from '../dom.js';

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'text') node.textContent = value;
    else node.setAttribute(key, String(value));
  }
  children.flat().forEach((c) => { if (c) node.appendChild(c instanceof Node ? c : document.createTextNode(String(c))); });
  return node;
}

/**
 * barChart({title, description, width, labelWidth, max, ticks, reference, series, rows})
 *   series: [{key, label, className}]           one bar per series and row, in this order
 *   rows: [{label, note, highlight, tag, values: {key: number|null}, texts: {key: string}, empty,
 *           classes: {key: className} (a bar's own colour class, e.g. by how good the value is)}]
 *     values are in the chart's units (0..max; more is drawn to max with an arrow);
 *     `empty` is the text shown instead of bars when the row has no values
 *   ticks: [{value, text}]; reference: {value, text} drawn as a dashed line across every row
 * Returns the <svg> element. */
function barChart(options) {
  const width = options.width || 760;
  const labelWidth = options.labelWidth || 170;
  const valueWidth = options.valueWidth || 150;
  const series = options.series;
  const barHeight = options.barHeight || (series.length > 1 ? 13 : 18);
  const barGap = 3;
  const rowPad = 10;
  const top = 26;
  const rowHeight = series.length * barHeight + (series.length - 1) * barGap + 2 * rowPad;
  const rows = options.rows;
  const height = top + rows.length * rowHeight + 8;
  const plotLeft = labelWidth + 8;
  const plotWidth = width - plotLeft - valueWidth;
  const max = options.max > 0 ? options.max : 1;
  const x = (v) => plotLeft + Math.max(0, Math.min(v, max)) / max * plotWidth;

  const titleId = uid('of-chart-title');
  const descId = uid('of-chart-desc');
  const root = svg('svg', {
    class: 'of-chart', role: 'img', 'aria-labelledby': `${titleId} ${descId}`, width, height,
    viewBox: `0 0 ${width} ${height}`, focusable: 'false',
  }, svg('title', { id: titleId, text: options.title }), svg('desc', { id: descId, text: options.description || '' }));

  // the rows' backgrounds first (the highlighted row stands out), then the grid and the bars
  rows.forEach((row, i) => {
    if (row.highlight) {
      root.appendChild(svg('rect', { class: 'of-chart-highlight', x: 0, y: top + i * rowHeight + 2, width, height: rowHeight - 4, rx: 6 }));
    }
  });
  (options.ticks || []).forEach((tick) => {
    root.appendChild(svg('line', { class: 'of-chart-grid', x1: x(tick.value), x2: x(tick.value), y1: top - 4, y2: height - 6 }));
    root.appendChild(svg('text', { class: 'of-chart-tick', x: x(tick.value), y: top - 10, 'text-anchor': 'middle', text: tick.text }));
  });
  root.appendChild(svg('line', { class: 'of-chart-axis', x1: plotLeft, x2: plotLeft, y1: top - 4, y2: height - 6 }));

  rows.forEach((row, i) => {
    const y0 = top + i * rowHeight;
    const middle = y0 + rowHeight / 2;
    const group = svg('g', { class: `of-chart-row${row.highlight ? ' of-chart-row--highlight' : ''}` });
    const label = svg('text', { class: 'of-chart-label', x: labelWidth, y: row.note ? middle - 2 : middle + 4, 'text-anchor': 'end' },
      row.label);
    group.appendChild(label);
    if (row.note) {
      group.appendChild(svg('text', { class: 'of-chart-note', x: labelWidth, y: middle + 12, 'text-anchor': 'end', text: row.note }));
    }
    const known = series.filter((s) => row.values && row.values[s.key] !== null && row.values[s.key] !== undefined);
    if (!known.length) {
      group.appendChild(svg('text', { class: 'of-chart-empty', x: plotLeft + 8, y: middle + 4, text: row.empty || 'no figures' }));
    }
    series.forEach((s, j) => {
      const value = row.values ? row.values[s.key] : null;
      if (value === null || value === undefined) return;
      const y = y0 + rowPad + j * (barHeight + barGap);
      const end = x(value);
      const w = Math.max(value > 0 ? 2 : 0, end - plotLeft);
      const className = (row.classes && row.classes[s.key]) || s.className || '';
      group.appendChild(svg('rect', { class: `of-chart-bar ${className}`, x: plotLeft, y, width: w, height: barHeight, rx: 2 }));
      if (value > max) { // more than the scale shows: an arrow at the end
        group.appendChild(svg('path', { class: `of-chart-over ${className}`,
          d: `M${end + 1} ${y} l7 ${barHeight / 2} l-7 ${barHeight / 2} z` }));
      }
      const text = row.texts && row.texts[s.key];
      if (text) {
        group.appendChild(svg('text', { class: 'of-chart-value', x: end + (value > max ? 12 : 6), y: y + barHeight / 2 + 4, text }));
      }
    });
    if (row.tag) {
      group.appendChild(svg('text', { class: 'of-chart-tag', x: width - 4, y: y0 + 14, 'text-anchor': 'end', text: row.tag }));
    }
    root.appendChild(group);
  });

  if (options.reference) {
    const rx = x(options.reference.value);
    root.appendChild(svg('line', { class: 'of-chart-reference', x1: rx, x2: rx, y1: top - 4, y2: height - 6 }));
    if (!(options.ticks || []).some((t) => t.value === options.reference.value)) {
      root.appendChild(svg('text', { class: 'of-chart-tick of-chart-tick--reference', x: rx, y: top - 10, 'text-anchor': 'middle',
        text: options.reference.text }));
    }
  }
  return root;
}

/** A legend for the series (and the reference line): HTML, so it wraps and reads as text. */
function legend(series, reference) {
  return el('ul', { class: 'of-chart-legend' },
    series.map((s) => el('li', {}, el('span', { class: `of-chart-swatch ${s.className || ''}`, 'aria-hidden': 'true' }), s.label)),
    reference ? el('li', {}, el('span', { class: 'of-chart-swatch of-chart-swatch--reference', 'aria-hidden': 'true' }), reference) : null);
}

/** table({caption, columns: [{label, numeric}], rows: [[cell...]], highlight: rowIndex -> bool}) */
function table(options) {
  return el('div', { class: 'of-table-wrap' },
    el('table', { class: 'of-table of-chart-table' },
      options.caption ? el('caption', { class: 'of-visually-hidden' }, options.caption) : null,
      el('thead', {}, el('tr', {}, options.columns.map((c) => el('th', { scope: 'col', class: c.numeric ? 'of-num' : null }, c.label)))),
      el('tbody', {}, options.rows.map((cells, i) => el('tr', { class: options.highlight && options.highlight(i) ? 'of-chart-table-highlight' : null },
        cells.map((cell, j) => (j === 0
          ? el('th', { scope: 'row' }, cell)
          : el('td', { class: options.columns[j].numeric ? 'of-num' : null }, cell))))))));
}

/** figure({title, intro, chart, legend, table, open}): a card with the chart, its legend and
 * its numbers as a table (in a <details>, open when asked). */
function figure(options) {
  const headingId = uid('of-figure');
  return el('figure', { class: 'of-card of-chart-figure', 'aria-labelledby': headingId },
    el('h2', { class: 'of-heading', id: headingId }, options.title),
    options.intro ? el('p', { class: 'of-chart-intro' }, options.intro) : null,
    options.legend || null,
    el('div', { class: 'of-chart-scroll' }, options.chart),
    options.table ? el('details', { class: 'of-chart-details', open: options.open ? true : null },
      el('summary', {}, options.tableLabel || 'The numbers as a table'), options.table) : null);
}

export { barChart, legend, table, figure };
