// app.test.mjs - Karat's web app in a real browser (Debian chromium driven by
// playwright-core), against a real `karat serve` on a fresh data folder.
//
// For every page the main flow runs end to end at desktop and phone (360 px)
// sizes; every page is checked with axe-core (no serious or critical
// violations) and must log no console error beyond the API answers the flow
// asks for (listed in `expected`). Screenshots go to KARAT_ARTIFACTS; the
// desktop Photos page with a duplicate found is also the README's (docs/app.png) when
// KARAT_SCREENSHOT is set. Photos are drawn here (canvas), no third-party image.
//
// The image provider is tests/tools/fake_provider (KARAT_FAKE_PROVIDER), a
// loopback fake that answers Karat's real OpenAI images/edits requests, so the
// studio runs the AI scene types (2, 4-8) too; text stays offline.
//
// Env: KARAT_BIN, KARAT_FAULT_BIN (karat with the test bill reader), KARAT_FAKE_PROVIDER, KARAT_ORDER_PDF (writes the Orders flow's
// invoice), KARAT_SOURCE_DIR (the market fixtures the fake provider serves),
// KARAT_NODE_MODULES (playwright-core,
// axe-core), KARAT_ARTIFACTS, CHROMIUM (default /usr/bin/chromium).
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';

const require = createRequire(path.join(process.env.KARAT_NODE_MODULES || path.resolve('node_modules'), 'x.js'));
const { chromium } = require('playwright-core');
const axeSource = require('axe-core').source;
const BIN = process.env.KARAT_BIN;
const OUT = process.env.KARAT_ARTIFACTS || path.resolve('browser-artifacts');
const KEY = 'browser-test-key-0123456789';
// KARAT_BROWSER_FLOWS=photos,captions,bills runs only those flows (while working on a page).
const ONLY = process.env.KARAT_BROWSER_FLOWS ? process.env.KARAT_BROWSER_FLOWS.split(',') : null;
fs.mkdirSync(OUT, { recursive: true });

const freePort = () => new Promise((ok) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => ok(p)); }); });

async function startServer(env = {}, bin = BIN) {
  const port = await freePort();
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'karat-web-'));
  const log = fs.openSync(data + '.log', 'w');
  const child = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--data', data],
    { env: { ...process.env, ...env }, stdio: ['ignore', log, log] });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try { if ((await fetch(base + '/health')).ok) return { base, child, data }; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('karat serve did not start: ' + fs.readFileSync(data + '.log', 'utf8'));
}
// The fake image provider: started once, its base URL is its first output line.
async function startFakeProvider() {
  const child = spawn(process.env.KARAT_FAKE_PROVIDER, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const base = await new Promise((ok, fail) => {
    let out = '';
    child.stdout.on('data', (d) => { out += d; if (out.includes('\n')) ok(out.split('\n')[0].trim()); });
    child.once('exit', (c) => fail(new Error('fake provider exited with ' + c)));
  });
  return { base, child };
}
// The fake also serves the marketplace fixture pages (tests/data/market) for the market watch.
const providerEnv = (fake) => ({ KARAT_IMAGE_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-fake-browser-test',
  OPENAI_BASE_URL: fake.base, KARAT_ATTR_PROVIDER: 'offline', KARAT_COPY_PROVIDER: 'offline',
  KARAT_EMBED_PROVIDER: 'offline', // the fake answers images only: collections rank offline
  KARAT_MARKET_AMAZON_URL: fake.base, KARAT_MARKET_FLIPKART_URL: fake.base,
  KARAT_MARKET_MYNTRA_URL: fake.base, KARAT_MARKET_RATE: '0' });

async function stopServer(s) {
  s.child.kill('SIGTERM');
  await new Promise((r) => s.child.once('exit', r));
  fs.rmSync(s.data, { recursive: true, force: true });
  fs.rmSync(s.data + '.log', { force: true });
}

// A synthetic piece of jewellery on white, drawn in the page: shape n.
async function photo(page, n, name) {
  const b64 = await page.evaluate((n) => {
    const c = document.createElement('canvas'); c.width = 640; c.height = 640;
    const g = c.getContext('2d');
    g.fillStyle = '#fff'; g.fillRect(0, 0, 640, 640);
    const hue = [42, 0, 200, 120, 280, 20][n % 6];
    const grad = g.createLinearGradient(150, 150, 490, 490);
    grad.addColorStop(0, `hsl(${hue},70%,35%)`); grad.addColorStop(1, `hsl(${hue},80%,70%)`);
    g.fillStyle = grad; g.strokeStyle = grad; g.lineWidth = 40;
    g.beginPath();
    if (n % 3 === 0) { g.arc(320, 320, 170 - n * 5, 0, Math.PI * 2); g.stroke(); }
    else if (n % 3 === 1) { g.moveTo(320, 120); g.bezierCurveTo(520, 380, 420, 520, 320, 520); g.bezierCurveTo(220, 520, 120, 380, 320, 120); g.fill(); }
    else { for (let i = 0; i < 10; i++) { const r = i % 2 ? 90 : 210, a = i * Math.PI / 5; g.lineTo(320 + r * Math.sin(a), 320 - r * Math.cos(a)); } g.fill(); }
    for (let i = 0; i < 14; i++) { g.fillStyle = `hsl(${(hue + i * 25) % 360},60%,${30 + i * 3}%)`; g.beginPath(); g.arc(320 + 90 * Math.cos(i + n), 320 + 90 * Math.sin(i * 1.3 + n), 12 + (i % 4) * 3, 0, 7); g.fill(); }
    return c.toDataURL('image/png').split(',')[1];
  }, n);
  return { name, mimeType: 'image/png', buffer: Buffer.from(b64, 'base64') };
}

async function axe(page, label) {
  await page.addScriptTag({ content: axeSource });
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.map((x) => x.target.join(' ')).join(', ')}`), [],
    `${label}: axe serious/critical violations`);
}

// At phone width the page must not scroll sideways (wide tables scroll in their own box).
async function fitsWidth(page, tag, label) {
  if (tag !== 'phone') return;
  const [doc, win] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(doc <= win, `${label}: the page is ${doc} px wide at ${win} px`);
}

async function shot(page, name) { await page.screenshot({ path: path.join(OUT, name + '.png'), fullPage: true }); }

// API answers a flow asks for on purpose (the browser logs any 4xx as an error).
const expected = [/\/templates\/[^ ]+ .*404/, /\/status .*401/, /\/catalog-ai\?async=1 400/, /\/further_req 400/, /\/create_order 400/];
function watch(page, errors) {
  page.on('pageerror', (e) => errors.push('pageerror: ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()} ${m.location().url || ''}`); });
  page.on('response', (r) => { if (r.status() >= 400) errors.push(`response: ${r.url()} ${r.status()}`); });
}
function checkErrors(errors, label) {
  const real = errors.filter((e) => !expected.some((x) => x.test(e)) &&
    !(e.startsWith('console: Failed to load resource') && errors.some((r) => r.startsWith('response:') && expected.some((x) => x.test(r)))));
  assert.deepEqual(real, [], `${label}: unexpected console errors`);
  errors.length = 0;
}

