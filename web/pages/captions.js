// Captions: many photos -> a table of name, grade, description and
// attributes, editable; new title / description per row; CSV in the
// original's layout (display_name,generated_name,quality,description,attributes,prompt).
import { api, dropZone, el, errorBox, img, input, saveBlob, select, thumbPath, websites } from '../lib.js';

const COLUMNS = ['display_name', 'generated_name', 'quality', 'description', 'attributes', 'prompt'];

function csvCell(v) {
  const s = Array.isArray(v) ? v.join(', ') : String(v ?? '');
  return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}
export function toCsv(rows) {
  return [COLUMNS.join(','), ...rows.map((r) => COLUMNS.map((c) => csvCell(r[c])).join(','))].join('\r\n') + '\r\n';
}

function cell(label, child) { return el('td', { 'data-label': label }, child); }

function row(r, box, style) {
  const n = r.display_name;
  const name = el('input', { type: 'text', value: r.generated_name, 'aria-label': 'Name of ' + n });
  const grade = el('select', { 'aria-label': 'Grade of ' + n },
    ['A', 'B', 'C'].map((g) => el('option', { selected: g === r.quality }, g)));
  const desc = el('textarea', { 'aria-label': 'Description of ' + n }, r.description);
  const attrs = el('input', { type: 'text', value: r.attributes.join(', '), 'aria-label': 'Attributes of ' + n });
  const sync = () => Object.assign(r, { generated_name: name.value, quality: grade.value,
    description: desc.value, attributes: attrs.value.split(',').map((s) => s.trim()).filter(Boolean) });
  [name, grade, desc, attrs].forEach((x) => x.addEventListener('input', sync));
  const call = (path, fields, target) => async (e) => {
    const f = new FormData();
    for (const [k, v] of Object.entries(fields())) f.append(k, v);
    e.target.disabled = true; box.show();
    try { target.value = await api(path, { method: 'POST', form: f }); sync(); }
    catch (err) { box.show(err); } finally { e.target.disabled = false; }
  };
  const newTitle = el('button', { class: 'secondary', onclick: call('/regenerate_title', () => ({
    previous_title: name.value, color: r.color || '', attributes: attrs.value }), name) }, 'New title');
  const newDesc = el('button', { class: 'secondary', onclick: call('/regenerate', () => ({
    previous_prompt: desc.value, style: style.value }), desc) }, 'New description');
  return el('tr', {}, cell('Photo', img(thumbPath(r.s3_url, 128), n, 'thumb small')),
    cell('File', n), cell('Name', name), cell('Grade', grade), cell('Description', desc),
    cell('Attributes', attrs), cell('Actions', el('div', { class: 'row' }, newTitle, newDesc)));
}

export function render(root) {
  const rows = [];
  const box = errorBox();
  const [typeLabel, type] = input('type', 'Product type', { value: 'earrings', required: true });
  const [siteLabel, site] = select('website', 'Website', websites, 'alya');
  const [styleLabel, style] = select('style', 'Style for new descriptions',
    [['elegant', 'Elegant'], ['playful', 'Playful'], ['minimal', 'Minimal'], ['luxurious', 'Luxurious']], 'elegant');
  const files = el('input', { type: 'file', accept: 'image/*', multiple: true, name: 'photos' });
  const zone = dropZone(files, 'Choose photos');
  const body = el('tbody');
  const notes = el('ul', { class: 'list', 'aria-live': 'polite' });
  const csv = el('button', { disabled: true, onclick: () =>
    saveBlob(new Blob([toCsv(rows)], { type: 'text/csv' }), 'gemini_output.csv') }, 'Download CSV');
  const table = el('div', { class: 'table-wrap' }, el('table', { class: 'stack' },
    el('thead', {}, el('tr', {}, ['Photo', 'File', 'Name', 'Grade', 'Description', 'Attributes', ''].map(
      (h) => el('th', { scope: 'col', text: h })))), body));
  zone.addEventListener('files', async (e) => {
    for (const file of e.detail) {
      const f = new FormData();
      f.append('file', file); f.append('type', type.value); f.append('website', site.value);
      try {
        const r = await api('/generate_caption', { method: 'POST', form: f });
        if (r.duplicate) { notes.append(el('li', { class: 'item warn', text: `${file.name}: already stored (duplicate); not captioned again` })); continue; }
        rows.push(r); body.append(row(r, box, style)); csv.disabled = false;
      } catch (err) { notes.append(el('li', { class: 'item bad', text: `${file.name}: ${err.message}` })); }
    }
  });
  root.append(el('h1', { text: 'Captions' }),
    el('div', { class: 'card' }, el('div', { class: 'row' }, typeLabel, siteLabel, styleLabel), zone),
    box, notes, table, el('p', {}, csv));
}
