// Status: providers and whether their keys are set (never the keys),
// backends, indexed photos, this client's recent jobs (GET /jobs).
import { api, el, errorBox } from '../lib.js';

function table(caption, rows) {
  return el('table', {}, el('caption', { class: 'sr', text: caption }),
    el('tbody', {}, rows.map(([k, v]) => el('tr', {}, el('th', { scope: 'row', text: k }), el('td', {}, v)))));
}
const yes = (b) => el('span', { class: b ? 'ok' : 'muted', text: b ? 'configured' : 'not set' });

export async function render(root) {
  const box = errorBox();
  root.append(el('h1', { text: 'Status' }), box);
  try {
    const [s, h] = await Promise.all([api('/status'), api('/health')]);
    root.append(
      el('h2', { text: 'AI providers' }),
      table('AI providers', [['Attributes', s.providers.attributes], ['Copy', s.providers.copy],
        ['Images', s.providers.image], ['Gemini key', yes(s.keys_configured.gemini)],
        ['OpenAI key', yes(s.keys_configured.openai)]]),
      el('h2', { text: 'Storage' }),
      table('Storage', [['Store', s.backends.store], ['Files', s.backends.blob], ['Index', s.backends.index],
        ['Buckets', s.buckets], ['Photos indexed', String(s.images_indexed)],
        ['Duplicates refused since start', String(s.duplicates_found)], ['API keys', s.auth === 'off' ? 'none (loopback or open)' : 'required']]),
      ...(h.warnings || []).map((w) => el('p', { class: 'warn', text: w })));
  } catch (e) { box.show(e); }
  const list = el('ul', { class: 'list' });
  root.append(el('h2', { text: 'Recent jobs' }), list);
  try {
    const r = await api('/jobs?limit=10');
    if (!r.jobs.length) list.append(el('li', { class: 'muted', text: 'None yet.' }));
    for (const j of r.jobs) {
      const when = j.created_ms ? new Date(j.created_ms).toLocaleString() : '';
      list.append(el('li', { class: 'item' }, el('span', { class: 'grow',
        text: `${j.kind} ${j.job_id.slice(0, 8)}: ${j.status}, ${j.total} photos` }), el('span', { class: 'muted', text: when })));
    }
  } catch (e) { box.show(e); }
}
