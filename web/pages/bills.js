// Bills: a bill photo or PDF -> the bill beside its table and extras, every
// cell editable, the server's arithmetic warnings on their cells (title =
// the message, listed below too), the OCR readings it corrected marked apart
// (not warnings: title "read as ...", counted separately); column choice and row filter
// (POST /further_req on the document), undo (GET /undo_invoice), save the
// edits as a new version (PUT /documents/{id}), the stored CSV/XLSX files.
import { api, busy, download, el, errorBox } from '../lib.js';

// Columns in the order the rows first name them.
function columnsOf(table) {
  const cols = [];
  for (const r of table) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  return cols;
}

// An `ocr_corrected` note is not a warning: the reader put a misread "₹" right.
const isCorrection = (w) => w.kind === 'ocr_corrected';

// Notes by cell: "row|column" for table cells, "extra|key" for extras; each
// cell gets { warn: [messages], fixed: [read-as strings] }.
function noteIndex(warnings) {
  const at = new Map();
  for (const w of warnings || []) {
    const key = w.extra !== undefined ? 'extra|' + w.extra : w.row !== null && w.column !== undefined ? w.row + '|' + w.column : null;
    if (!key) continue;
    const n = at.get(key) || { warn: [], fixed: [] };
    if (isCorrection(w)) n.fixed.push(w.read_as);
    else n.warn.push(w.message);
    at.set(key, n);
  }
  return at;
}

// A cell: flagged (a warning on it) and/or corrected (read as something else).
function cellInput(value, label, notes, onInput) {
  const warn = notes && notes.warn.length ? notes.warn : null;
  const fixed = notes && notes.fixed.length ? notes.fixed : null;
  const title = [...(fixed || []).map((r) => 'read as ' + r), ...(warn || [])].join('\n') || null;
  const i = el('input', { type: 'text', value: value ?? '', 'aria-label': label,
    size: Math.max(5, Math.min(36, String(value ?? '').length + 1)),
    class: [warn ? 'flag' : '', fixed ? 'corrected' : ''].join(' ').trim() || null, title,
    'aria-invalid': warn ? 'true' : null });
  i.addEventListener('input', () => onInput(i.value));
  return i;
}

function tableView(doc) {
  const cols = columnsOf(doc.table);
  const at = noteIndex(doc.warnings);
  const body = doc.table.map((r, n) => el('tr', {}, cols.map((c) => el('td', { 'data-label': c },
    cellInput(r[c], `${c}, row ${n + 1}`, at.get(n + '|' + c), (v) => { r[c] = v; })))));
  return el('div', { class: 'table-wrap' }, el('table', { class: 'stack bill' },
    el('caption', { class: 'sr', text: 'Bill rows' }),
    el('thead', {}, el('tr', {}, cols.map((c) => el('th', { scope: 'col', text: c })))), el('tbody', {}, body)));
}

function extrasView(doc) {
  const at = noteIndex(doc.warnings);
  const keys = Object.keys(doc.extras || {});
  if (!keys.length) return el('p', { class: 'muted', text: 'No other details on this bill.' });
  return el('div', { class: 'extras' }, keys.map((k) => el('label', {}, k,
    cellInput(doc.extras[k], k, at.get('extra|' + k), (v) => { doc.extras[k] = v; }))));
}

const plural = (n, one) => `${n} ${one}${n === 1 ? '' : 's'}`;

// "2 warnings, 1 corrected reading" (the corrections only when there are some).
function noteCounts(doc) {
  const fixed = (doc.warnings || []).filter(isCorrection).length;
  return plural((doc.warnings || []).length - fixed, 'warning') + (fixed ? ', ' + plural(fixed, 'corrected reading') : '');
}

function warningList(doc) {
  const all = doc.warnings || [];
  const w = all.filter((x) => !isCorrection(x)), fixed = all.filter(isCorrection);
  const ok = w.length ? null : el('p', { class: 'ok', text: 'No warnings: the arithmetic checks out.' });
  if (!all.length) return ok;
  return el('div', {}, ok, el('details', { open: all.length <= 8 }, el('summary', { text: noteCounts(doc) }),
    el('ul', { class: 'warnings' }, w.map((x) => el('li', { class: 'warn', text: x.message })),
      fixed.map((x) => el('li', { class: 'corrected', text: x.message })))));
}

function files(doc) {
  const list = [['csv_file', 'Download CSV'], ['extras_csv_file', 'Download extras CSV'], ['xlsx_file', 'Download XLSX']]
    .filter(([k]) => doc.files && doc.files[k]);
  if (!list.length) return null;
  return el('div', {}, el('p', { class: 'muted', text: 'Files of the bill as it was read:' }),
    el('p', { class: 'row' }, list.map(([k, t], i) => el('button', { type: 'button', class: i ? 'secondary' : null,
      onclick: () => download(doc.files[k]) }, t))));
}