// Go to a page and wait until it is drawn (a hash change re-renders in place).
async function open(page, base, id, title) {
  await page.goto(base + '/#/' + id);
  await page.locator(`[data-page="${id}"] h1`, { hasText: title }).waitFor();
}

async function photosFlow(page, base, tag) {
  await open(page, base, 'photos', 'Photos');
  const input = page.locator('input[name=photos]');
  await input.setInputFiles([await photo(page, 0, 'ring.png'), await photo(page, 1, 'drop.png')]);
  await page.getByText('Stored', { exact: true }).nth(1).waitFor();
  await input.setInputFiles([await photo(page, 0, 'ring-again.png')]);
  await page.getByText(/Duplicate of a stored photo \(distance/).waitFor();
  if (tag === 'desktop' && process.env.KARAT_SCREENSHOT) { // the README's picture
    await page.waitForFunction(() => document.querySelectorAll('.grid .tile img').length >= 2 &&
      [...document.images].every((i) => i.complete && i.naturalWidth > 0));
    await page.screenshot({ path: process.env.KARAT_SCREENSHOT });
  }
  await page.getByRole('button', { name: 'Store anyway' }).click();
  await page.getByText('Stored', { exact: true }).nth(2).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.grid .tile').length >= 3);
  await page.locator('input[name=search]').setInputFiles([await photo(page, 1, 'look.png')]);
  await page.getByText(/^score /).first().waitFor();
  await page.waitForFunction(() => [...document.images].every((i) => i.complete));
  await shot(page, `photos-${tag}`);
  await axe(page, `photos ${tag}`);
  await page.getByRole('button', { name: 'Delete ring-again.png' }).click();
  await page.waitForFunction(() => document.querySelectorAll('button[aria-label^="Delete"]').length === 2);
}

async function captionsFlow(page, base, tag) {
  await open(page, base, 'captions', 'Captions');
  await page.locator('input[name=photos]').setInputFiles([await photo(page, 2, 'star.png'), await photo(page, 3, 'hoop.png')]);
  await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 2);
  const name = page.getByLabel('Name of star.png');
  await name.fill('Edited star earrings');
  await page.getByRole('button', { name: 'New title' }).nth(1).click();
  await page.getByLabel('Style for new descriptions').selectOption('playful');
  const [regen] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/regenerate')),
    page.getByRole('button', { name: 'New description' }).first().click()]);
  assert.equal(regen.status(), 200);
  await page.waitForFunction((v) => document.querySelector('[aria-label="Description of star.png"]').value === v,
    await regen.json()); // the row shows what the server wrote
  await page.waitForFunction(() => !document.querySelector('button:disabled'));
  await shot(page, `captions-${tag}`);
  await axe(page, `captions ${tag}`);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
  const csv = fs.readFileSync(await dl.path(), 'utf8');
  assert.equal(dl.suggestedFilename(), 'gemini_output.csv');
  assert.ok(csv.startsWith('display_name,generated_name,quality,description,attributes,prompt\r\n'), csv);
  assert.ok(csv.includes('star.png,Edited star earrings,'), csv);
  assert.equal(csv.trim().split('\r\n').length, 3);
}

