// lib.js - what every page shares: calling the API (with the tab's key),
// turning error bodies into messages, images through the key, downloads,
// a tiny element builder and the jobs this browser started.
const KEY = 'karat.key';
export const getKey = () => sessionStorage.getItem(KEY) || '';
export const setKey = (k) => k ? sessionStorage.setItem(KEY, k) : sessionStorage.removeItem(KEY);

export class ApiError extends Error {
  constructor(status, body) {
    const msg = (body && (body.error || body.detail)) || `HTTP ${status}`;
    super(typeof msg === 'string' ? msg : JSON.stringify(msg));
    this.status = status; this.code = body && body.code; this.body = body;
  }
}

// A URL the server returned (absolute, maybe under KARAT_PUBLIC_URL) as a
// path on this server, so it is fetched here with the key.
export function localPath(url) {
  const i = url.indexOf('/files/');
  return i >= 0 ? url.slice(i) : url;
}
export const thumbPath = (url, w = 256) => '/thumbs/' + localPath(url).slice('/files/'.length) + '?w=' + w;

export async function api(path, { method = 'GET', json, form, raw = false } = {}) {
  const headers = {};
  if (getKey()) headers.Authorization = 'Bearer ' + getKey();
  let body;
  if (json !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(json); }
  else if (form) body = form;
  let r;
  try { r = await fetch(path, { method, headers, body }); }
  catch (e) { throw new ApiError(0, { error: 'Karat cannot be reached: ' + e.message, code: 'network' }); }
  const type = r.headers.get('content-type') || '';
  if (!r.ok) {
    const b = type.includes('json') ? await r.json().catch(() => null) : { error: await r.text() };
    if (r.status === 401) window.dispatchEvent(new CustomEvent('karat-auth'));
    throw new ApiError(r.status, b);
  }
  if (raw) return r.blob();
  return type.includes('json') ? r.json() : r.text();
}

export function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat()) if (k !== null && k !== undefined && k !== false)
    e.append(k instanceof Node ? k : String(k));
  return e;
}

// An <img> whose bytes are fetched with the key (plain <img src> cannot send it).
// ratio [w, h]: the picture's own aspect, shown as it is (not letterboxed into
// the square tile); the box keeps that shape while the bytes load.
export function img(path, alt, cls = 'thumb', ratio = null) {
  const i = el('img', { alt, class: cls, width: 256, height: ratio ? Math.round(256 * ratio[1] / ratio[0]) : 256 });
  if (ratio) i.style.aspectRatio = `auto ${ratio[0]} / ${ratio[1]}`;
  api(path, { raw: true }).then((b) => { i.src = URL.createObjectURL(b); })
    .catch(() => { i.alt = alt + ' (not available)'; });
  return i;
}

export async function download(url, name) {
  const b = await api(localPath(url), { raw: true });
  saveBlob(b, name || localPath(url).split('/').pop());
}
export function saveBlob(blob, name) {
  const a = el('a', { href: URL.createObjectURL(blob), download: name });
  document.body.append(a); a.click(); a.remove();
}

// An error region: show(err) puts the server's message in it, show() clears it.
export function errorBox() {
  const box = el('div', { class: 'error', role: 'alert' });
  box.show = (e) => { box.textContent = e ? (e.message + (e.code ? ` (${e.code})` : '')) : ''; };
  return box;
}

// Run fn with the button disabled and errors shown in box.
export async function busy(button, box, fn) {
  button.disabled = true; box.show();
  try { return await fn(); } catch (e) { box.show(e); } finally { button.disabled = false; }
}

export function dropZone(input, label) {
  const z = el('div', { class: 'drop' }, el('label', { class: 'inline' }, label, input),
    el('p', { class: 'muted', text: 'or drop photos here' }));
  z.addEventListener('dragover', (e) => { e.preventDefault(); z.classList.add('over'); });
  z.addEventListener('dragleave', () => z.classList.remove('over'));
  z.addEventListener('drop', async (e) => {
    e.preventDefault(); z.classList.remove('over');
    const entries = [...e.dataTransfer.items].map((i) => i.webkitGetAsEntry && i.webkitGetAsEntry()).filter(Boolean);
    const files = entries.some((x) => x.isDirectory) ? await walk(entries) : [...e.dataTransfer.files];
    z.dispatchEvent(new CustomEvent('files', { detail: files }));
  });
  input.addEventListener('change', () => z.dispatchEvent(new CustomEvent('files', { detail: [...input.files] })));
  return z;
}

// Files of dropped folders (and files), images only, at most 500.
const IMAGE = /\.(jpe?g|png|webp|heic|heif|avif|tiff?)$/i;
export async function walk(entries, out = []) {
  for (const x of entries) {
    if (out.length >= 500) break;
    if (x.isFile && IMAGE.test(x.name)) out.push(await new Promise((ok, no) => x.file(ok, no)));
    else if (x.isDirectory) {
      const r = x.createReader();
      for (let batch; (batch = await new Promise((ok, no) => r.readEntries(ok, no))).length;) await walk(batch, out);
    }
  }
  return out;
}
export const isImageName = (name) => IMAGE.test(name);

export function select(name, label, options, value) {
  const s = el('select', { name }, options.map(([v, t]) => el('option', { value: v, selected: v === value }, t)));
  return [el('label', {}, label, s), s];
}
export function input(name, label, attrs = {}) {
  const i = el('input', { name, type: 'text', ...attrs });
  return [el('label', {}, label, i), i];
}
export const websites = [['alya', 'Alya'], ['blysk', 'Blysk']];

// Jobs this browser started, so they survive a reload.
const JOBS = 'karat.jobs';
export const jobs = {
  list: () => JSON.parse(localStorage.getItem(JOBS) || '[]'),
  add(j) { localStorage.setItem(JOBS, JSON.stringify([j, ...jobs.list()].slice(0, 20))); },
};
