// Market watch: the watch list (GET /watch), adding a product × search query
// (POST /watch), observing one now (POST /watch/{id}/refresh), removing one
// (DELETE /watch/{id}), and a watch's organic rank and price history
// (GET /watch/{id}) drawn as an inline SVG chart with a table beside it.
import { api, busy, el, errorBox, input, select } from '../lib.js';

const SVG = 'http://www.w3.org/2000/svg';
const svg = (tag, attrs = {}, ...kids) => {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...kids);
  return e;
};
const price = (p) => (p === null || p === undefined ? '–' : '₹' + Number(p).toLocaleString('en-IN'));
const rankText = (o) => (o.position_on_page ? `page ${o.page}, #${o.position_on_page}` : '–');

// One line of points (null values skipped) scaled into the box; a higher
// rank (a smaller number) is drawn higher when invert is set.
function line(values, box, invert, cls) {
  const pts = values.map((v, i) => [i, v]).filter(([, v]) => v !== null && v !== undefined);
  if (!pts.length) return null;
  const lo = Math.min(...pts.map(([, v]) => v)), hi = Math.max(...pts.map(([, v]) => v));
  const n = Math.max(values.length - 1, 1);
  const xy = pts.map(([i, v]) => {
    const t = hi === lo ? 0.5 : (v - lo) / (hi - lo);
    return [box.x + (box.w * i) / n, box.y + box.h * (invert ? t : 1 - t)];
  });
  return svg('g', { class: cls },
    svg('polyline', { points: xy.map((p) => p.join(',')).join(' '), fill: 'none', 'stroke-width': 2 }),
    ...xy.map(([x, y]) => svg('circle', { cx: x, cy: y, r: 3 })));
}

// The history (oldest first) as a chart: rank (overall position across pages) and price.
export function chart(history) {
  const h = [...history].reverse();
  const overall = h.map((o) => (o.position_on_page ? (o.page - 1) * 100 + o.position_on_page : null));
  // rank in the upper band, price in the lower one, so equal lines never hide each other
  const label = `Rank and price over ${h.length} observation${h.length === 1 ? '' : 's'}`;
  const g = svg('svg', { viewBox: '0 0 600 180', role: 'img', 'aria-label': label, class: 'chart' },
    svg('title', {}, label),
    svg('rect', { x: 0, y: 0, width: 600, height: 180, fill: 'none', class: 'frame' }),
    svg('line', { x1: 0, y1: 90, x2: 600, y2: 90, class: 'frame' }));
  for (const l of [line(overall, { x: 10, y: 12, w: 580, h: 66 }, true, 'rank'),
    line(h.map((o) => o.price), { x: 10, y: 102, w: 580, h: 66 }, false, 'price')])
    if (l) g.append(l);
  return el('figure', { class: 'card' }, g,
    el('figcaption', {}, el('span', { class: 'key rank', text: 'Rank, above (higher is better)' }), ' ',
      el('span', { class: 'key price', text: 'Price, below' })));
}

function historyTable(history) {
  return el('div', { class: 'table-wrap' }, el('table', { class: 'stack' },
    el('caption', { class: 'sr', text: 'Observations' }),
    el('thead', {}, el('tr', {}, ['When', 'Rank', 'Ad slot', 'Price', 'Offers', 'Problem'].map((t) => el('th', { scope: 'col' }, t)))),
    el('tbody', {}, history.map((o) => el('tr', {},
      el('td', { 'data-label': 'When', text: o.at.replace('T', ' ').slice(0, 16) }),
      el('td', { 'data-label': 'Rank', text: rankText(o) }),
      el('td', { 'data-label': 'Ad slot', text: o.sponsored_position ?? '–' }),
      el('td', { 'data-label': 'Price', text: price(o.price) }),
      el('td', { 'data-label': 'Offers', text: o.offers ?? '–' }),
      el('td', { 'data-label': 'Problem', text: o.error || '' }))))));
}