async function catalogFlow(page, base, tag) {
  await open(page, base, 'catalog', 'Catalog builder');
  await page.getByText(/No template stored/).waitFor();
  await page.locator('input[name=photos]').setInputFiles([await photo(page, 4, 'RING-1.png'), await photo(page, 5, 'RING-2.png')]);
  // a refused request shows the server's own message and code
  await page.getByLabel('SKUs (one per photo, in order)').fill('ONLY-ONE');
  await page.getByRole('button', { name: 'Build sheet' }).click();
  await page.getByRole('alert').filter({ hasText: 'sku_count_mismatch' }).waitFor();
  await page.getByLabel('SKUs (one per photo, in order)').fill('RING-1\nRING-2');
  await page.getByRole('button', { name: 'Build sheet' }).click();
  await page.getByText(/: done, 2\/2 photos/).waitFor({ timeout: 120000 });
  await page.getByRole('cell', { name: 'RING-2' }).waitFor();
  await shot(page, `catalog-${tag}`);
  await axe(page, `catalog ${tag}`);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download xlsx' }).click()]);
  const x = fs.readFileSync(await dl.path());
  assert.equal(x.subarray(0, 2).toString(), 'PK');
  // the job survives a reload
  await page.reload();
  await page.getByText(/: done, 2\/2 photos/).waitFor();
}

async function studioFlow(page, base, tag) {
  await open(page, base, 'studio', 'Image studio');
  await page.locator('input[name=photo]').first().waitFor();
  // AI scenes through the fake provider: all of them at desktop, one on the phone
  const scenes = tag === 'desktop' ? [2, 4, 5, 6, 7, 8] : [2];
  for (const n of scenes) await page.locator(`input[name=type${n}]`).check();
  await page.getByLabel('Height (dimension image)').fill('25mm');
  await page.getByLabel('Width (dimension image)').fill('12mm');
  await page.getByLabel('Marketplace rules').selectOption('meesho');
  assert.equal(await page.getByLabel('Image size').inputValue(), '1080x1440');
  await page.getByRole('button', { name: 'Make images' }).click();
  await page.getByRole('button', { name: 'Download ZIP' }).waitFor({ timeout: 120000 });
  await page.getByText('White Background', { exact: true }).waitFor();
  assert.deepEqual(await page.locator('.tile > .bad').allTextContents(), [], 'studio images failed');
  for (const name of ['Hand Holding', ...(tag === 'desktop' ? ['Lifestyle Nature', 'Model Wearing',
    'Pastel Gradient', 'Rich Backdrop', 'Props Flat Lay'] : [])])
    await page.getByText(name, { exact: true }).waitFor();
  await page.waitForFunction(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0));
  await ownAspect(page, 1440 / 1080);
  await shot(page, `studio-${tag}`);
  await axe(page, `studio ${tag}`);
  await page.getByRole('button', { name: 'Regenerate' }).first().click();
  await page.waitForFunction(() => !document.querySelector('button:disabled'));
  assert.equal(await page.locator('[role=alert]').first().textContent(), '');
  await page.waitForFunction(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0));
  await ownAspect(page, 1440 / 1080);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download ZIP' }).click()]);
  assert.equal(fs.readFileSync(await dl.path()).subarray(0, 2).toString(), 'PK');
}