// The refine controls: which columns to keep, which rows (the server's filter language).
function refineForm(doc, apply) {
  const cols = columnsOf(doc.table);
  const boxes = cols.map((c) => el('input', { type: 'checkbox', name: 'column', value: c, checked: true }));
  const manual = el('input', { type: 'text', name: 'manual', placeholder: 'Amount > 1000 and Description contains ring' });
  const go = el('button', { type: 'submit' }, 'Apply');
  const form = el('form', { class: 'card' }, el('h2', { text: 'Columns and rows' }),
    el('fieldset', { class: 'cols' }, el('legend', { text: 'Columns to keep' }),
      boxes.map((b, i) => el('label', { class: 'inline' }, b, cols[i]))),
    el('label', {}, 'Row filter', manual),
    el('p', { class: 'muted', text: 'Comparisons =, !=, <, <=, >, >=, contains; join with and, or, not.' }),
    el('p', {}, go));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const keep = boxes.filter((b) => b.checked).map((b) => b.value);
    apply(go, { columns: keep.length === cols.length ? 'all' : keep.join(', '), manual: manual.value.trim() });
  });
  return form;
}

export function render(root) {
  const box = errorBox();
  const status = el('p', { 'aria-live': 'polite' });
  const out = el('div');
  const state = { doc: null, files: null, preview: null };
  const file = el('input', { type: 'file', name: 'image', accept: 'image/*,.pdf,application/pdf', required: true });
  const prompt = el('input', { type: 'text', name: 'prompt', placeholder: 'optional, used by an AI provider' });
  const read = el('button', { type: 'submit' }, 'Read bill');
  const form = el('form', { class: 'card' }, el('div', { class: 'row' },
    el('label', {}, 'Bill photo or PDF', file), el('label', { class: 'grow' }, 'Instruction', prompt)), el('p', {}, read));

  const show = (doc, what) => {
    state.doc = { id: doc.id || state.doc?.id, version: doc.version, table: doc.table || [],
      extras: doc.extras || state.doc?.extras || {}, warnings: doc.warnings || [], files: state.files };
    const d = state.doc;
    status.textContent = `${what}: ${d.table.length} rows, ${noteCounts(d)}` + (d.version ? ` (version ${d.version})` : '');
    const save = el('button', { type: 'button' }, 'Save edits');
    const undo = el('button', { type: 'button', class: 'secondary' }, 'Undo');
    save.addEventListener('click', () => busy(save, box, async () =>
      show(await api('/documents/' + d.id, { method: 'PUT', json: { table: d.table, extras: d.extras } }), 'Saved')));
    undo.addEventListener('click', () => busy(undo, box, async () => {
      const r = await api('/undo_invoice');
      if (typeof r === 'string') status.textContent = r;
      else show(Array.isArray(r) ? { table: r } : r, 'Undone');
    }));
    const apply = (button, q) => busy(button, box, async () => {
      await api('/further_req', { method: 'POST', json: { data: d.table, ...q, id: d.id } });
      show(await api('/documents/' + d.id), 'Filtered');
    });
    out.replaceChildren(el('div', { class: 'split' },
      el('figure', { class: 'bill-image' }, state.preview || el('p', { class: 'muted', text: 'No preview for this file.' }),
        el('figcaption', { class: 'muted', text: state.name || '' })),
      el('div', {}, el('h2', { text: 'Table' }), tableView(d), warningList(d),
        el('h2', { text: 'Other details' }), extrasView(d),
        el('p', { class: 'row' }, save, undo), files(d))),
    refineForm(d, apply));
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = file.files[0];
    if (!f) return;
    busy(read, box, async () => {
      status.textContent = 'Reading ' + f.name + '…';
      const body = new FormData();
      body.append('image', f);
      if (prompt.value.trim()) body.append('prompt', prompt.value.trim());
      const r = await api('/process-image-and-prompt/', { method: 'POST', form: body });
      // a duplicate answers the stored document, maybe without files: keep the ones we had for it
      if (r.csv_file || r.id !== state.doc?.id)
        state.files = { csv_file: r.csv_file, extras_csv_file: r.extras_csv_file, xlsx_file: r.xlsx_file };
      state.name = f.name;
      state.preview = f.type.startsWith('image/') ? el('img', { src: URL.createObjectURL(f), alt: 'The bill ' + f.name }) : null;
      state.doc = null;
      show(r, r.duplicate_of ? 'Already read (the same bill; its latest version)' : 'Read');
    }).then(() => { if (!state.doc) status.textContent = ''; });
  });
  root.append(el('h1', { text: 'Bills' }),
    el('p', { class: 'muted', text: 'A supplier bill or invoice becomes a checked table: cells whose arithmetic does not add up are marked.' }),
    form, box, status, out);
}
