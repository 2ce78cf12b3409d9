// Catalog builder: marketplace + type, photos (SKUs typed or from file
// names), optional variations, the seller's template; the job's progress
// from /jobs/{id} (resumed after a reload), per-row warnings, downloads.
import { api, busy, download, el, errorBox, input, jobs, select } from '../lib.js';

const MARKETS = [['amazon', 'Amazon'], ['flipkart', 'Flipkart'], ['meesho', 'Meesho'], ['shopsy', 'Shopsy']];
const TYPES = [['earrings', 'Earrings'], ['necklace', 'Necklace'], ['bracelet', 'Bracelet']];

function template(market, type, box) {
  const info = el('p', { class: 'muted', 'aria-live': 'polite' });
  const file = el('input', { type: 'file', name: 'template', accept: '.xlsx' });
  const show = async () => {
    try {
      const t = await api(`/templates/${market.value}/${type.value}`);
      info.textContent = `Template: ${t.filename} (${t.bytes} bytes)`;
    } catch (e) { info.textContent = e.status === 404 ? 'No template stored: the marketplace layout is used.' : e.message; }
  };
  file.addEventListener('change', async () => {
    const f = new FormData();
    f.append('file', file.files[0]);
    try { await api(`/templates/${market.value}/${type.value}`, { method: 'POST', form: f }); show(); }
    catch (e) { box.show(e); }
  });
  market.addEventListener('change', show); type.addEventListener('change', show);
  show();
  return el('div', { class: 'row' }, el('label', {}, 'Seller template (.xlsx)', file), info);
}

function results(job, out) {
  const r = job.result || {};
  const rows = (r.results || []).map((x) => {
    const a = x.attributes || {};
    const warn = (x.warnings || []).map((w) => `${w.column}: ${w.problem}${w.value ? ' (' + w.value + ')' : ''}`);
    return el('tr', {}, el('td', { 'data-label': 'SKU', text: a.item_sku || a.skuid || a['Seller SKU ID'] || '' }),
      el('td', { 'data-label': 'Title', text: a.item_name || a['Product Name'] || a.description || '' }),
      el('td', { 'data-label': 'Warnings', class: x.error ? 'bad' : 'warn',
        text: x.error ? x.error.message : warn.join('; ') || 'none' }));
  });
  const dl = [];
  if (job.excel_file) dl.push(el('button', { onclick: () => download(job.excel_file) }, 'Download xlsx'));
  if (job.csv_file) dl.push(el('button', { class: 'secondary', onclick: () => download(job.csv_file) }, 'Download CSV'));
  out.replaceChildren(el('div', { class: 'table-wrap' }, el('table', { class: 'stack' },
    el('thead', {}, el('tr', {}, ['SKU', 'Title', 'Warnings'].map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, rows))), el('p', { class: 'row' }, dl));
}

async function follow(id, progress, label, out, box) {
  for (;;) {
    let j;
    try { j = await api('/jobs/' + encodeURIComponent(id)); } catch (e) { box.show(e); return; }
    progress.max = j.total || 1; progress.value = j.done || 0;
    label.textContent = `Job ${id.slice(0, 8)}: ${j.status}, ${j.done}/${j.total} photos` + (j.failed ? `, ${j.failed} failed` : '');
    if (j.status === 'done' || j.status === 'failed') {
      if (j.status === 'failed' && j.error) box.show({ message: j.error.message || JSON.stringify(j.error), code: j.error.code });
      results(j, out);
      return;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function split(s) { return s.split(/[\n,]/).map((x) => x.trim()).filter(Boolean); }

export function render(root) {
  const box = errorBox();
  const [mLabel, market] = select('marketplace', 'Marketplace', MARKETS, 'amazon');
  const [tLabel, type] = select('type', 'Product type', TYPES, 'earrings');
  const files = el('input', { type: 'file', name: 'photos', accept: 'image/*', multiple: true });
  const urls = el('textarea', { name: 'image_urls', placeholder: 'or Karat photo URLs, one per line' });
  const skus = el('textarea', { name: 'skuids', placeholder: 'empty: file names' });
  const vary = el('input', { type: 'checkbox', name: 'variations' });
  const [gLabel, groups] = input('group_sizes', 'Group sizes', { placeholder: '2,3' });
  const [cLabel, cats] = input('variations_category', 'Variation per group', { placeholder: 'color,size' });
  const [sLabel, sizes] = input('size_available', 'Sizes', { placeholder: 'S,M,L' });
  const progress = el('progress', { max: 1, value: 0, 'aria-label': 'Job progress' });
  const label = el('p', { 'aria-live': 'polite' });
  const out = el('div');
  const go = el('button', { type: 'submit' }, 'Build sheet');
  const form = el('form', { class: 'card' },
    el('div', { class: 'row' }, mLabel, tLabel),
    el('div', { class: 'row' }, el('label', {}, 'Photos', files), el('label', { class: 'grow' }, 'Photo URLs', urls)),
    el('label', {}, 'SKUs (one per photo, in order)', skus),
    el('label', { class: 'inline' }, vary, 'Variation families (colour / size)'),
    el('div', { class: 'row' }, gLabel, cLabel, sLabel),
    template(market, type, box), el('p', {}, go));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(go, box, async () => {
      const f = new FormData();
      for (const file of files.files) f.append('files', file);
      const fields = { type: type.value, marketplace: market.value, image_urls: split(urls.value).join(','),
        skuids: split(skus.value).join(',') };
      if (vary.checked) Object.assign(fields, { group_sizes: groups.value, variations_category: cats.value, size_available: sizes.value });
      for (const [k, v] of Object.entries(fields)) if (v) f.append(k, v);
      const path = (vary.checked ? '/catalog_ai_variations' : '/catalog-ai') + '?async=1';
      const r = await api(path, { method: 'POST', form: f });
      const id = r.job_id;
      jobs.add({ id, kind: 'catalog', marketplace: market.value, at: Date.now() });
      await follow(id, progress, label, out, box);
    });
  });
  root.append(el('h1', { text: 'Catalog builder' }), form, box, progress, label, out);
  const last = jobs.list().find((j) => j.kind === 'catalog');
  if (last) follow(last.id, progress, label, out, box);
}