// The studio's images (3:4 here) as thumbnails of their own shape, shown in a
// box of that shape: not padded to a square by /thumbs, not letterboxed by the page.
async function ownAspect(page, want) {
  const shapes = await page.locator('.grid[aria-live] .tile img').evaluateAll((l) => l.map((i) => {
    const b = i.getBoundingClientRect();
    return { alt: i.alt, natural: i.naturalHeight / i.naturalWidth, shown: b.height / b.width };
  }));
  assert.ok(shapes.length > 0, 'no studio images');
  for (const s of shapes) {
    assert.ok(Math.abs(s.natural - want) < 0.02, `${s.alt}: thumbnail is ${s.natural} high per wide, not ${want}`);
    assert.ok(Math.abs(s.shown - want) < 0.02, `${s.alt}: shown ${s.shown} high per wide (letterboxed), not ${want}`);
  }
}

// Bills: the real photographed bill (tests/data/bill_sample.png, read offline
// by OCR) beside its table; low-confidence cells flagged with the message as
// their title; an edit saved as version 2 and checked again (the line sum no
// longer matches Total Charges); columns and a row filter through
// /further_req; undo back to the edit; the stored CSV.
async function billsFlow(page, base, tag) {
  await open(page, base, 'bills', 'Bills');
  await page.locator('input[name=image]').setInputFiles(new URL('../data/bill_sample.png', import.meta.url).pathname);
  await page.getByRole('button', { name: 'Read bill' }).click();
  await page.getByText(/^Read: 11 rows, \d+ warnings? \(version 1\)$/).waitFor({ timeout: 120000 });
  await page.waitForFunction(() => { const i = document.querySelector('.bill-image img'); return i && i.complete && i.naturalWidth > 0; });
  assert.equal(await page.getByLabel('Amount, row 1', { exact: true }).inputValue(), '$2,579.90');
  assert.equal(await page.getByLabel('Description, row 3', { exact: true }).inputValue(), 'HC COMPREHENSIVE METABOLIC PANEL (LAB)');
  const flagged = page.locator('table.bill input.flag');
  assert.ok(await flagged.count() > 0, 'no flagged cell');
  assert.match(await flagged.first().getAttribute('title'), /was read with confidence \d+/);
  // the list below, too (open already when there are at most 8 notes)
  const notes = page.locator('details', { has: page.locator('summary', { hasText: /^\d+ warnings?$/ }) });
  if (!(await notes.evaluate((d) => d.open))) await notes.locator('summary').click();
  await page.getByText(/was read with confidence/).first().waitFor();
  await fitsWidth(page, tag, 'bills');
  await shot(page, `bills-${tag}`);
  await axe(page, `bills ${tag}`);
  // an edit: row 1's amount no longer adds up to Total Charges
  await page.getByLabel('Amount, row 1', { exact: true }).fill('$2,679.90');
  await page.getByRole('button', { name: 'Save edits' }).click();
  await page.getByText(/^Saved: 11 rows, \d+ warnings? \(version 2\)$/).waitFor();
  const total = page.getByLabel('Total Charges', { exact: true });
  assert.equal(await total.getAttribute('aria-invalid'), 'true');
  assert.match(await total.getAttribute('title'), /^Total Charges is 3954\.75, but .* = 4054\.75$/);
  // two columns, the rows over 200
  for (const c of ['Svc Dt', 'Code', 'CPT/ HCPCS Code', 'NDC', 'Qty'])
    await page.getByRole('checkbox', { name: c, exact: true }).uncheck();
  await page.getByLabel('Row filter').fill('Amount > 200');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByText(/^Filtered: 4 rows/).waitFor();
  assert.deepEqual(await page.locator('table.bill th').allTextContents(), ['Description', 'Amount']);
  assert.equal(await page.getByLabel('Amount, row 1', { exact: true }).inputValue(), '$2,679.90');
  // a filter the language cannot read: the server's message
  await page.getByLabel('Row filter').fill('Amout > 1000');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByRole('alert').filter({ hasText: 'bad_filter' }).waitFor();
  // undo: back to the saved edit
  await page.getByRole('button', { name: 'Undo' }).click();
  await page.getByText(/^Undone: 11 rows/).waitFor();
  assert.equal(await page.getByLabel('Amount, row 1', { exact: true }).inputValue(), '$2,679.90');
  assert.equal(await page.locator('table.bill th').count(), 7);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
  const csv = fs.readFileSync(await dl.path(), 'utf8');
  assert.ok(csv.startsWith('Svc Dt,Code,Description,CPT/ HCPCS Code,NDC,Qty,Amount\r\n'), csv);
  const [xl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download XLSX' }).click()]);
  assert.equal(fs.readFileSync(await xl.path()).subarray(0, 2).toString(), 'PK');
  // the same bill again: recognised, not read again
  await page.getByRole('button', { name: 'Read bill' }).click();
  await page.getByText(/^Already read \(the same bill; its latest version\): \d+ rows/).waitFor();
  await page.getByRole('button', { name: 'Download CSV' }).waitFor();
}

// Bills, a reading the server corrected: karat_fault's test reader
// (KARAT_FAKE_BILL_ROWS=8, KARAT_FAKE_BILL_OCR=1) reads an 8-row GST bill by
// "OCR" whose row 6 amount came back "239550.00" for "₹39550.00" and whose
// row 4 amount is really 100 too high. The correction is not a warning: its
// cell is marked apart (title "read as 239550.00", not aria-invalid), the
// counts keep them apart, and the list shows both.
async function billsCorrectedFlow(page, base, tag) {
  const server = await startServer({ KARAT_FAKE_BILL_ROWS: '8', KARAT_FAKE_BILL_OCR: '1' }, process.env.KARAT_FAULT_BIN);
  try {
    await open(page, server.base, 'bills', 'Bills');
    await page.locator('input[name=image]').setInputFiles(new URL('../data/bill_sample.png', import.meta.url).pathname);
    await page.getByRole('button', { name: 'Read bill' }).click();
    await page.getByText('Read: 8 rows, 1 warning, 1 corrected reading (version 1)', { exact: true }).waitFor({ timeout: 120000 });
    const fixed = page.getByLabel('Amount, row 6', { exact: true });
    assert.equal(await fixed.inputValue(), '\u20b939550.00');
    assert.equal(await fixed.getAttribute('class'), 'corrected');
    assert.equal(await fixed.getAttribute('title'), 'read as 239550.00');
    assert.equal(await fixed.getAttribute('aria-invalid'), null);
    const wrong = page.getByLabel('Amount, row 4', { exact: true });
    assert.equal(await wrong.getAttribute('class'), 'flag');
    assert.equal(await wrong.getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('table.bill input.flag').count(), 1);
    assert.equal(await page.locator('table.bill input.corrected').count(), 1);
    const summary = page.locator('summary', { hasText: '1 warning, 1 corrected reading' });
    if (await summary.locator('xpath=..').getAttribute('open') === null) await summary.click();
    assert.equal(await page.locator('ul.warnings li.warn').count(), 1);
    assert.match(await page.locator('ul.warnings li.corrected').textContent(), /^row 6: Amount was read as "239550\.00"/);
    await fitsWidth(page, tag, 'bills corrected');
    await shot(page, `bills-corrected-${tag}`);
    await axe(page, `bills corrected ${tag}`);
  } finally {
    await stopServer(server);
  }
}

// Orders: a Flipkart tax invoice generated here (tests/tools/order_pdf, the
// invoices the API tests read) -> its order fields and three items; the
// items' CSV; an Amazon invoice, which prints no tracking number, says so;
// a photo instead of a PDF shows the server's refusal (not_a_pdf).
function orderPdf(market, items) {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'karat-order-')), `${market}.pdf`);
  const r = spawnSync(process.env.KARAT_ORDER_PDF, [market, String(items), out], { encoding: 'utf8' });
  assert.equal(r.status, 0, 'order_pdf: ' + r.stderr);
  return out;
}
async function ordersFlow(page, base, tag) {
  await open(page, base, 'orders', 'Orders');
  const pdf = orderPdf('flipkart', 3);
  await page.locator('input[name=file]').setInputFiles(pdf);
  await page.getByRole('button', { name: 'Read order' }).click();
  await page.getByText('Read flipkart.pdf: Flipkart order OD432198765432101234, 3 items', { exact: true }).waitFor({ timeout: 120000 });
  const field = (name) => page.locator('table.order-fields tr', { has: page.getByRole('rowheader', { name, exact: true }) }).locator('td');
  assert.equal(await field('Customer').textContent(), 'Priya Sharma');
  assert.equal(await field('Shipping address').textContent(), '12 MG Road, Indiranagar, Bengaluru, KARNATAKA, 560038');
  assert.equal(await field('Payment').textContent(), 'Prepaid');
  assert.equal(await field('Tracking ID').textContent(), 'FMPC1234567890');
  const rows = page.locator('table.order-items tbody tr');
  assert.equal(await rows.count(), 3);
  const cells = await rows.nth(2).locator('td').allTextContents();
  for (const want of ['bangles', '3', '499.00']) assert.ok(cells.includes(want), `item 3: ${cells}`);
  assert.ok((await rows.nth(0).locator('td').allTextContents()).includes('Gold Plated Jhumka Earrings'));
  await fitsWidth(page, tag, 'orders');
  await shot(page, `orders-${tag}`);
  await axe(page, `orders ${tag}`);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
  const csv = fs.readFileSync(await dl.path(), 'utf8');
  assert.equal(dl.suggestedFilename(), 'OD432198765432101234.csv');
  assert.ok(csv.startsWith('order_id,marketplace,description,sku,item_type,sku_id,hsn,quantity,product_price,tax,total\r\n'), csv);
  assert.equal(csv.trim().split('\r\n').length, 4);
  // an Amazon invoice prints no tracking number: said so
  const amazon = orderPdf('amazon', 1);
  await page.locator('input[name=file]').setInputFiles(amazon);
  await page.getByRole('button', { name: 'Read order' }).click();
  await page.getByText('Read amazon.pdf: Amazon order 403-1234567-7654321, 1 item, 1 field not on the invoice', { exact: true }).waitFor();
  assert.equal(await field('Tracking ID').textContent(), 'not on the invoice');
  assert.equal(await field('Payment').textContent(), 'Credit Card');
  fs.rmSync(path.dirname(amazon), { recursive: true, force: true });
  // a photo is not an invoice: the server's message and code, the old result gone
  await page.locator('input[name=file]').setInputFiles(await photo(page, 1, 'drop.png'));
  await page.getByRole('button', { name: 'Read order' }).click();
  await page.getByRole('alert').filter({ hasText: 'not_a_pdf' }).waitFor();
  assert.equal(await page.locator('table.order-items').count(), 0);
  fs.rmSync(path.dirname(pdf), { recursive: true, force: true });
}

