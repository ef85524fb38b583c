// The desk as an operator sees it, in a real Chromium: log in, become
// available, find the caller by number, search the knowledge base, switch
// language. Run by cmd/tsunagu/browser_test.go against a demo server:
//   node web/e2e/desk.mjs http://127.0.0.1:PORT SCREENSHOT_DIR
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base, shots] = process.argv.slice(2);
assert.ok(base, 'usage: desk.mjs URL SCREENSHOT_DIR');

const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'tsunagu-chromium-')), {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  locale: 'ja-JP',
  viewport: { width: 1280, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    '--allow-loopback-in-peer-connection'],
});
const page = ctx.pages()[0] ?? (await ctx.newPage());
page.setDefaultTimeout(20000);
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));
// The first /me before login and the wrong password answer 401 by design;
// any other console error is a bug.
page.on('console', (m) => m.type() === 'error' && !/status of 401/.test(m.text()) && errors.push(m.text()));
try {
  await page.goto(base);
  // Wrong password: a clear message, still on the login form.
  await page.getByLabel('ユーザー名').fill('op01');
  await page.getByLabel('パスワード').fill('wrong-password');
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').textContent(), /Wrong username or password/);

  await page.getByLabel('パスワード').fill('tsunagu-demo');
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.getByTestId('who').waitFor();
  assert.match(await page.getByTestId('who').textContent(), /佐藤 蓮/);
  assert.equal(await page.getByTestId('state').textContent(), 'オフライン');

  // The softphone connects by itself (fake microphone); then the agent can
  // become available: the state changes on screen and the live stream shows it.
  await page.locator('[data-testid=phone][data-phone=connected]').waitFor();
  await page.getByRole('button', { name: '受付可' }).click();
  await page.locator('[data-testid=state][data-state=available]').waitFor();
  await page.locator('[data-testid=events] code', { hasText: 'agent:state_changed' }).first().waitFor();
  await page.locator('.live.on').waitFor();

  // Three queue tiles from the demo center.
  assert.equal(await page.locator('.tile').count(), 3);
  assert.match(await page.getByTestId('queue-general').textContent(), /一般のお問い合わせ/);

  // Screen pop by caller ID: masked name, and the history.
  await page.locator('input[name=phone]').fill('090-1234-5678');
  await page.getByRole('button', { name: '検索' }).click();
  await page.getByTestId('customer').waitFor();
  assert.match(await page.getByTestId('customer').textContent(), /山田 \*\*/);
  await page.locator('.history li').first().waitFor();

  // Knowledge search while typing: "/" jumps to the box from anywhere,
  // results come with highlighted matches.
  await page.locator('body').click({ position: { x: 5, y: 300 } });
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'q');
  await page.keyboard.type('パスワード 忘れた');
  await page.locator('[data-testid=kb-results] li mark').first().waitFor();
  const first = await page.locator('[data-testid=kb-results] li .title').first().textContent();
  assert.match(first, /パスワード/);

  // The answer opens beside the list; "solved with this" is recorded.
  await page.locator('[data-testid=kb-results] li .title').first().click();
  await page.getByTestId('article').waitFor();
  assert.match(await page.locator('[data-testid=article] h3').textContent(), /パスワード/);
  await page.getByRole('button', { name: 'これで解決' }).click();
  await page.getByRole('status').waitFor();
  assert.match(await page.getByRole('status').textContent(), /記録しました/);
  assert.match(await page.getByTestId('article').textContent(), /解決 1/);

  if (shots) await page.screenshot({ path: join(shots, 'desk-ja.png'), fullPage: true });

  // English on request, remembered.
  await page.getByRole('button', { name: 'Language' }).click();
  await page.getByRole('button', { name: 'Available' }).waitFor();
  assert.equal(await page.getByTestId('state').textContent(), 'Available');
  if (shots) await page.screenshot({ path: join(shots, 'desk-en.png'), fullPage: true });

  assert.deepEqual(errors, [], 'no errors in the page');
  console.log('desk e2e: ok');
} finally {
  await ctx.close();
}
