/* Quotes: `#/quotes?status=&cursor=` is the list by status (views/quotes-list.js);
 * `#/quotes/{id}` is one quote (views/quote-page.js): its lines, totals, history and, while it is
 * a draft, the editor (views/quote-edit.js) and Send. The list keeps its state while only its
 * filter or page changes (update); a quote's page is mounted afresh for each quote. */

import { quotesList } from './quotes-list.js';
import { quotePage } from './quote-page.js';

function mount(root, ctx) {
  return ctx.parts[0] ? quotePage(root, ctx, ctx.parts[0]) : quotesList(root, ctx);
}

function update(ctx, view) {
  if (ctx.parts[0] || !view || view.kind !== 'quotes-list') return false;
  view.update(ctx);
  return true;
}

export { mount, update };