// Products: a CSV the test writes (12 pieces) imported beside the captioned
// photos' products; paging by 10, filters, a delete.
function productsCsv() {
  const rows = ['id,sku,name,description,colour,category,price,created_at'];
  for (let i = 1; i <= 12; i++)
    rows.push(`p-${i},SKU-${i},${i === 3 ? 'Pearl drop necklace' : 'Leaf studs ' + i},Handmade piece ${i},` +
      `${i % 2 ? 'Gold' : 'Silver'},${i === 3 ? 'Necklace' : 'Earrings'},${100 * i},2025-03-${String(i).padStart(2, '0')}`);
  return Buffer.from(rows.join('\n') + '\n');
}
async function productsFlow(page, base, tag) {
  await open(page, base, 'products', 'Products');
  await page.getByLabel('Products file (CSV or JSON)').setInputFiles({ name: 'products.csv', mimeType: 'text/csv', buffer: productsCsv() });
  await page.getByText('Imported 12 products from products.csv.').waitFor();
  await page.getByText(/^Products 1–10$/).waitFor();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByText(/^Products 11–\d+$/).waitFor();
  await page.getByRole('button', { name: 'Previous' }).click();
  await page.getByText(/^Products 1–10$/).waitFor();
  await page.getByLabel('Category').fill('necklace');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.locator('td', { hasText: 'Pearl drop necklace' }).first().waitFor();
  await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
  await page.getByLabel('Category').fill('');
  await page.getByLabel('Colour').fill('silver');
  await page.getByLabel('Min price').fill('500');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 4); // 6, 8, 10, 12
  await fitsWidth(page, tag, 'products');
  await shot(page, `products-${tag}`);
  await axe(page, `products ${tag}`);
  await page.getByRole('button', { name: 'Delete Leaf studs 8' }).click();
  await page.getByText('Deleted Leaf studs 8.').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 3);
  const r = await fetch(base + '/products/p-8');
  assert.equal(r.status, 404);
}

