// The admin pages in a real Chromium: edit a user, a queue's service level
// and verification checklist, a number's menu and business hours (a bad
// span is refused naming the field), and see the year's holidays. Run by
// cmd/tsunagu/admin_test.go against a demo server:
//   node web/e2e/admin.mjs http://127.0.0.1:PORT SCREENSHOT_DIR
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base, shots] = process.argv.slice(2);

// toneWAV is a 16-bit mono PCM WAV of a 440 Hz tone.
function toneWAV(rate, seconds) {
  const n = Math.round(rate * seconds);
  const b = Buffer.alloc(44 + 2 * n);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + 2 * n, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36);
  b.writeUInt32LE(2 * n, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + 2 * i);
  return b;
}
assert.ok(base, 'usage: admin.mjs URL SCREENSHOT_DIR');

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
// The /me before login answers 401, the refused save 400 and the delete of a prompt in use 409, by design.
page.on('console', (m) => m.type() === 'error' && !/status of (401|400|409)/.test(m.text()) && errors.push(m.text()));
try {
  await page.goto(base);
  await page.getByLabel('ユーザー名').fill('admin');
  await page.getByLabel('パスワード').fill('tsunagu-demo');
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.getByTestId('admin-link').click();

  // Users: rename an operator; the row keeps the new name after a reload.
  const row = page.getByTestId('user-op20');
  await row.getByLabel('表示名').fill('小林 さくら(研修)');
  await row.getByRole('button', { name: '保存' }).click();
  await row.getByTestId('admin-status').filter({ hasText: '保存しました' }).waitFor();

  // A new team, then chosen for an operator.
  await page.getByLabel('チーム').last().fill('夜間チーム');
  await page.getByRole('button', { name: '追加' }).last().click();
  await page.getByRole('listitem').filter({ hasText: '夜間チーム' }).waitFor(); // not the users' (hidden) options
  await page.reload();
  await page.getByTestId('user-op19').getByLabel('チーム').selectOption({ label: '夜間チーム' });
  await page.getByTestId('user-op19').getByRole('button', { name: '保存' }).click();
  await page.getByTestId('user-op19').getByTestId('admin-status').filter({ hasText: '保存しました' }).waitFor();

  // Agents: 佐藤 蓮 (op01) learns English support at level 7.
  await page.getByTestId('tab-agents').click();
  const ag = page.getByTestId('agent-form-佐藤 蓮');
  await ag.getByLabel('英語対応 (レベル 1–10、0は無し)').fill('7');
  await ag.getByRole('button', { name: '保存' }).click();
  await ag.getByTestId('admin-status').filter({ hasText: '保存しました' }).waitFor();

  // Targets: 10 成約 a day for everyone.
  await page.getByTestId('tab-targets').click();
  await page.getByLabel('項目').selectOption({ label: '成約' });
  await page.getByLabel('1日の目標').fill('10');
  await page.getByRole('button', { name: '保存' }).click();
  await page.getByTestId('targets').getByText('成約').waitFor();

  // Queues: a stricter service level and a verification checklist.
  await page.getByTestId('tab-queues').click();
  const q = page.getByTestId('queue-form-general');
  await q.getByLabel('サービスレベル目標 (秒以内)').fill('15');
  await q.getByLabel('本人確認の項目(1行に1つ)').fill('氏名\n生年月日\nご登録電話番号');
  await q.getByLabel('後処理の前に本人確認を必須にする').check();
  // Past two minutes, callers overflow to billing.
  await q.getByLabel('最大待ち時間(秒、0は無制限)').fill('120');
  await q.getByLabel('あふれ先のキュー').selectOption('billing');
  await q.getByRole('button', { name: '保存' }).click();
  await q.getByTestId('admin-status').filter({ hasText: '保存しました' }).waitFor();

  // Prompts: upload a recording (a 16 kHz WAV made here) and hear it back.
  await page.getByTestId('tab-prompts').click();
  await page.getByLabel('名前').fill('年末年始のご案内');
  await page.getByLabel('WAVファイル').setInputFiles({ name: 'greeting.wav', mimeType: 'audio/wav', buffer: toneWAV(16000, 1.5) });
  await page.getByRole('button', { name: 'アップロード' }).click();
  await page.getByTestId('prompts').getByText('年末年始のご案内').waitFor();
  assert.match(await page.getByTestId('prompts').textContent(), /1\.5 s/);
  // It replaces the wrong-key announcement of every number.
  const ann = page.getByTestId('announcements');
  await ann.getByLabel('番号違い').selectOption({ label: '年末年始のご案内' });
  await ann.getByRole('button', { name: '保存' }).click();
  await ann.getByTestId('admin-status').filter({ hasText: '保存しました' }).waitFor();
  // A prompt in use cannot be deleted (the server names the use); one
  // uploaded by mistake can, after a confirmation.
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: '削除 年末年始のご案内' }).click();
  await page.getByTestId('admin-status').filter({ hasText: 'announcement invalid' }).first().waitFor();
  await page.getByLabel('名前').fill('間違えた録音');
  await page.getByLabel('WAVファイル').setInputFiles({ name: 'oops.wav', mimeType: 'audio/wav', buffer: toneWAV(8000, 1) });
  await page.getByRole('button', { name: 'アップロード' }).click();
  await page.getByTestId('prompts').getByText('間違えた録音').waitFor();
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: '削除 間違えた録音' }).click();
  await page.getByTestId('prompts').getByText('間違えた録音').waitFor({ state: 'detached' });
  assert.match(await page.getByTestId('prompts').textContent(), /年末年始のご案内/);
  if (shots) await page.screenshot({ path: join(shots, 'admin-prompts.png'), fullPage: true });

  // Numbers: business hours; a span that cannot be is refused by the
  // server naming it, then fixed. The greeting becomes the uploaded voice.
  await page.getByTestId('tab-numbers').click();
  const num = page.locator('[data-testid^=number-]').first();
  await num.getByLabel('あいさつの音声').selectOption({ label: '年末年始のご案内' });
  await num.getByLabel('メニュー案内の音声').selectOption({ label: '年末年始のご案内' });
  await num.getByTestId('always-open').uncheck();
  await num.getByLabel('受付時間外の案内の音声').selectOption({ label: '年末年始のご案内' });
  await num.getByTestId('hours-sat').fill('10:00-25:00');
  await num.getByTestId('hours-sat').blur();
  const form = page.locator('[data-testid^=trunk-form-]').first();
  await form.getByRole('button', { name: '保存' }).last().click();
  const status = form.getByTestId('admin-status').last();
  await status.waitFor();
  assert.match(await status.textContent(), /numbers\[0\]\.hours\.week\.sat\[0\]/);
  await num.getByTestId('hours-sat').fill('10:00-15:00');
  await num.getByTestId('hours-sat').blur();
  // Closed: callers leave a message of up to a minute (留守番電話).
  await num.getByTestId('voicemail-when-closed').check();
  await num.getByLabel('メッセージの長さの上限(秒、0は120秒)').fill('60');
  await form.getByRole('button', { name: '保存' }).last().click();
  await form.getByTestId('admin-status').filter({ hasText: '保存しました' }).waitFor();
  if (shots) await page.screenshot({ path: join(shots, 'admin-numbers.png'), fullPage: true });

  // Holidays of 2026, with the substitute and the citizens' holiday.
  await page.getByTestId('tab-holidays').click();
  await page.getByLabel('年').fill('2026');
  await page.getByLabel('年').blur();
  await page.getByTestId('holidays').getByText('国民の休日').waitFor();
  assert.equal(await page.locator('[data-testid=holidays] tr').count(), 18);
  if (shots) await page.screenshot({ path: join(shots, 'admin-holidays.png'), fullPage: true });

  assert.deepEqual(errors, [], 'no errors in the page');
  console.log('admin e2e: ok');
} finally {
  await ctx.close();
}
