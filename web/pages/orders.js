// Orders: an Amazon.in, Flipkart or Meesho order/tax invoice PDF -> its order
// fields and one row per item (POST /create_order). A field the invoice does
// not carry shows as such; a refused upload (not a PDF, encrypted, another
// shop's layout...) shows the server's message and code. The items can be
// saved as CSV (one line per item, with the order's id and marketplace).
import { api, busy, el, errorBox, saveBlob } from '../lib.js';

const FIELDS = [['marketplace', 'Marketplace'], ['order_id', 'Order ID'], ['order_date', 'Order date'],
  ['order_time', 'Order time'], ['invoice_date', 'Invoice date'], ['customer_name', 'Customer'],
  ['shipping_address', 'Shipping address'], ['payment_method', 'Payment'], ['tracking_id', 'Tracking ID'],
  ['total_price_order', 'Order total']];
const ITEM_COLS = [['description', 'Description'], ['sku', 'SKU'], ['item_type', 'Item type'], ['sku_id', 'SKU id'],
  ['hsn', 'HSN'], ['quantity', 'Qty'], ['product_price', 'Price'], ['tax', 'Tax'], ['total', 'Total']];

function fieldsView(pd) {
  return el('table', { class: 'order-fields' }, el('caption', { class: 'sr', text: 'Order fields' }),
    el('tbody', {}, FIELDS.map(([k, label]) => el('tr', {}, el('th', { scope: 'row', text: label }),
      pd[k] ? el('td', { text: pd[k] }) : el('td', { class: 'muted', text: 'not on the invoice' })))));
}

function itemsView(items) {
  if (!items.length) return el('p', { class: 'warn', text: 'No item lines were found on this invoice.' });
  const cols = ITEM_COLS.filter(([k]) => items.some((it) => it[k]));
  return el('div', { class: 'table-wrap' }, el('table', { class: 'stack order-items' },
    el('caption', { class: 'sr', text: 'Order items' }),
    el('thead', {}, el('tr', {}, cols.map(([, t]) => el('th', { scope: 'col', text: t })))),
    el('tbody', {}, items.map((it) => el('tr', {}, cols.map(([k, t]) => el('td', { 'data-label': t, text: it[k] || '' })))))));
}

const csvCell = (v) => /[",\r\n]/.test(v) ? '"' + v.replaceAll('"', '""') + '"' : v;
function itemsCsv(r) {
  const head = ['order_id', 'marketplace', ...ITEM_COLS.map(([k]) => k)];
  const rows = r.products_data.map((it) => [r.parsed_data.order_id, r.parsed_data.marketplace,
    ...ITEM_COLS.map(([k]) => it[k] || '')]);
  return [head, ...rows].map((l) => l.map((v) => csvCell(String(v ?? ''))).join(',')).join('\r\n') + '\r\n';
}

export function render(root) {
  const box = errorBox();
  const status = el('p', { 'aria-live': 'polite' });
  const out = el('div');
  const file = el('input', { type: 'file', name: 'file', accept: '.pdf,application/pdf', required: true });
  const read = el('button', { type: 'submit' }, 'Read order');
  const form = el('form', { class: 'card' }, el('label', {}, 'Order or tax invoice PDF', file), el('p', {}, read));

  const show = (r, name) => {
    const pd = r.parsed_data || {}, items = r.products_data || [];
    const missing = FIELDS.filter(([k]) => !pd[k]).length;
    status.textContent = `Read ${name}: ${pd.marketplace || 'unknown'} order ${pd.order_id || '(no id)'}, ` +
      `${items.length} item${items.length === 1 ? '' : 's'}` + (missing ? `, ${missing} field${missing === 1 ? '' : 's'} not on the invoice` : '');
    const csv = el('button', { type: 'button', class: 'secondary' }, 'Download CSV');
    csv.addEventListener('click', () => saveBlob(new Blob([itemsCsv(r)], { type: 'text/csv' }),
      (pd.order_id || 'order') + '.csv'));
    out.replaceChildren(el('h2', { text: 'Order' }), fieldsView(pd), el('h2', { text: 'Items' }), itemsView(items),
      items.length ? el('p', {}, csv) : null);
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = file.files[0];
    if (!f) return;
    out.replaceChildren();
    busy(read, box, async () => {
      status.textContent = 'Reading ' + f.name + '…';
      const body = new FormData();
      body.append('file', f);
      show(await api('/create_order', { method: 'POST', form: body }), f.name);
    }).then(() => { if (!out.childElementCount) status.textContent = ''; });
  });
  root.append(el('h1', { text: 'Orders' }),
    el('p', { class: 'muted', text: 'An Amazon.in, Flipkart or Meesho order or tax invoice PDF becomes its order details and items.' }),
    form, box, status, out);
}