// Market watch: watch a product on the fixture marketplace (the fake provider
// serves tests/data/market), observe it twice, the history as a chart and a
// table, remove it.
async function watchFlow(page, base, tag) {
  await open(page, base, 'watch', 'Market watch');
  await page.getByText('Nothing watched yet.').waitFor();
  await page.getByLabel('ASIN or item id').fill('B0TARGET01');
  await page.getByLabel('Search query (optional)').fill('kundan earrings');
  await page.getByRole('button', { name: 'Watch', exact: true }).click();
  await page.getByText('Watching B0TARGET01.').waitFor();
  for (let i = 1; i <= 2; i++) {
    await page.getByRole('button', { name: 'Observe B0TARGET01 now' }).click();
    await page.getByRole('img', { name: `Rank and price over ${i} observation${i === 1 ? '' : 's'}` }).waitFor();
  }
  await page.locator('td', { hasText: 'page 1, #4' }).first().waitFor();
  await page.locator('td', { hasText: '₹799' }).first().waitFor();
  assert.equal(await page.locator('svg.chart circle').count(), 4); // rank and price, twice
  await fitsWidth(page, tag, 'watch');
  await shot(page, `watch-${tag}`);
  await axe(page, `watch ${tag}`);
  await page.getByRole('button', { name: 'Stop watching B0TARGET01' }).click();
  await page.getByText('Stopped watching B0TARGET01.').waitFor();
  await page.getByText('Nothing watched yet.').waitFor();
}

