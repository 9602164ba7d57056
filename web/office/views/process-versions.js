/* The versions of the process map (#/process/versions?from=A&to=B): every published version with
 * when, by whom and why (its note) and how many orders are still open on it; and a side-by-side
 * comparison of any two (views/process-diff.js), with both flows drawn and the changed steps
 * marked. Choosing another pair keeps the page (update) and moves the focus to the comparison.
 * The versions are those of one kind of work's map (`?kind=`, views/process-kinds.js). */

import { api } from '../api.js';
import { el, fill, say, alertBox, button, focusOn } from '../dom.js';
import { dateTime } from '../format.js';
import { flowDiagram } from './process-flow.js';
import { diffTable } from './process-diff.js';
import { loadStaff, ordersWord } from './process-common.js';
import { kindOf, withKind, loadKinds, labelOfKind, kindPicker, chooseKind } from './process-kinds.js';

async function mountVersions(root, ctx) {
  const heading = el('h1', { class: 'of-title' }, 'Versions of the process map');
  const kind = kindOf(ctx.query);
  const [{ data: listing }, staff, kinds] = await Promise.all([api(withKind('/workflow/versions', kind)), loadStaff(), loadKinds()]);
  const versions = listing.versions;
  const numbers = versions.map((v) => v.version);
  const maps = new Map(); // version -> its map, fetched once
  const compareSection = el('section', { class: 'of-section of-card', 'aria-labelledby': 'of-pv-compare' });
  const result = el('div', { class: 'of-process-compare-result' });
  const fromSelect = el('select', { class: 'of-select', id: 'of-pv-from' });
  const toSelect = el('select', { class: 'of-select', id: 'of-pv-to' });
  const published = Number(ctx.query.get('published'));
  const publishedRow = versions.find((v) => v.version === published);

  const choose = (query) => {
    const pick = (name, fallback) => {
      const n = Number(query.get(name));
      return numbers.includes(n) ? n : fallback;
    };
    const to = pick('to', numbers[0]);
    const from = pick('from', numbers.find((n) => n < to) || numbers[numbers.length - 1]);
    return { from, to };
  };

  const mapOf = async (n) => {
    if (!maps.has(n)) maps.set(n, (await api(withKind(`/workflow/versions/${n}`, kind))).data);
    return maps.get(n);
  };

  async function showComparison(pair, focus) {
    fromSelect.value = String(pair.from);
    toSelect.value = String(pair.to);
    fill(result, el('p', { class: 'of-loading' }, 'Loading the two versions…'));
    let a; let b;
    try {
      [a, b] = await Promise.all([mapOf(pair.from), mapOf(pair.to)]);
    } catch (error) {
      fill(result, alertBox('error', 'The versions could not be loaded', error.message,
        button('Try again', () => showComparison(pair, true))));
      return;
    }
    const title = el('h3', { class: 'of-heading', id: 'of-pv-result-title', tabindex: '-1' },
      pair.from === pair.to ? `Version ${pair.from} (the same version on both sides)` : `Version ${pair.from} compared with version ${pair.to}`);
    const { diff, element } = diffTable(a, b, staff);
    const changedIn = (side) => new Set(diff.rows.filter((r) => r.status !== 'unchanged' && r[side]).map((r) => r[side].key));
    fill(result, title, element,
      el('details', { class: 'of-process-compare-flows' },
        el('summary', {}, 'Both flows, side by side'),
        el('div', { class: 'of-grid-2' },
          el('div', {}, el('h4', { class: 'of-process-flow-title' }, `Version ${a.version}`),
            flowDiagram(a, staff, { title: `The flow of version ${a.version}`, changed: changedIn('before') })),
          el('div', {}, el('h4', { class: 'of-process-flow-title' }, `Version ${b.version}`),
            flowDiagram(b, staff, { title: `The flow of version ${b.version}`, changed: changedIn('after') })))));
    const c = diff.counts;
    say(`Version ${pair.from} compared with version ${pair.to}: ${c.added} added, ${c.removed} removed, ${c.renamed} renamed, ${c.changed} changed.`);
    if (focus) focusOn(title, true);
  }

  const options = (select) => fill(select, versions.map((v) => el('option', { value: v.version },
    `Version ${v.version}${v.version === listing.current_version ? ' (current)' : ''}`)));
  options(fromSelect);
  options(toSelect);

  const table = el('table', { class: 'of-table of-process-versions' },
    el('caption', { class: 'of-visually-hidden' }, 'Every published version, newest first'),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col' }, 'Version'), el('th', { scope: 'col' }, 'Published'), el('th', { scope: 'col' }, 'By'),
      el('th', { scope: 'col' }, 'Why'), el('th', { scope: 'col', class: 'of-num' }, 'Steps'),
      el('th', { scope: 'col', class: 'of-num' }, 'Open orders'))),
    el('tbody', {}, versions.map((v) => el('tr', { 'data-version': v.version, class: v.version === published ? 'of-process-versions-new' : null },
      el('th', { scope: 'row' }, `Version ${v.version}`, v.version === listing.current_version ? el('span', { class: 'of-chip of-process-tag' }, 'current') : null),
      el('td', {}, dateTime(v.published_at)),
      el('td', {}, v.published_by_name || v.published_by || '–'),
      el('td', { class: 'of-process-versions-note' }, v.note || el('span', { class: 'of-muted' }, 'No note (set up by the system)')),
      el('td', { class: 'of-num' }, String(v.steps)),
      el('td', { class: 'of-num' }, String(v.open_orders))))));

  fill(compareSection,
    el('h2', { class: 'of-heading', id: 'of-pv-compare' }, 'Compare two versions'),
    versions.length < 2 ? el('p', { class: 'of-muted' }, 'There is only one version so far; publish another to compare them.') : null,
    el('form', { class: 'of-toolbar', onsubmit: (e) => {
      e.preventDefault();
      ctx.go(withKind('#/process/versions', kind, { from: fromSelect.value, to: toSelect.value }));
    } },
    el('div', { class: 'of-field' }, el('label', { class: 'of-label', for: 'of-pv-from' }, 'Version'), fromSelect),
    el('div', { class: 'of-field' }, el('label', { class: 'of-label', for: 'of-pv-to' }, 'compared with version'), toSelect),
    button('Compare', null, { type: 'submit' })),
    result);

  fill(root,
    el('div', { class: 'of-screen-head' },
      el('div', {}, heading, el('p', { class: 'of-subtitle' },
        `${labelOfKind(kinds, kind)}: ${versions.length} version${versions.length === 1 ? '' : 's'}; ${ordersWord(listing.open_orders)} in all. An order keeps the version it started on until it ends.`)),
      el('div', { class: 'of-toolbar' },
        kindPicker(kinds, kind, chooseKind(ctx, '/versions')),
        el('a', { class: 'of-button of-button--secondary', href: withKind('#/process', kind) }, 'The current map'),
        ctx.user.role === 'admin' ? el('a', { class: 'of-button', href: withKind('#/process/edit', kind) }, 'Edit the map') : null)),
    publishedRow ? alertBox('success', `Version ${published} is published`,
      `New orders follow it from now on. Why: ${publishedRow.note || '–'}`) : null,
    el('section', { class: 'of-card', 'aria-labelledby': 'of-pv-list' },
      el('h2', { class: 'of-heading', id: 'of-pv-list' }, 'All versions'), el('div', { class: 'of-table-wrap' }, table)),
    compareSection);

  let pair = choose(ctx.query);
  await showComparison(pair, false);
  return {
    title: 'Versions of the process map',
    heading,
    update(next) {
      const again = choose(next.query);
      if (next.query.get('published')) return false; // a new publication: the whole page afresh
      if (kindOf(next.query) !== kind) return false; // another kind's versions
      if (again.from !== pair.from || again.to !== pair.to) { pair = again; showComparison(pair, true); }
      return true;
    },
  };
}

export { mountVersions };
