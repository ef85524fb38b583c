// Transfer to an outside number from the desk's picker, in real Chromium:
// op01 is on a call (sipp, placed by cmd/tsunagu/transfernumber_test.go once
// this prints READY); consult mode disables the number field with its
// reason; a number outside Japan and one that is not a number are refused
// next to the field; a number that rings and is busy shows the ringing
// state (hold disabled) and then that the caller is back (SIP 486); the Go
// side then points the trunk at an outside party that answers and writes GO
// on stdin; a second transfer goes through and the call goes to wrap-up.
//   node web/e2e/transfernumber.mjs http://127.0.0.1:PORT SCREENSHOT_DIR
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const [base, shots] = process.argv.slice(2);
const rl = createInterface({ input: process.stdin });
const stdin = rl[Symbol.asyncIterator]();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'],
});
const errors = [];
const shot = async (page, name) => shots && (await page.screenshot({ path: join(shots, name), fullPage: true }));

try {
  const ctx = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
  const op = await ctx.newPage();
  op.setDefaultTimeout(30000);
  op.on('pageerror', (e) => errors.push(String(e)));
  // The refused transfers are 400 and 403 on purpose; anything else is not.
  op.on('console', (m) => m.type() === 'error' && !/status of (401|400|403)/.test(m.text()) && errors.push(m.text()));
  await op.goto(base);
  await op.getByLabel('ユーザー名').fill('op01');
  await op.getByLabel('パスワード').fill('tsunagu-demo');
  await op.getByRole('button', { name: 'ログイン' }).click();
  await op.locator('[data-testid=phone][data-phone=connected]').waitFor();
  await op.getByRole('button', { name: '受付可' }).click();
  await op.locator('[data-testid=state][data-state=available]').waitFor();
  console.log('READY');

  await op.locator('[data-testid=call][data-phase=ringing]').waitFor();
  await op.getByRole('button', { name: '応答' }).click();
  await op.locator('[data-testid=call][data-phase=connected]').waitFor();

  const xfer = op.getByTestId('transfer');
  const openPicker = () => xfer.getByRole('button', { name: '転送', exact: true }).click();
  const input = op.getByTestId('transfer-number-input');
  const go = op.getByTestId('transfer-number-go');
  await openPicker();
  await op.getByRole('dialog', { name: '転送先' }).getByRole('heading', { name: '外線番号' }).waitFor();

  // Consult first: a number cannot be consulted, and the picker says so.
  await op.getByRole('radio', { name: '相談してから転送' }).check();
  assert.ok(await input.isDisabled(), 'the number field is disabled in consult mode');
  await op.getByText('外線番号へは相談できません').waitFor();
  await op.getByRole('radio', { name: 'そのまま転送' }).check();
  assert.equal(await input.getAttribute('type'), 'tel');
  assert.equal(await input.getAttribute('inputmode'), 'tel');

  // Refused numbers: the problem shows next to the field, in Japanese.
  const fieldError = op.getByTestId('transfer-number-error');
  await input.fill('+1 212 555 0100');
  await go.click();
  await fieldError.filter({ hasText: 'この番号へは転送できません' }).waitFor();
  assert.equal(await input.getAttribute('aria-invalid'), 'true');
  await shot(op, 'transfer-number-forbidden.png');
  await input.fill('call me');
  await go.click();
  await fieldError.filter({ hasText: '電話番号が正しくありません' }).waitFor();

  // Rings, then busy: the ringing state, then the caller is back.
  await input.fill('03-9999-0001');
  await input.press('Enter');
  const ringing = op.locator('[data-testid=transfer-outside][data-state=ringing]');
  await ringing.filter({ hasText: '03-9999-0001 を呼び出し中' }).waitFor();
  assert.ok(await op.getByRole('button', { name: '保留', exact: true }).isDisabled(), 'no hold while the number rings');
  await shot(op, 'transfer-number-ringing.png');
  const back = op.locator('[data-testid=transfer-returned][data-reason=busy]');
  await back.waitFor();
  const text = await back.innerText();
  assert.match(text, /03-9999-0001 への転送はつながりませんでした/);
  assert.match(text, /話し中でした · SIP 486/);
  assert.match(text, /お客様との通話に戻りました/);
  await ringing.waitFor({ state: 'detached' });
  await op.locator('[data-testid=call][data-phase=connected]').waitFor();
  assert.ok(await op.getByRole('button', { name: '保留', exact: true }).isEnabled(), 'hold again once the caller is back');
  await shot(op, 'transfer-number-returned.png');
  console.log('RETURNED');

  // The Go side points the trunk at an outside party that answers.
  const line = await stdin.next();
  assert.equal(line.value, 'GO');
  await openPicker();
  assert.equal(await back.count(), 0, 'opening the picker clears the notice');
  await input.fill('03-9999-0002');
  await go.click();
  await op.locator('[data-testid=call][data-phase=wrapup]').waitFor();
  await shot(op, 'transfer-number-wrapup.png');

  assert.deepEqual(errors, [], 'no errors in the page');
  console.log('DONE');
} finally {
  rl.close(); // an open stdin would keep node running
  await browser.close();
}