// Collections: two styles from the server's list, gold earrings under 1000;
// every piece satisfies the filters; the captioned photos' products bring
// thumbnails; the CSV export.
async function collectionsFlow(page, base, tag) {
  await open(page, base, 'collections', 'Collections');
  const styles = page.getByLabel(/^Styles/);
  await page.waitForFunction(() => document.querySelectorAll('select[name=styles] option').length === 59);
  await styles.selectOption(['Elegence', 'Floral']);
  await page.getByLabel('Pieces').fill('4');
  await page.getByLabel('Colour').fill('gold');
  await page.getByLabel('Max price').fill('1000');
  await page.getByLabel('Audience').fill('college women');
  await page.getByRole('button', { name: 'Make collection' }).click();
  await page.locator('#collection-title').waitFor();
  assert.match(await page.locator('#collection-title').textContent(), /\S/);
  const items = await page.locator('section li.tile').allTextContents();
  assert.ok(items.length >= 1 && items.length <= 4, items.join(' | '));
  for (const t of items) assert.match(t, /Gold/i, t);
  // a piece asked for by id comes with its photo
  const photo = (await (await fetch(base + '/products?q=earrings&limit=200')).json()).products.find((p) => p.id.startsWith('img-'));
  if (photo) {
    await page.getByLabel('Always include (product ids)').fill(photo.id);
    await page.getByRole('button', { name: 'Make collection' }).click();
    await page.locator('section li.tile', { hasText: 'ID ' + photo.id }).waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('section li.tile img')].some((i) => i.complete && i.naturalWidth > 0));
  }
  await fitsWidth(page, tag, 'collections');
  await shot(page, `collections-${tag}`);
  await axe(page, `collections ${tag}`);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
  const csv = fs.readFileSync(await dl.path(), 'utf8');
  assert.ok(csv.startsWith('position,id,name,colour,category,price,image_urls'), csv);
}

async function statusFlow(page, base, tag) {
  await open(page, base, 'status', 'Status');
  await page.getByRole('row', { name: /Photos indexed/ }).waitFor();
  await page.getByText(/catalog [0-9a-f]{8}: done, 2 photos/).waitFor();
  assert.ok(!(await page.content()).includes(KEY));
  await shot(page, `status-${tag}`);
  await axe(page, `status ${tag}`);
}

// The data the documented examples name: a template for the pair they use
// (flipkart earrings, the fuzz corpus's real Flipkart workbook) and stored
// photos; a field listed in x-example-photo gets a stored photo's URL in
// place of the example URL (keys are made by the server), a fresh photo
// each time since /delete_image's example removes it.
async function exampleData(page, base) {
  const x = fs.readFileSync(new URL('../fuzz/corpus/xlsx_template/flipkart.xlsx', import.meta.url));
  const f = new FormData();
  f.append('file', new Blob([x]), 'flipkart.xlsx');
  const t = await fetch(base + '/templates/flipkart/earrings', { method: 'POST', body: f });
  assert.equal(t.status, 201, `template for the examples: ${await t.text()}`);
  let n = 10;
  return async () => {
    const p = await photo(page, n++, 'example.png');
    const g = new FormData();
    g.append('file', new Blob([p.buffer], { type: p.mimeType }), `example-${n}.png`);
    const r = await fetch(base + '/upload-and-index?website=alya', { method: 'POST', body: g });
    assert.ok(r.ok, `photo for the examples: ${r.status}`);
    return (await r.json()).s3_url;
  };
}
function withPhoto(value, sample, url) {
  return typeof value === 'string' ? value.split(sample).join(url) : value;
}

