// Photos: upload many (duplicates shown with the stored match), store
// anyway, the library of stored photos, search by photo, delete.
import { api, busy, dropZone, el, errorBox, img, isImageName, select, thumbPath, websites } from '../lib.js';

function uploadRow(file, site, list, onStored) {
  const status = el('div', { class: 'grow' }, el('strong', { text: file.name }), el('div', { text: 'Checking…' }));
  const li = el('li', { class: 'item' }, status);
  list.append(li);
  const send = async (check) => {
    const f = new FormData();
    f.append('file', file);
    f.append('website', site);
    f.append('check_duplicate', check ? 'yes' : 'no');
    try {
      const r = await api('/image_similarity_search', { method: 'POST', form: f });
      show(r);
    } catch (e) {
      status.lastChild.replaceWith(el('div', { class: 'bad', text: e.message + (e.code ? ` (${e.code})` : '') }));
    }
  };
  const show = (r) => {
    li.replaceChildren(status);
    if (!r.duplicate_found) {
      status.lastChild.replaceWith(el('div', { class: 'ok', text: 'Stored' }));
      li.prepend(img(thumbPath(r.s3_url, 128), file.name, 'thumb small'));
      onStored();
      return;
    }
    const m = r.results[0];
    status.lastChild.replaceWith(el('div', { class: 'warn' },
      `Duplicate of a stored photo (distance ${m.distance.toFixed(3)})`));
    li.prepend(img(thumbPath(m.path, 128), 'stored match of ' + file.name, 'thumb small'));
    li.append(el('button', { class: 'secondary', onclick: (e) => { e.target.disabled = true; send(false); } },
      'Store anyway'));
  };
  return send(true);
}

function library(root) {
  const grid = el('div', { class: 'grid', 'aria-live': 'polite' });
  const box = errorBox();
  const load = async () => {
    try {
      const r = await api('/images?limit=48');
      grid.replaceChildren(...r.images.map((p) => tile(p, load, box)));
      if (!r.images.length) grid.append(el('p', { class: 'muted', text: 'No photos stored yet.' }));
    } catch (e) { box.show(e); }
  };
  root.append(el('h2', { text: 'Library' }), box, grid);
  load();
  return load;
}

function tile(p, reload, box) {
  const del = el('button', { class: 'secondary', 'aria-label': 'Delete ' + (p.filename || p.s3_url) }, 'Delete');
  del.addEventListener('click', () => busy(del, box, async () => {
    await api('/delete_image', { method: 'POST', json: { s3_url: p.s3_url } });
    reload();
  }));
  return el('div', { class: 'tile' }, img(p.thumb_url, p.filename || 'stored photo'),
    el('span', { text: p.filename || '(no name)' }), el('span', { class: 'muted', text: p.website }), del);
}

function search(root) {
  const file = el('input', { type: 'file', accept: 'image/*', name: 'search' });
  const grid = el('div', { class: 'grid' });
  const box = errorBox();
  file.addEventListener('change', async () => {
    if (!file.files[0]) return;
    const f = new FormData();
    f.append('file', file.files[0]);
    f.append('top_k', '8');
    try {
      const r = await api('/image-search', { method: 'POST', form: f });
      grid.replaceChildren(...r.results.map((m) => el('div', { class: 'tile' },
        img(thumbPath(m.path), 'similar photo'), el('span', { text: `score ${m.score.toFixed(3)}` }))));
      if (!r.results.length) grid.append(el('p', { class: 'muted', text: 'Nothing similar stored.' }));
    } catch (e) { box.show(e); }
  });
  root.append(el('h2', { text: 'Search by photo' }),
    el('div', { class: 'card' }, el('label', {}, 'Photo to look for', file), box, grid));
}

export function render(root) {
  const [siteLabel, site] = select('website', 'Website', websites, 'alya');
  const input = el('input', { type: 'file', accept: 'image/*', multiple: true, name: 'photos' });
  const zone = dropZone(input, 'Choose photos');
  const folder = el('input', { type: 'file', webkitdirectory: true, multiple: true, name: 'folder' });
  folder.addEventListener('change', () => zone.dispatchEvent(new CustomEvent('files', {
    detail: [...folder.files].filter((f) => isImageName(f.name)) })));
  const list = el('ul', { class: 'list', 'aria-live': 'polite', 'aria-label': 'Uploads' });
  root.append(el('h1', { text: 'Photos' }),
    el('div', { class: 'card' }, el('div', { class: 'row' }, siteLabel, el('label', {}, 'Or a whole folder', folder)), zone), list);
  let reload = () => {};
  zone.addEventListener('files', async (e) => {
    for (const f of e.detail) await uploadRow(f, site.value, list, () => reload());
  });
  search(root);
  reload = library(root);
}
