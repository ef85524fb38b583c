// A whole call at the desk, in a real Chromium with a fake microphone: the
// operator connects the softphone, becomes available, gets the ringing
// caller with the screen pop, answers, talks, hangs up and writes the
// wrap-up. Driven by cmd/tsunagu/browser_test.go, which places the call
// with sipp once this script prints READY:
//   node web/e2e/call.mjs http://127.0.0.1:PORT SCREENSHOT_DIR
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
page.on('response', (r) => r.status() === 404 && errors.push('404 ' + r.url()));
page.on('console', (m) => m.type() === 'error' && !/status of 401/.test(m.text()) && errors.push(m.text()));
try {
  await page.goto(base);
  await page.getByLabel('ユーザー名').fill('op01');
  await page.getByLabel('パスワード').fill('tsunagu-demo');
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.locator('[data-testid=phone][data-phone=connected]').waitFor();
  await page.getByRole('button', { name: '受付可' }).click();
  await page.locator('[data-testid=state][data-state=available]').waitFor();
  console.log('READY');

  // The call rings on the desk with the caller found by number.
  await page.locator('[data-testid=call][data-phase=ringing]').waitFor();
  await page.getByTestId('caller').filter({ hasText: '山田' }).waitFor();
  assert.equal(await page.getByTestId('state').getAttribute('data-state'), 'reserved');
  await page.getByRole('button', { name: '応答' }).click();
  await page.locator('[data-testid=call][data-phase=connected]').waitFor();
  await page.locator('[data-testid=state][data-state=on_contact]').waitFor();
  // The caller's audio arrives in the page: the softphone's track is live.
  await page.waitForFunction(() => {
    const a = document.querySelector('audio');
    const s = a && a.srcObject;
    return !!s && s.getAudioTracks().some((t) => t.readyState === 'live');
  });
  // Hold while looking something up: the caller hears music, the desk a hold timer.
  await page.getByRole('button', { name: '保留', exact: true }).click();
  await page.getByTestId('hold').waitFor();
  // On hold, the answer from the knowledge base: search, open, mark it.
  await page.locator('input[name=q]').fill('パスワード 忘れた');
  await page.locator('[data-testid=kb-results] li .title').first().click();
  await page.getByTestId('article').waitFor();
  await page.getByRole('button', { name: 'これで解決' }).click();
  await page.getByText('「これで解決」を記録しました').waitFor();
  await page.getByRole('button', { name: '保留解除' }).click();
  await page.getByTestId('hold').waitFor({ state: 'detached' });
  // Talk for a moment: the call timer passes 0:02.
  await page.locator('.timer', { hasText: /0:0[2-9]/ }).waitFor();
  if (shots) await page.screenshot({ path: join(shots, 'call-connected.png'), fullPage: true });

  await page.getByRole('button', { name: '終話' }).click();
  await page.locator('[data-testid=call][data-phase=wrapup]').waitFor();
  await page.locator('[data-testid=state][data-state=after_call_work]').waitFor();
  await page.locator('select[name=reason_id]').selectOption('password');
  await page.locator('select[name=disposition_id]').selectOption('resolved');
  await page.locator('textarea[name=notes]').fill('パスワード再設定の手順をご案内。');
  await page.getByLabel('お客様から「ありがとう」').check();
  if (shots) await page.screenshot({ path: join(shots, 'call-wrapup.png'), fullPage: true });
  await page.getByRole('button', { name: '後処理を完了' }).click();
  await page.getByTestId('call').waitFor({ state: 'detached' });
  await page.locator('[data-testid=state][data-state=available]').waitFor();

  assert.deepEqual(errors, [], 'no errors in the page');
  console.log('DONE');
} finally {
  await ctx.close();
}
