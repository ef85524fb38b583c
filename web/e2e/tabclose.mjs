// A closed tab: op01 becomes available in Chromium, then the tab is closed
// without logging out. cmd/tsunagu/tabclose_test.go then checks that the
// server made op01 not-ready and that a caller is not offered to them.
//   node web/e2e/tabclose.mjs http://127.0.0.1:PORT
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const [base] = process.argv.slice(2);
assert.ok(base, 'usage: tabclose.mjs URL');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    '--allow-loopback-in-peer-connection'],
});
try {
  const ctx = await browser.newContext({ locale: 'ja-JP' });
  const page = await ctx.newPage();
  page.setDefaultTimeout(30000);
  await page.goto(base);
  await page.getByLabel('ユーザー名').fill('op01');
  await page.getByLabel('パスワード').fill('tsunagu-demo');
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.locator('[data-testid=phone][data-phone=connected]').waitFor();
  await page.getByRole('button', { name: '受付可' }).click();
  await page.locator('[data-testid=state][data-state=available]').waitFor();
  await page.close(); // the tab, not the session: no logout, no state change sent
  console.log('CLOSED');
} finally {
  await browser.close();
}
