// The DTMF keypad during a call, in a real Chromium. First the admin
// narrows the general queue's wrap-up to two
// dispositions (問い合わせ理由 tab, キューごとの結果). Then op01 answers the
// caller, opens the keypad with Alt+K, presses 1 and 2 with the mouse and
// types 3 and # on the keyboard; the Go side (cmd/tsunagu/keypad_test.go)
// reads the RFC 4733 events the caller receives and then writes GO on
// stdin. Then the wrap-up offers
// only the dispositions the admin chose. Driven by
// TestBrowser_Keypad, which places the call once this prints READY:
//   node web/e2e/keypad.mjs http://127.0.0.1:PORT SCREENSHOT_DIR
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const [base, shots] = process.argv.slice(2);
const rl = createInterface({ input: process.stdin });
const stdin = rl[Symbol.asyncIterator]();
const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'tsunagu-chromium-')), {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  locale: 'ja-JP',
  viewport: { width: 1280, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'],
});
const page = ctx.pages()[0] ?? (await ctx.newPage());
page.setDefaultTimeout(30000);
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));
page.on('response', (r) => (r.status() === 404 || r.status() >= 500) && errors.push(r.status() + ' ' + r.url()));
page.on('response', (r) => r.url().includes('/dtmf') && r.status() !== 202 && errors.push('dtmf ' + r.status()));
page.on('console', (m) => m.type() === 'error' && !/status of 40[01]/.test(m.text()) && errors.push(m.text()));
try {
  // The admin chooses general's dispositions: エスカレーション, then 解決.
  const admin = await ctx.newPage();
  admin.on('pageerror', (e) => errors.push('admin: ' + String(e)));
  await admin.goto(base);
  await admin.getByLabel('ユーザー名').fill('admin');
  await admin.getByLabel('パスワード').fill('tsunagu-demo');
  await admin.getByRole('button', { name: 'ログイン' }).click();
  await admin.getByTestId('admin-link').click();
  await admin.getByTestId('tab-reasons').click();
  const general = admin.getByTestId('queue-dispositions-general');
  await general.getByText('すべて(指定なし)').waitFor();
  await general.getByLabel('エスカレーション', { exact: true }).check();
  await general.getByLabel('解決', { exact: true }).check();
  await general.getByText('2 件').waitFor();
  await general.getByRole('button', { name: '保存' }).click();
  await general.getByTestId('admin-status').filter({ hasText: '保存しました' }).waitFor();
  if (shots) await admin.screenshot({ path: join(shots, 'admin-queue-dispositions.png'), fullPage: true });
  // Log out: the operator logs in next in the same browser.
  await admin.getByRole('button', { name: 'ログアウト' }).click();
  await admin.getByLabel('ユーザー名').waitFor();
  await admin.close();
  console.log('CHOSEN');

  await page.goto(base);
  await page.getByLabel('ユーザー名').fill('op01');
  await page.getByLabel('パスワード').fill('tsunagu-demo');
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.locator('[data-testid=phone][data-phone=connected]').waitFor();
  await page.getByRole('button', { name: '受付可' }).click();
  await page.locator('[data-testid=state][data-state=available]').waitFor();
  console.log('READY');

  await page.locator('[data-testid=call][data-phase=ringing]').waitFor();
  await page.keyboard.press('Alt+KeyA');
  await page.locator('[data-testid=call][data-phase=connected]').waitFor();

  // The keypad: a button with its shortcut, opened from the keyboard.
  const toggle = page.getByRole('button', { name: 'キーパッド', exact: true });
  assert.equal(await toggle.getAttribute('aria-keyshortcuts'), 'Alt+K');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  await page.keyboard.press('Alt+KeyK');
  const keypad = page.getByRole('group', { name: 'キーパッド(トーン送信)' });
  await keypad.waitFor();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-key')), '1', 'focus on the first key');
  assert.ok(await keypad.getByRole('button', { name: 'シャープ(#)' }).isVisible(), 'the # key has a spoken name');
  // Two keys with the mouse, two typed.
  await keypad.getByRole('button', { name: '1', exact: true }).click();
  await keypad.getByRole('button', { name: '2', exact: true }).click();
  await page.keyboard.type('3#');
  await page.locator('[data-testid=keypad-sent][data-sent="4"]').waitFor();
  assert.equal((await page.getByTestId('keypad-display').textContent()).trim(), '123#');
  if (shots) await page.screenshot({ path: join(shots, 'call-keypad.png'), fullPage: true });
  console.log('KEYED');
  // The Go side says GO once the caller has received the four digits.
  assert.equal((await stdin.next()).value, 'GO');
  rl.close(); // an open stdin would keep node running
  // On hold the keys rest: the digits would reach the music, not the caller.
  await page.keyboard.press('Alt+KeyH');
  await page.getByTestId('hold').waitFor();
  await keypad.getByText('保留中は送れません').waitFor();
  assert.ok(await keypad.getByRole('button', { name: '5', exact: true }).isDisabled(), 'no keys while on hold');
  await page.keyboard.press('Alt+KeyH');
  await page.getByTestId('hold').waitFor({ state: 'detached' });
  // Escape closes it and gives the focus back to its button.
  await keypad.getByRole('button', { name: '0', exact: true }).focus();
  await page.keyboard.press('Escape');
  await keypad.waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'キーパッド');

  await page.getByRole('button', { name: '終話' }).click();
  await page.locator('[data-testid=call][data-phase=wrapup]').waitFor();
  // The queue offers the two outcomes the admin chose, in their order.
  const disposition = page.locator('select[name=disposition_id]');
  await disposition.locator('option[value=escalated]').waitFor({ state: 'attached' });
  const offered = await disposition.locator('option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
  assert.deepEqual(offered, ['escalated', 'resolved']);
  await page.getByTestId('verify').getByRole('button', { name: '回答拒否' }).click();
  await page.locator('[data-testid=verify][data-outcome=refused]').waitFor();
  await page.locator('select[name=reason_id]').selectOption('other');
  await disposition.selectOption('escalated');
  await page.keyboard.press('Alt+KeyW');
  await page.getByTestId('call').waitFor({ state: 'detached' });

  assert.deepEqual(errors, [], 'no errors in the page');
  console.log('DONE');
} finally {
  await ctx.close();
}
