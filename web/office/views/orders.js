/* Orders: `#/orders` is the searchable, filterable list (views/orders-list.js); `#/orders/{id}`
 * is an order's page (views/order-page.js), the page the digest and alert emails link to. The
 * list keeps its state while only its filters or page change (update); the page is mounted
 * afresh for each order. */

import { listScreen } from './orders-list.js';
import { orderPage } from './order-page.js';

function mount(root, ctx) {
  return ctx.parts[0] ? orderPage(root, ctx, ctx.parts[0]) : listScreen(root, ctx);
}

function update(ctx, view) {
  if (ctx.parts[0] || !view || view.kind !== 'list') return false;
  view.update(ctx);
  return true;
}

export { mount, update };
