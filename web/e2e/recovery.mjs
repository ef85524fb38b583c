// An achievement and a recovery break from one real call (cmd/tsunagu/
// praise_test.go places the sipp call once this prints READY): op01 answers
// in Chromium, checks the caller's identity, hangs up and wraps up the call
// as a sale (成約) flagged abusive. With a target of one sale a day, op01's
// desk shows the achievement ("本日1件成約!"), the status bar counts the
// sale and the hard call, and op01 is on a recovery break (offered: they may
// come back, and do). sv01's care card lists the achievement and the console
// raises the abusive-call alert; the wall display shows the praise banner.
//   node web/e2e/recovery.mjs http://127.0.0.1:PORT SCREENSHOT_DIR
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base, shots] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'],
});
const errors = [];
const open = async (user) => {
  const ctx = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo', viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(30000);
  page.on('pageerror', (e) => errors.push(`${user}: ${e}`));
  page.on('console', (m) => m.type() === 'error' && !/status of 401/.test(m.text()) && errors.push(`${user}: ${m.text()}`));
  await page.goto(base);
  await page.getByLabel('ユーザー名').fill(user);
  await page.getByLabel('パスワード').fill('tsunagu-demo');
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.getByTestId('who').waitFor();
  return page;
};

try {
  const sv = await open('sv01');
  await sv.getByTestId('care').waitFor();
  await sv.locator('.live.on').waitFor();
  // The wall display, on the leader's login.
  const wall = await sv.context().newPage();
  wall.setDefaultTimeout(30000);
  await wall.goto(base + '/#/floor');
  await wall.getByTestId('floor-display').waitFor();
  const op = await open('op01');
  await op.locator('.live.on').waitFor();
  await op.locator('[data-testid=phone][data-phone=connected]').waitFor();
  await op.getByTestId('today-conversions').filter({ hasText: '/ 1' }).waitFor();
  await op.getByRole('button', { name: '受付可' }).click();
  await op.locator('[data-testid=state][data-state=available]').waitFor();
  console.log('READY');

  await op.locator('[data-testid=call][data-phase=ringing]').waitFor();
  await op.getByRole('button', { name: '応答' }).click();
  await op.locator('[data-testid=call][data-phase=connected]').waitFor();
  const verify = op.getByTestId('verify');
  await verify.getByLabel('氏名').check();
  await verify.getByLabel('ご登録メールアドレス').check();
  await verify.getByRole('button', { name: '確認済み' }).click();
  await op.locator('[data-testid=verify][data-outcome=verified]').waitFor();
  // The caller's script speaks two seconds in and expects the BYE after that.
  await op.locator('.timer', { hasText: /0:0[2-9]/ }).waitFor();
  await op.getByRole('button', { name: '終話' }).click();
  await op.locator('[data-testid=call][data-phase=wrapup]').waitFor();
  await op.locator('select[name=reason_id]').selectOption('password');
  await op.locator('select[name=disposition_id]').selectOption('converted');
  await op.locator('select[name=abusive]').selectOption('high');
  await op.getByRole('button', { name: '後処理を完了' }).click();
  await op.getByTestId('call').waitFor({ state: 'detached' });

  // The achievement reaches op01's desk and the leader's card.
  await op.getByTestId('praise-note').filter({ hasText: '本日1件成約!' }).waitFor({ timeout: 5000 });
  await op.getByTestId('praise-note').filter({ hasText: 'おめでとうございます' }).waitFor();
  await sv.getByTestId('praise-history').filter({ hasText: '本日1件成約!' }).waitFor({ timeout: 5000 });
  // …and the banner on the wall.
  await wall.getByTestId('praise').filter({ hasText: '本日1件成約' }).waitFor({ timeout: 5000 });
  // The leader's console raises the abusive-call alert naming the operator.
  await sv.locator('[data-testid=alert][data-kind=abusive_call]').filter({ hasText: '佐藤 蓮' }).waitFor({ timeout: 5000 });
  // The recovery break instead of the next call.
  await op.locator('[data-testid=state][data-state=not_ready]').filter({ hasText: 'リカバリー' }).waitFor();
  await op.locator('[data-testid=today-conversions][data-count="1"]').waitFor();
  await op.getByTestId('today-hard').filter({ hasText: '1' }).waitFor();
  if (shots) {
    await op.screenshot({ path: join(shots, 'recovery-desk.png'), fullPage: true });
    await sv.screenshot({ path: join(shots, 'recovery-care.png'), fullPage: true });
  }
  // Offered, not enforced: op01 comes back when ready.
  await op.getByRole('button', { name: '受付可' }).click();
  await op.locator('[data-testid=state][data-state=available]').waitFor();

  assert.deepEqual(errors, []);
  console.log('DONE');
} finally {
  await browser.close();
}
