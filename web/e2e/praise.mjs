// Praise and protection in two real Chromium contexts (cmd/tsunagu/
// praise_test.go): op01's status bar shows the day's counts against the
// target the test set; sv01 sends kudos from the care card and op01's desk
// shows the note; sv01 sets op01 a target on the board and op01's status
// bar shows it; sv01 pauses op01's calls — op01 is not-ready (protected),
// cannot make themselves available, and the status bar says until when —
// then resumes them, and op01 is available again. Screenshots of both desks
// go to SCREENSHOT_DIR when given:
//   node web/e2e/praise.mjs http://127.0.0.1:PORT SCREENSHOT_DIR
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
  page.setDefaultTimeout(20000);
  page.on('pageerror', (e) => errors.push(`${user}: ${e}`));
  // 409 is the refused "available" this script provokes on purpose.
  page.on('console', (m) => m.type() === 'error' && !/status of (401|409)/.test(m.text()) && errors.push(`${user}: ${m.text()}`));
  await page.goto(base);
  await page.getByLabel('ユーザー名').fill(user);
  await page.getByLabel('パスワード').fill('tsunagu-demo');
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.getByTestId('who').waitFor();
  return page;
};
const shot = async (page, name) => shots && (await page.screenshot({ path: join(shots, name), fullPage: true }));

try {
  const op = await open('op01');
  await op.locator('.live.on').waitFor(); // op01's event stream is up
  await op.locator('[data-testid=phone][data-phone=connected]').waitFor();
  // The day's counts against the target set by the test: 0 of 50 answered.
  const inbound = op.getByTestId('today-inbound');
  await inbound.filter({ hasText: '受電' }).filter({ hasText: '/ 50' }).waitFor();
  assert.equal(await inbound.getAttribute('data-count'), '0');
  assert.equal(await inbound.getByRole('progressbar').getAttribute('aria-valuemax'), '50');
  const me = await op.evaluate(() => fetch('/api/v1/me').then((r) => r.json()));
  const agentId = me.agent.id;

  const sv = await open('sv01');
  const care = sv.getByTestId('care');
  await care.waitFor();
  await sv.getByTestId('care-agent').selectOption(agentId);

  // Kudos: the leader's words reach op01's desk.
  const words = 'お客様から感謝のお電話がありました!';
  await sv.getByTestId('kudos-message').fill(words);
  await care.getByRole('button', { name: 'ナイス!を送る' }).click();
  await care.getByText('ナイス!を送りました').waitFor();
  const note = op.getByTestId('praise-note');
  await note.filter({ hasText: words }).waitFor({ timeout: 5000 });
  await note.filter({ hasText: 'さんから' }).waitFor();
  await sv.getByTestId('praise-history').filter({ hasText: words }).waitFor();
  await shot(op, 'praise-desk.png');
  await shot(sv, 'praise-care.png');

  // The leaders' board lists op01; a target set there for op01 alone
  // reaches op01's status bar at once (target:set carries the agent).
  const board = sv.getByTestId('today-board');
  await board.getByTestId(`board-${agentId}`).filter({ hasText: '/ 50' }).waitFor();
  await board.getByLabel('対象').selectOption('agent');
  await board.getByLabel('オペレーター').selectOption(agentId);
  await board.getByLabel('項目').selectOption('conversions');
  await board.getByLabel('1日の目標').fill('3');
  await board.getByRole('button', { name: '保存' }).click();
  await board.getByText('目標を保存しました').waitFor();
  await op.getByTestId('today-conversions').filter({ hasText: '/ 3' }).waitFor({ timeout: 5000 });
  await shot(sv, 'praise-board.png');

  // Pause op01's calls for 15 minutes.
  await op.getByRole('button', { name: '受付可' }).click();
  await op.locator('[data-testid=state][data-state=available]').waitFor();
  await care.getByRole('button', { name: '止める', exact: true }).click();
  await care.getByText('着信を止めました').waitFor();
  await op.locator('[data-testid=state][data-state=not_ready]').filter({ hasText: '保護中' }).waitFor({ timeout: 5000 });
  await op.getByTestId('protected').filter({ hasText: 'まで着信を止めています' }).waitFor();
  await op.getByRole('button', { name: '受付可' }).click();
  await op.getByRole('alert').filter({ hasText: 'kept away' }).waitFor();
  await op.locator('[data-testid=state][data-state=not_ready]').waitFor();
  await shot(op, 'protected-desk.png');

  // The leader resumes them; op01 chooses available again.
  await care.getByRole('button', { name: '解除' }).click();
  await care.getByText('解除しました').waitFor();
  await op.getByTestId('protected').waitFor({ state: 'detached', timeout: 5000 });
  await op.getByRole('button', { name: '受付可' }).click();
  await op.locator('[data-testid=state][data-state=available]').waitFor();

  assert.deepEqual(errors, []);
  console.log('praise e2e: ok');
} finally {
  await browser.close();
}
