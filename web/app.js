// app.js - the shell: the page table, hash routing (#/photos) and sign-in.
//
// Adding a page: write pages/NAME.js exporting `render(main)` (it builds the
// page into main) and add one line to `pages` below. Nothing else changes:
// every file under web/ is compiled into the binary.
import { api, el, errorBox, getKey, setKey } from './lib.js';

export const pages = [
  { id: 'photos', title: 'Photos', load: () => import('./pages/photos.js') },
  { id: 'captions', title: 'Captions', load: () => import('./pages/captions.js') },
  { id: 'catalog', title: 'Catalog', load: () => import('./pages/catalog.js') },
  { id: 'studio', title: 'Image studio', load: () => import('./pages/studio.js') },
  { id: 'bills', title: 'Bills', load: () => import('./pages/bills.js') },
  { id: 'orders', title: 'Orders', load: () => import('./pages/orders.js') },
  { id: 'products', title: 'Products', load: () => import('./pages/products.js') },
  { id: 'collections', title: 'Collections', load: () => import('./pages/collections.js') },
  { id: 'watch', title: 'Market watch', load: () => import('./pages/watch.js') },
  { id: 'status', title: 'Status', load: () => import('./pages/status.js') },
];

const main = document.getElementById('main');

function nav(current) {
  const ul = document.getElementById('nav');
  ul.replaceChildren(...pages.map((p) => el('li', {}, el('a', {
    href: '#/' + p.id, 'aria-current': p.id === current ? 'page' : null, text: p.title }))));
  const who = document.getElementById('who');
  who.replaceChildren(getKey() ? el('span', {}, 'Signed in',
    el('button', { class: 'secondary', onclick: () => { setKey(''); signIn(); } }, 'Sign out')) : '');
}

function signIn(message) {
  nav(null);
  const key = el('input', { id: 'key', type: 'password', name: 'key', autocomplete: 'off', required: true });
  const box = errorBox();
  const form = el('form', { class: 'card' },
    el('h1', { text: 'Sign in' }),
    el('p', { text: 'This Karat server needs an API key. It is kept for this tab only.' }),
    el('label', {}, 'API key', key), el('p', {}, el('button', { type: 'submit' }, 'Sign in')), box);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    setKey(key.value.trim());
    try { await api('/status'); route(); } catch (err) { setKey(''); box.show(err); }
  });
  main.replaceChildren(form);
  if (message) box.show({ message });
  key.focus();
}

async function route() {
  const id = location.hash.replace(/^#\/?/, '') || pages[0].id;
  const page = pages.find((p) => p.id === id) || pages[0];
  nav(page.id);
  document.title = page.title + ' · Karat';
  try {
    await api('/status');
  } catch (e) {
    if (e.status === 401) return signIn(getKey() ? 'That key was refused.' : null);
  }
  const mod = await page.load();
  const root = el('div', { 'data-page': page.id });
  main.replaceChildren(root);
  await mod.render(root);
}

window.addEventListener('hashchange', route);
window.addEventListener('karat-auth', () => { if (!document.getElementById('key')) signIn('The server asked for an API key.'); });
route();
