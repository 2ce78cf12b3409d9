// docs.js - the interactive API reference: renders /openapi.json (every
// route, its parameters, body and answers) and lets the reader send a
// request with the key kept for this tab.
import { el, getKey, setKey } from './lib.js';

const main = document.getElementById('main');

function schemaText(s) { return s ? JSON.stringify(s, null, 1) : ''; }

function tryIt(method, path, op) {
  const params = (op.parameters || []).filter((p) => p.in === 'path' || p.in === 'query');
  const inputs = params.map((p) => el('input', { type: 'text', name: p.name, 'aria-label': `${p.name} (${p.in})`,
    placeholder: p.example !== undefined ? String(p.example) : '' }));
  const json = op.requestBody && op.requestBody.content['application/json'];
  const body = json ? el('textarea', { 'aria-label': 'JSON body', rows: 4 },
    json.example ? JSON.stringify(json.example, null, 1) : '{}') : null;
  const out = el('pre', { 'aria-live': 'polite', class: 'card' });
  const send = el('button', { type: 'button' }, 'Send');
  send.addEventListener('click', async () => {
    let url = path; const q = new URLSearchParams();
    params.forEach((p, i) => {
      const v = inputs[i].value;
      if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(v));
      else if (v) q.set(p.name, v);
    });
    if ([...q].length) url += '?' + q;
    const headers = getKey() ? { Authorization: 'Bearer ' + getKey() } : {};
    if (body) headers['Content-Type'] = 'application/json';
    const r = await fetch(url, { method, headers, body: body ? body.value : undefined });
    const text = await r.text();
    out.textContent = `${r.status} ${r.statusText}\n${text.slice(0, 4000)}`;
  });
  if (op.requestBody && !json) return el('p', { class: 'muted', text: 'Multipart upload: try it from the app or with curl.' });
  return el('div', {}, params.map((p, i) => el('label', {}, `${p.name} (${p.in})`, inputs[i])), body, el('p', {}, send), out);
}

function operation(method, path, op) {
  const params = (op.parameters || []).map((p) => el('li', {}, el('code', { text: p.name }),
    ` (${p.in}${p.required ? ', required' : ''}) ${p.description || ''}`));
  const body = op.requestBody ? Object.entries(op.requestBody.content).map(([t, c]) =>
    el('details', {}, el('summary', { text: 'Body: ' + t }), el('pre', { text: schemaText(c.schema) }))) : [];
  const answers = Object.entries(op.responses || {}).map(([code, r]) => el('li', {}, el('strong', { text: code }), ' ' + (r.description || '')));
  return el('section', { class: 'card', id: (method + path).replace(/[^a-z0-9]+/gi, '-') },
    el('h2', {}, el('span', { class: 'badge', text: method.toUpperCase() }), ' ', el('code', { text: path })),
    el('p', { text: op.summary || '' }), op.description ? el('p', { class: 'muted', text: op.description }) : '',
    params.length ? el('ul', {}, params) : '', body, el('h3', { text: 'Answers' }), el('ul', {}, answers),
    el('details', {}, el('summary', { text: 'Try it' }), tryIt(method.toUpperCase(), path, op)));
}

async function render() {
  const doc = await (await fetch('/openapi.json')).json();
  const key = el('input', { type: 'password', autocomplete: 'off', value: getKey() });
  key.addEventListener('change', () => setKey(key.value.trim()));
  const toc = el('ul', {});
  const ops = [];
  for (const [path, item] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(item)) {
      const s = operation(method, path, op);
      ops.push(s);
      toc.append(el('li', {}, el('a', { href: '#' + s.id, text: `${method.toUpperCase()} ${path}` })));
    }
  main.replaceChildren(el('h1', { text: `${doc.info.title} ${doc.info.version}` }),
    el('p', { text: doc.info.description }), el('label', {}, 'API key for "Try it" (kept for this tab)', key),
    el('nav', { 'aria-label': 'Endpoints' }, toc), ...ops);
}
render().catch((e) => main.replaceChildren(el('p', { class: 'error', text: 'Cannot load /openapi.json: ' + e.message })));