async function docsFlow(page, base, tag, server = { base }) {
  await page.goto(base + '/docs');
  await page.getByRole('heading', { name: /POST \/catalog-ai/ }).waitFor();
  const spec = await (await fetch(base + '/openapi.json')).json();
  const n = Object.values(spec.paths).reduce((a, p) => a + Object.keys(p).length, 0);
  assert.equal(await page.locator('main section').count(), n);
  const stored = await exampleData(page, server.base);
  // every documented GET whose parameters all have examples answers 2xx
  let tried = 0;
  for (const [p, item] of Object.entries(spec.paths)) {
    const op = item.get;
    const params = (op && op.parameters) || [];
    if (!op || params.some((x) => x.required && x.example === undefined)) continue;
    let url = p;
    const q = new URLSearchParams();
    for (const x of params) {
      if (x.example === undefined) continue;
      let v = String(x.example);
      if (x['x-example-photo']) v = (await stored()).split('/').pop();
      if (x.in === 'path') url = url.replace(`{${x.name}}`, encodeURIComponent(v));
      else q.set(x.name, v);
    }
    const r = await fetch(server.base + url + ([...q].length ? '?' + q : ''));
    assert.ok(r.ok, `documented example GET ${url}?${q} answered ${r.status}`);
    tried++;
  }
  assert.ok(tried >= 11, `only ${tried} documented examples tried`);
  // every documented example request body answers 2xx; every JSON body has
  // an example (so a new route cannot go untried)
  const posted = [];
  for (const [p, item] of Object.entries(spec.paths)) {
    const op = item.post;
    const content = (op && op.requestBody && op.requestBody.content) || {};
    if (content['application/json'] && !p.includes('{'))
      assert.ok(content['application/json'].example !== undefined, `POST ${p}: JSON body without an example`);
    for (const [type, media] of Object.entries(content)) {
      if (media.example === undefined || p.includes('{')) continue;
      assert.equal(media['x-example-status'], undefined, `POST ${p}: an example must succeed`);
      const example = { ...media.example };
      const sample = String(example[(media['x-example-photo'] || [])[0]]).split(',')[0];
      for (const k of media['x-example-photo'] || []) example[k] = withPhoto(example[k], sample, await stored());
      let body = JSON.stringify(example);
      const headers = {};
      if (type === 'multipart/form-data') {
        body = new FormData();
        for (const [k, v] of Object.entries(example)) body.append(k, String(v));
      } else {
        headers['Content-Type'] = type;
      }
      const r = await fetch(server.base + p, { method: 'POST', body, headers });
      const text = await r.text();
      assert.ok(r.ok, `documented example POST ${p} answered ${r.status}: ${text}`);
      assert.ok(String(r.status) in op.responses, `POST ${p}: ${r.status} is not documented`);
      if (p === '/delete_image') assert.equal(JSON.parse(text).status, 'success', text);
      posted.push(p);
    }
  }
  for (const p of ['/delete_image', '/clear_excel_file', '/catalog-ai', '/catalog_ai_variations', '/generate-images'])
    assert.ok(posted.includes(p), `documented example POST ${p} not tried`);
  await shot(page, `docs-${tag}`);
  await axe(page, `docs ${tag}`);
}

async function run(browser, viewport, tag, fake) {
  const server = await startServer(providerEnv(fake));
  const ctx = await browser.newContext({ viewport, acceptDownloads: true, bypassCSP: true });
  const page = await ctx.newPage();
  const errors = [];
  watch(page, errors);
  page.setDefaultTimeout(60000);
  try {
    for (const [name, flow] of [['photos', photosFlow], ['captions', captionsFlow], ['catalog', catalogFlow],
      ['studio', studioFlow], ['bills', billsFlow], ['bills', billsCorrectedFlow], ['orders', ordersFlow], ['products', productsFlow], ['collections', collectionsFlow], ['watch', watchFlow],
      ['status', statusFlow], ['docs', docsFlow]]) {
      if (ONLY && !ONLY.includes(name)) continue;
      await flow(page, server.base, tag);
      checkErrors(errors, `${name} ${tag}`);
      console.log(`ok ${name} ${tag}`);
    }
  } catch (e) {
    console.error('page errors so far:', errors);
    await shot(page, `FAILED-${tag}`).catch(() => {});
    throw e;
  } finally {
    await ctx.close();
    await stopServer(server);
  }
}

async function authFlow(browser) {
  const server = await startServer({ KARAT_API_KEYS: KEY });
  const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, bypassCSP: true });
  const page = await ctx.newPage();
  const errors = [];
  watch(page, errors);
  try {
    await page.goto(server.base + '/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await axe(page, 'sign-in');
    await page.getByLabel('API key').fill('wrong-key-wrong-key-wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'unauthorized' }).waitFor();
    await page.getByLabel('API key').fill(KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Photos' }).waitFor();
    await page.getByText('No photos stored yet.').waitFor();
    assert.equal(await page.evaluate(() => localStorage.length), 0);
    await shot(page, 'signin-phone');
    checkErrors(errors.filter((e) => !/ 401$/.test(e) && !e.includes('401')), 'sign-in');
    console.log('ok sign-in');
  } finally {
    await ctx.close();
    await stopServer(server);
  }
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage'] });
const fake = await startFakeProvider();
try {
  await run(browser, { width: 1280, height: 860 }, 'desktop', fake);
  await run(browser, { width: 360, height: 740 }, 'phone', fake);
  if (!ONLY) await authFlow(browser);
} finally {
  await browser.close();
  fake.child.kill('SIGTERM');
}
console.log('browser suite: all passed; screenshots in ' + OUT);