export function render(root) {
  const box = errorBox();
  const status = el('p', { 'aria-live': 'polite' });
  const list = el('div');
  const detail = el('section', { 'aria-label': 'History' });
  const [mLabel, market] = select('marketplace', 'Marketplace', [['amazon', 'Amazon.in'], ['flipkart', 'Flipkart'], ['myntra', 'Myntra']], 'amazon');
  const [iLabel, item] = input('item', 'ASIN or item id', { required: true, maxlength: 63, pattern: '[A-Za-z0-9_\\-]+' });
  const [qLabel, query] = input('search_query', 'Search query (optional)', { maxlength: 200 });
  const add = el('button', { type: 'submit' }, 'Watch');

  const show = async (w) => {
    const r = await api('/watch/' + w.id);
    detail.replaceChildren(el('h2', { text: `${r.watch.item} on ${r.watch.marketplace}` + (r.watch.search_query ? ` for “${r.watch.search_query}”` : '') }),
      r.history.length ? chart(r.history) : el('p', { class: 'muted', text: 'No observations yet: observe it now, or let `karat watch run` or KARAT_WATCH_INTERVAL do it.' }),
      r.history.length ? historyTable(r.history) : '');
  };
  const row = (w) => el('tr', {},
    el('td', { 'data-label': 'Product', text: w.item }), el('td', { 'data-label': 'Marketplace', text: w.marketplace }),
    el('td', { 'data-label': 'Query', text: w.search_query || '' }),
    el('td', { 'data-label': 'Rank', text: w.latest ? rankText(w.latest) : '–' }),
    el('td', { 'data-label': 'Price', text: w.latest ? price(w.latest.price) : '–' }),
    el('td', { 'data-label': 'Actions' },
      el('button', { type: 'button', class: 'secondary', 'aria-label': 'History of ' + w.item, onclick: (e) => busy(e.target, box, () => show(w)) }, 'History'), ' ',
      el('button', { type: 'button', class: 'secondary', 'aria-label': 'Observe ' + w.item + ' now',
        onclick: (e) => busy(e.target, box, async () => {
          await api(`/watch/${w.id}/refresh`, { method: 'POST' });
          status.textContent = `Observed ${w.item}.`;
          await load(); await show(w);
        }) }, 'Observe now'), ' ',
      el('button', { type: 'button', class: 'secondary', 'aria-label': 'Stop watching ' + w.item,
        onclick: (e) => busy(e.target, box, async () => {
          await api('/watch/' + w.id, { method: 'DELETE' });
          status.textContent = `Stopped watching ${w.item}.`;
          detail.replaceChildren();
          await load();
        }) }, 'Remove')));
  const load = async () => {
    const r = await api('/watch');
    list.replaceChildren(r.watches.length ? el('div', { class: 'table-wrap' }, el('table', { class: 'stack' },
      el('caption', { class: 'sr', text: 'Watched products' }),
      el('thead', {}, el('tr', {}, ['Product', 'Marketplace', 'Query', 'Rank', 'Price', ''].map((t) =>
        el('th', { scope: 'col' }, t || el('span', { class: 'sr', text: 'Actions' }))))),
      el('tbody', {}, r.watches.map(row)))) : el('p', { class: 'muted', text: 'Nothing watched yet.' }));
  };
  const form = el('form', { class: 'card', 'aria-label': 'Watch a product' },
    el('div', { class: 'row' }, mLabel, iLabel, qLabel), el('p', {}, add));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(add, box, async () => {
      const w = await api('/watch', { method: 'POST', json: { marketplace: market.value, item: item.value.trim(), search_query: query.value.trim() } });
      status.textContent = `Watching ${w.item}.`;
      item.value = ''; query.value = '';
      await load();
    });
  });
  root.append(el('h1', { text: 'Market watch' }),
    el('p', { class: 'muted', text: 'Organic search rank, ad slot, price and offers of products on Amazon.in, Flipkart and Myntra, over time.' }),
    form, box, status, list, detail);
  busy(add, box, load);
}
