// Image studio: pick a stored photo (or upload one), image types, output
// size (2000×2000 or 3:4 1080×1440), sizes for the dimension image,
// marketplace rules; each image with its
// compliance badges and a regenerate button; the ZIP.
import { api, busy, download, el, errorBox, img, input, select, thumbPath } from '../lib.js';

const TYPES = [[1, 'White Background'], [2, 'Hand Holding'], [3, 'Dimension Image'], [4, 'Lifestyle Nature'],
  [5, 'Model Wearing'], [6, 'Pastel Gradient'], [7, 'Rich Backdrop'], [8, 'Props Flat Lay']];
const PRODUCTS = [['earrings', 'Earrings'], ['bracelet', 'Bracelet'], ['necklace', 'Necklace']];
const MARKETS = [['amazon', 'Amazon'], ['flipkart', 'Flipkart'], ['meesho', 'Meesho']];
const SIZES = [['2000x2000', '2000×2000 (square)'], ['1080x1440', '1080×1440 (3:4, Meesho)']];

function badges(c) {
  if (!c) return el('span');
  const ch = c.checks || {};
  const b = (name, ok) => el('span', { class: 'badge ' + (ok ? 'ok' : 'bad') }, `${name} ${ok ? '✓' : '✗'}`);
  return el('div', {}, b(c.role === 'main' ? 'compliant' : 'extra image', c.ok),
    ...['background', 'fill', 'size'].filter((k) => ch[k]).map((k) => b(k, ch[k].ok)));
}

function card(item, ctx) {
  if (item.error) return el('div', { class: 'tile' }, el('strong', { text: item.image_type_name || `type ${item.image_type}` }),
    el('span', { class: 'bad', text: item.error }), el('span', { class: 'muted', text: item.code || '' }));
  const again = el('button', { class: 'secondary' }, 'Regenerate');
  const t = el('div', { class: 'tile' }, img(thumbPath(item.image_url, 512) + '&v=' + Date.now(), item.image_type_name, 'thumb',
    ctx.size.split('x').map(Number)),
    el('strong', { text: item.image_type_name }), badges(item.compliance), again);
  again.addEventListener('click', () => busy(again, ctx.box, async () => {
    const f = new FormData();
    const fields = { original_image_url: ctx.original, old_generated_url: item.image_url, old_zip_url: ctx.zip,
      product_type: ctx.product, prompt_index: String(item.prompt_index), marketplace: ctx.market,
      height: ctx.height, width: ctx.width };
    for (const [k, v] of Object.entries(fields)) if (v) f.append(k, v);
    const r = await api('/regenerate-image', { method: 'POST', form: f });
    t.replaceWith(card(r, ctx));
  }));
  return t;
}

async function pickers(list, box) {
  try {
    const r = await api('/images?limit=24');
    list.replaceChildren(...r.images.map((p, i) => el('label', { class: 'tile' },
      img(p.thumb_url, p.filename || 'stored photo'),
      el('span', { class: 'inline' }, el('input', { type: 'radio', name: 'photo', value: p.s3_url, checked: i === 0 }),
        p.filename || 'photo'))));
    if (!r.images.length) list.append(el('p', { class: 'muted', text: 'Upload a photo first.' }));
  } catch (e) { box.show(e); }
}

export function render(root) {
  const box = errorBox();
  const list = el('fieldset', { class: 'grid' }, el('legend', { text: 'Stored photo' }));
  const upload = el('input', { type: 'file', name: 'upload', accept: 'image/*' });
  upload.addEventListener('change', async () => {
    const f = new FormData(); f.append('file', upload.files[0]);
    try { await api('/upload-and-index', { method: 'POST', form: f }); await pickers(list, box); }
    catch (e) { box.show(e); }
  });
  const [pLabel, product] = select('product_type', 'Product type', PRODUCTS, 'earrings');
  const [mLabel, market] = select('marketplace', 'Marketplace rules', MARKETS, 'amazon');
  const [sLabel, size] = select('size', 'Image size', SIZES, '2000x2000');
  // a 3:4 marketplace suggests the 3:4 size; the user can still change it
  market.addEventListener('change', () => { size.value = market.value === 'meesho' ? '1080x1440' : '2000x2000'; });
  const [hLabel, height] = input('height', 'Height (dimension image)', { placeholder: '25mm' });
  const [wLabel, width] = input('width', 'Width (dimension image)', { placeholder: '12mm' });
  const types = TYPES.map(([n, name]) => el('input', { type: 'checkbox', name: 'type' + n, value: n, checked: n === 1 || n === 3 }));
  const out = el('div', { class: 'grid', 'aria-live': 'polite' });
  const zip = el('p');
  const go = el('button', { type: 'submit' }, 'Make images');
  const form = el('form', { class: 'card' }, list, el('label', {}, 'Or upload a photo', upload),
    el('div', { class: 'row' }, pLabel, mLabel, sLabel, hLabel, wLabel),
    el('fieldset', {}, el('legend', { text: 'Image types' }),
      el('div', { class: 'row' }, TYPES.map(([, name], i) => el('label', { class: 'inline' }, types[i], `${i + 1}. ${name}`)))),
    el('p', {}, go));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const chosen = form.querySelector('input[name=photo]:checked');
    if (!chosen) return box.show({ message: 'Choose or upload a photo first.' });
    busy(go, box, async () => {
      const body = { s3_urls: chosen.value, product_type: product.value, marketplace: market.value,
        size: size.value, image_types: types.filter((t) => t.checked).map((t) => Number(t.value)) };
      if (height.value) body.height = height.value;
      if (width.value) body.width = width.value;
      const r = await api('/generate-images', { method: 'POST', json: body });
      const ctx = { box, original: r.original_image_url, zip: r.zip_url, product: product.value, size: size.value,
        market: market.value, height: height.value, width: width.value };
      out.replaceChildren(...r.gen_images.map((it) => card(it, ctx)));
      zip.replaceChildren(r.zip_url ? el('button', { onclick: () => download(r.zip_url) }, 'Download ZIP') : '');
    });
  });
  root.append(el('h1', { text: 'Image studio' }), form, box, out, zip);
  pickers(list, box);
}
