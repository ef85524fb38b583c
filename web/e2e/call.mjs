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
// A refused request is logged by the browser; each 400 must be one the
// script provoked (the wrap-up without a reason), counted below.
const refused = [];
page.on('response', (r) => r.status() === 400 && refused.push(new URL(r.url()).pathname));
page.on('console', (m) => m.type() === 'error' && !/status of 40[01]/.test(m.text()) && errors.push(m.text()));
try {
  // The page's clock runs at real speed until the script moves it forward
  // (a hold past the queue's callback threshold, below).
  await page.clock.install();
  await page.goto(base);
  await page.getByLabel('ユーザー名').fill('op01');
  await page.getByLabel('パスワード').fill('tsunagu-demo');
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.locator('[data-testid=phone][data-phone=connected]').waitFor();
  await page.getByRole('button', { name: '受付可' }).click();
  await page.locator('[data-testid=state][data-state=available]').waitFor();
  // Queue tiles: nothing answered today yet (the demo's history is from earlier days).
  await page.locator('.tile').first().waitFor();
  assert.equal(await page.locator('.tile .small', { hasText: '%' }).count(), 0, 'no service level before the first call');
  console.log('READY');

  // The call rings on the desk with the caller found by number.
  await page.locator('[data-testid=call][data-phase=ringing]').waitFor();
  await page.getByTestId('caller').filter({ hasText: '山田' }).waitFor();
  assert.equal(await page.getByTestId('state').getAttribute('data-state'), 'reserved');
  // The shortcut is on the button: its title and aria-keyshortcuts.
  const answerButton = page.getByRole('button', { name: '応答' });
  assert.equal(await answerButton.getAttribute('aria-keyshortcuts'), 'Alt+A');
  assert.match(await answerButton.getAttribute('title'), /Alt\+A/);
  if (shots) await page.screenshot({ path: join(shots, 'call-ringing.png'), fullPage: true });
  // The masked name is revealed on purpose (an audited read).
  await page.getByRole('button', { name: /^表示/ }).click();
  await page.getByTestId('caller').filter({ hasText: '山田 太郎' }).waitFor();
  await page.keyboard.press('Alt+KeyA');
  await page.locator('[data-testid=call][data-phase=connected]').waitFor();
  await page.locator('[data-testid=state][data-state=on_contact]').waitFor();
  // The caller's audio arrives in the page: the softphone's track is live.
  await page.waitForFunction(() => {
    const a = document.querySelector('audio');
    const s = a && a.srcObject;
    return !!s && s.getAudioTracks().some((t) => t.readyState === 'live');
  });
  // The identity check: the queue's checklist, every item, then verified.
  const verify = page.getByTestId('verify');
  await verify.getByText('後処理の前に必要です').waitFor();
  assert.ok(await verify.getByRole('button', { name: '確認済み' }).isDisabled(), 'verified needs every item');
  await verify.getByLabel('氏名').check();
  await verify.getByLabel('ご登録メールアドレス').check();
  await verify.getByRole('button', { name: '確認済み' }).click();
  await page.locator('[data-testid=verify][data-outcome=verified]').waitFor();
  // Talk for a moment: the call timer passes 0:02 (the caller's script
  // speaks two seconds in and expects the BYE after that).
  await page.locator('.timer', { hasText: /0:0[2-9]/ }).waitFor();
  // Hold while looking something up: the caller hears music, the desk a hold timer.
  await page.getByRole('button', { name: '保留', exact: true }).click();
  await page.getByTestId('hold').waitFor();
  // Past the queue's threshold (技術サポート: 90 s) the desk suggests a
  // callback, and one click schedules it for the caller's number.
  await page.clock.fastForward('01:31');
  await page.locator('[data-testid=hold].long', { hasText: '折り返しのお電話をご提案ください' }).waitFor();
  await page.getByRole('button', { name: '折り返しを予約' }).click();
  await page.getByTestId('callback-scheduled').waitFor();
  if (shots) await page.screenshot({ path: join(shots, 'call-hold.png'), fullPage: true });
  // On hold, the answer from the knowledge base: search, open, mark it.
  await page.locator('input[name=q]').fill('パスワード 忘れた');
  await page.locator('[data-testid=kb-results] li .title').first().click();
  await page.getByTestId('article').waitFor();
  await page.getByRole('button', { name: 'これで解決' }).click();
  await page.getByText('「これで解決」を記録しました').waitFor();
  await page.keyboard.press('Alt+KeyH'); // 保留解除 from the keyboard
  await page.getByTestId('hold').waitFor({ state: 'detached' });
  if (shots) await page.screenshot({ path: join(shots, 'call-connected.png'), fullPage: true });

  await page.getByRole('button', { name: '終話' }).click();
  await page.locator('[data-testid=call][data-phase=wrapup]').waitFor();
  await page.locator('[data-testid=state][data-state=after_call_work]').waitFor();
  // The queue's after-call-work time counts down.
  await page.getByTestId('acw').filter({ hasText: /後処理 残り 1:2\d/ }).waitFor();
  // The reason is required: the server says so and the form points at it.
  await page.locator('select[name=disposition_id]').selectOption('resolved');
  await page.getByRole('button', { name: '後処理を完了' }).click();
  await page.getByRole('alert').filter({ hasText: '問い合わせ理由を選んでください' }).waitFor();
  assert.equal(await page.locator('select[name=reason_id]').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'reason_id', 'focus on the field at fault');
  await page.locator('select[name=reason_id]').selectOption('password');
  await page.locator('textarea[name=notes]').fill('パスワード再設定の手順をご案内。');
  await page.getByRole('group', { name: 'メモのひな形' }).getByRole('button', { name: '手順をご案内し、解決を確認。' }).click();
  await page.getByLabel('お客様から「ありがとう」').check();
  await page.getByLabel('分類').selectOption('website');
  await page.getByLabel('ご意見の内容').fill('アプリの文字が小さくて読みにくい');
  await page.getByLabel('折り返しを約束した').check();
  await page.getByLabel('日時').waitFor(); // +1 h by default; owner: me; number: the caller's
  assert.ok(await page.getByRole('radio', { name: '自分' }).isChecked());
  if (shots) await page.screenshot({ path: join(shots, 'call-wrapup.png'), fullPage: true });
  await page.keyboard.press('Alt+KeyW'); // 後処理を完了 from the keyboard
  await page.getByTestId('call').waitFor({ state: 'detached' });
  await page.locator('[data-testid=state][data-state=available]').waitFor();
  // The tiles followed the call without a reload: the server pushes them (queue:stats).
  await page.locator('.tile .small', { hasText: '%' }).first().waitFor();

  // Both callbacks (from the hold and promised in the wrap-up) are on the
  // desk's list, with the caller's number.
  await page.getByTestId('callbacks').getByTestId('callback').filter({ hasText: '090-1234-5678' }).nth(1).waitFor();
  // The customer's history shows the call with its notes and the thank-you.
  await page.locator('input[name=phone]').fill('090-1234-5678');
  await page.locator('.lookup').getByRole('button', { name: '検索', exact: true }).click();
  await page.locator('.lookup .history li', { hasText: '手順をご案内し、解決を確認。' }).filter({ hasText: 'ありがとう' }).first().waitFor();
  if (shots) await page.screenshot({ path: join(shots, 'call-after.png'), fullPage: true });

  assert.deepEqual(errors, [], 'no errors in the page');
  assert.equal(refused.length, 1, 'one refused request: ' + refused.join(' '));
  assert.match(refused[0], /^\/api\/v1\/contacts\/[^/]+\/wrapup$/);
  console.log('DONE');
} finally {
  await ctx.close();
}
