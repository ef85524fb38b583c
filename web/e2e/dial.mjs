// Click-to-call at the desk, in a real Chromium with a fake microphone: the
// operator types a number and calls; the call appears on the desk (calling,
// then connected when the sipp customer answers), the operator hangs up and
// writes the wrap-up, and is back where they were. Driven by
// cmd/tsunagu/dial_test.go, which runs sipp as the carrier and customer:
//   node web/e2e/dial.mjs http://127.0.0.1:PORT SCREENSHOT_DIR
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base, shots] = process.argv.slice(2);
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
// 401 before the login and the refused international number (403) are expected.
page.on('response', (r) => r.status() >= 404 && errors.push(r.status() + ' ' + r.url()));
page.on('console', (m) => m.type() === 'error' && !/status of 40[13]/.test(m.text()) && errors.push(m.text()));
try {
  await page.goto(base);
  await page.getByLabel('ユーザー名').fill('op01');
  await page.getByLabel('パスワード').fill('tsunagu-demo');
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.locator('[data-testid=phone][data-phone=connected]').waitFor();
  await page.getByRole('button', { name: '受付可' }).click();
  await page.locator('[data-testid=state][data-state=available]').waitFor();

  // An international number is refused with the reason, nothing dialled.
  const dial = page.getByTestId('dial');
  await dial.getByTestId('dial-number').fill('+1 212 555 0100');
  await dial.getByTestId('dial-call').click();
  await dial.getByTestId('dial-error').filter({ hasText: /not allowed/ }).waitFor();
  assert.equal(await page.getByTestId('call').count(), 0);

  // The number box: the call is on the desk at once (calling), then
  // connected when the customer answers.
  await dial.getByTestId('dial-number').fill('090-1111-2222');
  await dial.getByTestId('dial-call').click();
  await page.locator('[data-testid=call][data-phase=connected]').waitFor();
  await page.locator('[data-testid=state][data-state=on_contact]').waitFor();
  assert.ok(await dial.getByTestId('dial-call').isDisabled(), 'no second call while on one');
  // The customer's audio arrives in the page: the softphone's track is live.
  await page.waitForFunction(() => {
    const a = document.querySelector('audio');
    const s = a && a.srcObject;
    return !!s && s.getAudioTracks().some((t) => t.readyState === 'live');
  });
  await page.locator('.timer', { hasText: /0:0[1-9]/ }).waitFor();
  if (shots) await page.screenshot({ path: join(shots, 'dial-connected.png'), fullPage: true });
  await page.getByRole('button', { name: '終話' }).click();
  await page.locator('[data-testid=call][data-phase=wrapup]').waitFor();
  await page.locator('[data-testid=state][data-state=after_call_work]').waitFor();
  await page.locator('select[name=reason_id]').selectOption('password');
  await page.locator('select[name=disposition_id]').selectOption('resolved');
  await page.locator('textarea[name=notes]').fill('折り返しのご案内。');
  await page.getByRole('button', { name: '後処理を完了' }).click();
  await page.getByTestId('call').waitFor({ state: 'detached' });
  // Back as before the call: available.
  await page.locator('[data-testid=state][data-state=available]').waitFor();

  // My callbacks: the callback's call button places the call; once
  // the customer has answered and the call is over, it leaves the list.
  const cb = page.getByTestId('callbacks').getByTestId('callback').filter({ hasText: '080-2222-3333' });
  await cb.getByTestId('callback-call').click();
  await page.locator('[data-testid=call][data-phase=connected]').waitFor();
  await page.getByRole('button', { name: '終話' }).click();
  await page.locator('[data-testid=call][data-phase=wrapup]').waitFor();
  await cb.waitFor({ state: 'detached' });
  await page.locator('select[name=reason_id]').selectOption('password');
  await page.locator('select[name=disposition_id]').selectOption('resolved');
  await page.getByRole('button', { name: '後処理を完了' }).click();
  await page.getByTestId('call').waitFor({ state: 'detached' });
  await page.locator('[data-testid=state][data-state=available]').waitFor();
  assert.deepEqual(errors, [], 'no errors in the page');
  console.log('DONE');
} finally {
  await ctx.close();
}
