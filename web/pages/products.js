// Products: the store's products, filtered (words, category, colour, price)
// and paged (GET /products), imported from a CSV or JSON file
// (POST /products/import), deleted one by one (DELETE /products/{id}).
import { api, busy, el, errorBox, input } from '../lib.js';

const PAGE = 10;

function price(p) { return p === null || p === undefined ? '' : '₹' + Number(p).toLocaleString('en-IN'); }

function table(products, remove) {
  if (!products.length) return el('p', { class: 'muted', text: 'No products match.' });
  const rows = products.map((p) => el('tr', {},
    el('td', { 'data-label': 'ID', text: p.id }), el('td', { 'data-label': 'Name', text: p.name || '' }),
    el('td', { 'data-label': 'Category', text: p.category || '' }), el('td', { 'data-label': 'Colour', text: p.colour || '' }),
    el('td', { 'data-label': 'Price', text: price(p.price) }),
    el('td', { 'data-label': 'Created', text: (p.created_at || '').slice(0, 10) }),
    el('td', { 'data-label': 'Actions' }, el('button', { type: 'button', class: 'secondary',
      'aria-label': 'Delete ' + (p.name || p.id), onclick: (e) => remove(p, e.target) }, 'Delete'))));
  return el('div', { class: 'table-wrap' }, el('table', { class: 'stack' },
    el('caption', { class: 'sr', text: 'Products' }),
    el('thead', {}, el('tr', {}, ['ID', 'Name', 'Category', 'Colour', 'Price', 'Created', ''].map((h) =>
      el('th', { scope: 'col' }, h || el('span', { class: 'sr', text: 'Actions' }))))),
    el('tbody', {}, rows)));
}

export function render(root) {
  const box = errorBox();
  const status = el('p', { 'aria-live': 'polite' });
  const list = el('div');
  const [qLabel, q] = input('q', 'Words');
  const [cLabel, category] = input('category', 'Category');
  const [kLabel, colour] = input('colour', 'Colour');
  const [minLabel, min] = input('min_price', 'Min price', { type: 'number', min: 0, step: 'any' });
  const [maxLabel, max] = input('max_price', 'Max price', { type: 'number', min: 0, step: 'any' });
  const show = el('button', { type: 'submit' }, 'Show');
  const prev = el('button', { type: 'button', class: 'secondary' }, 'Previous');
  const next = el('button', { type: 'button', class: 'secondary' }, 'Next');
  const where = el('span', { class: 'muted' });
  let offset = 0;

  const load = async () => {
    const p = new URLSearchParams({ limit: PAGE, offset });
    for (const [k, i] of [['q', q], ['category', category], ['colour', colour], ['min_price', min], ['max_price', max]])
      if (i.value.trim()) p.set(k, i.value.trim());
    const r = await api('/products?' + p);
    if (!r.products.length && offset > 0) { offset = Math.max(0, offset - PAGE); return load(); }
    list.replaceChildren(table(r.products, remove));
    where.textContent = r.products.length ? `Products ${offset + 1}–${offset + r.products.length}` : '';
    prev.disabled = offset === 0;
    next.disabled = r.next_offset === null || r.next_offset === undefined;
    next.dataset.offset = r.next_offset ?? '';
  };
  const remove = (p, button) => busy(button, box, async () => {
    await api('/products/' + encodeURIComponent(p.id), { method: 'DELETE' });
    status.textContent = `Deleted ${p.name || p.id}.`;
    await load();
  });
  prev.addEventListener('click', () => busy(prev, box, () => { offset = Math.max(0, offset - PAGE); return load(); }));
  next.addEventListener('click', () => busy(next, box, () => { offset = Number(next.dataset.offset); return load(); }));

  const form = el('form', { class: 'card', role: 'search', 'aria-label': 'Product filters' },
    el('div', { class: 'row' }, qLabel, cLabel, kLabel, minLabel, maxLabel), el('p', {}, show));
  form.addEventListener('submit', (e) => { e.preventDefault(); offset = 0; busy(show, box, load); });

  const file = el('input', { type: 'file', name: 'import', accept: '.csv,.json,text/csv,application/json' });
  file.addEventListener('change', () => {
    if (!file.files[0]) return;
    busy(file, box, async () => {
      const f = new FormData();
      f.append('file', file.files[0]);
      const r = await api('/products/import', { method: 'POST', form: f });
      status.textContent = `Imported ${r.imported} product${r.imported === 1 ? '' : 's'} from ${file.files[0].name}.`;
      file.value = '';
      offset = 0;
      await load();
    });
  });
  const importer = el('div', { class: 'card' }, el('h2', { text: 'Import' }),
    el('label', {}, 'Products file (CSV or JSON)', file),
    el('p', { class: 'muted', text: 'CSV columns: id, sku, name, description, attributes, colour, category, price, created_at, photo_ids. Rows with a known id are updated.' }));

  root.append(el('h1', { text: 'Products' }), form, importer, box, status, list,
    el('p', { class: 'row pager' }, prev, next, where));
  busy(show, box, load);
}
