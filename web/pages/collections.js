// Collections: filters, styles (every name from GET /collections/styles,
// several may be chosen) and notes -> POST /semantic_filter_jewelry/; the
// chosen pieces (GET /collections/{id}) with thumbnails, the title and
// description, and the CSV export for social posts.
import { api, busy, download, el, errorBox, img, input, thumbPath } from '../lib.js';

function piece(item, n) {
  const url = (item.image_urls || [])[0];
  const name = item.name || item.id;
  return el('li', { class: 'tile' },
    url ? img(thumbPath(url), name) : el('div', { class: 'thumb', role: 'img', 'aria-label': name + ' (no photo)' }),
    el('strong', { text: `${n + 1}. ${name}` }),
    el('span', { class: 'muted', text: [item.category, item.colour, item.price != null ? '₹' + item.price : null]
      .filter(Boolean).join(' · ') }),
    el('span', { class: 'muted', text: 'ID ' + item.id }));
}

function result(c) {
  const id = c.id;
  return el('section', { class: 'card', 'aria-labelledby': 'collection-title' },
    el('h2', { id: 'collection-title', text: c.collection_title }),
    el('p', { text: c.collection_description }),
    el('ul', { class: 'grid list-reset' }, (c.items || []).map(piece)),
    el('p', { class: 'row' }, el('button', { type: 'button', onclick: () => download(`/collections/${encodeURIComponent(id)}/csv`, `collection-${id}.csv`) },
      'Download CSV'), el('span', { class: 'muted', text: 'Collection ' + id })));
}

function number(v) { return v.trim() === '' ? undefined : Number(v); }

export async function render(root) {
  const box = errorBox();
  const out = el('div', { 'aria-live': 'polite' });
  const [sizeLabel, size] = input('collection_size', 'Pieces', { type: 'number', min: 1, max: 100, value: 5, required: true });
  const [cLabel, category] = input('category', 'Category', { placeholder: 'earrings' });
  const [kLabel, colour] = input('color', 'Colour', { placeholder: 'gold' });
  const [pLabel, from] = input('start_price', 'Min price', { type: 'number', min: 0, step: 'any' });
  const [qLabel, to] = input('end_price', 'Max price', { type: 'number', min: 0, step: 'any' });
  const [dLabel, since] = input('start_date', 'Added from', { type: 'date' });
  const [eLabel, until] = input('end_date', 'Added until', { type: 'date' });
  const [aLabel, audience] = input('target_audience', 'Audience', { placeholder: 'college women' });
  const [mLabel, notes] = input('manual_prompt', 'Notes', { placeholder: 'festive, light' });
  const [xLabel, extra] = input('extra_jwellery', 'Always include (product ids)', { placeholder: '101, 102' });
  const styles = el('select', { name: 'styles', multiple: true, size: 8 });
  const go = el('button', { type: 'submit' }, 'Make collection');
  const form = el('form', { class: 'card' },
    el('div', { class: 'row' }, sizeLabel, cLabel, kLabel, pLabel, qLabel, dLabel, eLabel),
    el('div', { class: 'row' }, el('label', { class: 'grow' }, 'Styles (choose any; Ctrl or ⌘ for several)', styles),
      el('div', { class: 'grow' }, aLabel, mLabel, xLabel)),
    el('p', {}, go));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(go, box, async () => {
      const needs = { collection_size: Number(size.value), color: colour.value.trim(), category: category.value.trim(),
        category_description: [...styles.selectedOptions].map((o) => o.value), target_audience: audience.value.trim(),
        manual_prompt: notes.value.trim(), start_price: number(from.value), end_price: number(to.value),
        start_date: since.value || undefined, end_date: until.value || undefined,
        extra_jwellery: extra.value.split(/[\s,]+/).filter(Boolean) };
      const r = await api('/semantic_filter_jewelry/', { method: 'POST', json: { user_needs: needs } });
      out.replaceChildren(result(await api('/collections/' + encodeURIComponent(r.collection_id))));
    });
  });
  root.append(el('h1', { text: 'Collections' }), form, box, out);
  try {
    const r = await api('/collections/styles');
    styles.replaceChildren(...r.styles.map((s) => el('option', { value: s.name, title: s.description }, s.name)));
  } catch (e) { box.show(e); }
}
