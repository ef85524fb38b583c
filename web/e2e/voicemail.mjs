// Voicemail at the desk, in a real Chromium: a caller left a message on the
// closed demo number (cmd/tsunagu/voicemail_test.go placed it with sipp);
// the operator op01, who serves the number's queue, sees it in My callbacks
// with its length, plays it (the audio is fetched once through the audited
// recording route and decodes to a real WAV of that length), and marks the
// callback done.
//   node web/e2e/voicemail.mjs http://127.0.0.1:PORT SCREENSHOT_DIR
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
const wavs = [];
page.on('pageerror', (e) => errors.push(String(e)));
page.on('response', (r) => {
  if (r.status() >= 404) errors.push(r.status() + ' ' + r.url());
  if (/\/recording$/.test(r.url())) wavs.push(r.status() + ' ' + r.headers()['content-type']);
});
page.on('console', (m) => m.type() === 'error' && !/status of 401/.test(m.text()) && errors.push(m.text()));
try {
  await page.goto(base);
  await page.getByLabel('ユーザー名').fill('op01');
  await page.getByLabel('パスワード').fill('tsunagu-demo');
  await page.getByRole('button', { name: 'ログイン' }).click();

  console.error('logged in');
  const item = page.getByTestId('callbacks').getByTestId('callback').filter({ has: page.getByTestId('voicemail') });
  await item.waitFor();
  const badge = await item.getByTestId('voicemail').locator('.badge').textContent();
  assert.match(badge, /留守番電話 \d+秒/);
  console.error('voicemail listed:', badge);
  await item.getByTestId('voicemail-play').click();
  const audio = item.getByTestId('voicemail-audio');
  await audio.waitFor();
  // The message decodes: a WAV whose length is the one the badge shows.
  console.error('audio element shown');
  const seconds = await audio.evaluate(
    (a) =>
      new Promise((ok, fail) => {
        if (a.readyState >= 1) return ok(a.duration);
        a.addEventListener('loadedmetadata', () => ok(a.duration));
        a.addEventListener('error', () => fail(new Error('audio error ' + (a.error && a.error.code))));
        setTimeout(async () => {
          let info = '';
          try {
            const b = await (await fetch(a.src)).arrayBuffer();
            info = ' blob ' + b.byteLength + ' bytes: ' + Array.from(new Uint8Array(b.slice(0, 44))).join(',');
          } catch (e) {
            info = ' blob fetch failed ' + e;
          }
          fail(new Error('no metadata in 10 s, readyState ' + a.readyState + ' networkState ' + a.networkState + ' src ' + a.src + info));
        }, 10000);
      }),
  );
  const shown = Number(badge.match(/(\d+)秒/)[1]);
  assert.ok(Math.abs(seconds - shown) <= 1, `audio ${seconds} s, badge ${shown} s`);
  assert.deepEqual(wavs, ['200 audio/wav'], 'one audited download');
  if (shots) await page.screenshot({ path: join(shots, 'voicemail.png'), fullPage: true });

  await item.getByRole('button', { name: /完了/ }).click();
  await item.waitFor({ state: 'detached' });
  assert.deepEqual(errors, []);
  console.log('DONE');
} finally {
  await ctx.close();
}
