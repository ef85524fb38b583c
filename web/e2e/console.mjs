// The supervisor console and the floor display in real Chromium, with sipp
// callers placed by cmd/tsunagu/console_test.go when this prints READY and
// NEXT: sv01 watches the floor while op01 is made available and logged out
// from the console, a caller waits and hangs up (waiting 0 → 1 → 0,
// abandoned 1, an SL alert), a second caller waits (screenshots of the
// console and of the wall display at /#/floor, with a kudos banner) and op01
// answers them (answered 1, op01 on a call, then in wrap-up). Prints the
// event → console latency and fails at 1 s or more:
//   node web/e2e/console.mjs http://127.0.0.1:PORT SCREENSHOT_DIR
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
const watch = (page, who) => {
  page.setDefaultTimeout(30000);
  page.on('pageerror', (e) => errors.push(`${who}: ${e}`));
  page.on('response', (r) => r.status() >= 500 && errors.push(`${who}: ${r.status()} ${r.url()}`));
  page.on('console', (m) => m.type() === 'error' && !/status of (401|409)/.test(m.text()) && errors.push(`${who}: ${m.text()}`));
};
const open = async (user, viewport = { width: 1440, height: 1000 }) => {
  const ctx = await browser.newContext({ locale: 'ja-JP', viewport });
  // Keep every peer connection the page makes, to read what it hears.
  await ctx.addInitScript(() => {
    const Base = window.RTCPeerConnection;
    window.__pcs = [];
    window.RTCPeerConnection = class extends Base {
      constructor(...args) {
        super(...args);
        window.__pcs.push(this);
      }
    };
    // __heard sums the decoded audio energy and the packets received:
    // energy only grows with sound, not with silence.
    window.__heard = async () => {
      let energy = 0;
      let packets = 0;
      for (const pc of window.__pcs) {
        (await pc.getStats()).forEach((r) => {
          if (r.type === 'inbound-rtp' && r.kind === 'audio') {
            energy += r.totalAudioEnergy || 0;
            packets += r.packetsReceived || 0;
          }
        });
      }
      return { energy, packets };
    };
  });
  const page = await ctx.newPage();
  watch(page, user);
  await page.goto(base);
  await page.getByLabel('ユーザー名').fill(user);
  await page.getByLabel('パスワード').fill('tsunagu-demo');
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.getByTestId('who').waitFor();
  return page;
};

// seenText resolves with the page's clock when the element matching sel
// has text matching re: a MutationObserver, so the figure is not rounded up
// to a polling interval. Bounded: it rejects after ms.
const seenText = (page, sel, re, ms = 20000) =>
  page.evaluate(
    ([sel, src, ms]) =>
      new Promise((resolve, reject) => {
        const re = new RegExp(src);
        const check = () => {
          const found = [...document.querySelectorAll(sel)].some((el) => re.test(el.textContent.trim()));
          if (!found) return false;
          obs.disconnect();
          clearTimeout(timer);
          resolve(Date.now());
          return true;
        };
        const obs = new MutationObserver(check);
        const timer = setTimeout(() => (obs.disconnect(), reject(new Error(`not seen within ${ms} ms: ${sel} ~ ${src}`))), ms);
        if (!check()) obs.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      }),
    [sel, re.source, ms],
  );

const cell = (q, name) => `[data-testid=console-queue-${q}] [data-testid=${name}]`;

try {
  const sv = await open('sv01');
  await sv.getByTestId('console-queues').waitFor();
  await sv.locator('.live.on').waitFor();
  await seenText(sv, cell('tech', 'waiting'), /^0$/);
  await seenText(sv, cell('tech', 'offered'), /^0$/);

  // op01 becomes available: the console shows it; the leader logs them out
  // from the console and op01's own desk says so.
  const op = await open('op01');
  await op.locator('[data-testid=phone][data-phone=connected]').waitFor();
  await op.getByRole('button', { name: '受付可' }).click();
  const row = sv.locator('[data-testid=agent-row]', { hasText: '佐藤 蓮' });
  await sv.locator('[data-testid=agent-row][data-state=available]', { hasText: '佐藤 蓮' }).waitFor();
  await row.getByRole('button', { name: 'ログアウト: 佐藤 蓮' }).click();
  await op.locator('[data-testid=state][data-state=offline]').waitFor();
  await sv.locator('[data-testid=agent-row][data-state=offline]', { hasText: '佐藤 蓮' }).waitFor();
  const opAgent = await row.getAttribute('data-agent');

  // First caller: nobody can answer; they wait, then hang up.
  const queuedEvent = seenText(sv, '[data-testid=events] code', /^contact:queued$/);
  const waitingShown = seenText(sv, cell('tech', 'waiting'), /^1$/);
  console.log('READY');
  const latency = (await waitingShown) - (await queuedEvent);
  console.log(`LATENCY event_to_console_ms=${latency}`);
  assert.ok(latency < 1000, `the console showed the waiting caller ${latency} ms after the event`);
  await seenText(sv, cell('tech', 'abandoned'), /^1\b/);
  await seenText(sv, cell('tech', 'waiting'), /^0$/);
  await seenText(sv, cell('tech', 'offered'), /^1$/);
  await seenText(sv, cell('tech', 'sl'), /^0%/);
  await sv.locator('[data-testid=alert][data-kind=sl_breach]', { hasText: '技術サポート' }).waitFor();

  // Second caller: waits until op01 answers.
  const waitingAgain = seenText(sv, cell('tech', 'waiting'), /^1$/, 30000);
  console.log('NEXT');
  await waitingAgain;
  await seenText(sv, cell('tech', 'offered'), /^2$/);

  // A leader's kudos for the wall (the praise feature's API).
  const kudos = await sv.evaluate(async (agent) => {
    const me = await (await fetch('/api/v1/me')).json();
    const r = await fetch('/api/v1/kudos', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
      body: JSON.stringify({ agent_id: agent, message: '佐藤さん、丁寧なご案内ありがとう!' }),
    });
    return r.status;
  }, opAgent);
  assert.ok(kudos === 200 || kudos === 201, `kudos answered ${kudos}`);

  // The wall: a leader's login opens /#/floor full screen.
  const wall = await sv.context().newPage();
  watch(wall, 'wall');
  await wall.setViewportSize({ width: 1920, height: 1080 });
  await wall.goto(base + '/#/floor');
  await wall.getByTestId('floor-display').waitFor();
  await seenText(wall, '[data-testid=wall-queue-tech] [data-testid=wall-waiting]', /^1$/);
  await wall.getByTestId('praise').filter({ hasText: '丁寧なご案内' }).waitFor();
  await wall.getByTestId('incident').filter({ hasText: '技術サポート' }).waitFor();
  assert.equal(await wall.getByRole('button').count(), 0, 'the wall has no controls');
  if (shots) await wall.screenshot({ path: join(shots, 'floor-display.png') });
  if (shots) await sv.screenshot({ path: join(shots, 'console.png'), fullPage: true });

  // op01 answers: the console shows them on the call, the caller answered.
  await op.getByRole('button', { name: '受付可' }).click();
  await op.locator('[data-testid=call][data-phase=ringing]').waitFor();
  await op.getByRole('button', { name: '応答' }).click();
  await op.locator('[data-testid=call][data-phase=connected]').waitFor();
  await sv.locator('[data-testid=agent-row][data-state=on_contact]', { hasText: '佐藤 蓮' }).filter({ hasText: '通話中' }).waitFor();
  await seenText(sv, cell('tech', 'answered'), /^1$/);
  await seenText(sv, cell('tech', 'waiting'), /^0$/);
  if (shots) await sv.screenshot({ path: join(shots, 'console-call.png') });
  await seenText(wall, '[data-testid=wall-queue-tech] [data-testid=wall-waiting]', /^0$/);
  // The leader listens in from the console: their own browser softphone
  // joins the call and hears it (energy grows, not just packets); then
  // whispers to op01 and stops. The caller never hears a whisper (the
  // telephony tests check who hears whom with distinct tones).
  const live = sv.locator('[data-testid=agent-row]', { hasText: '佐藤 蓮' }).getByTestId('live-call');
  await live.getByTestId('monitor-listen').click();
  await live.locator('[aria-pressed=true][data-testid=monitor-listen]').waitFor();
  const before = await sv.evaluate(() => window.__heard());
  await sv.waitForFunction(
    async (b) => {
      const now = await window.__heard();
      return now.packets > b.packets + 50 && now.energy > b.energy;
    },
    before,
    { timeout: 15000, polling: 250 },
  );
  await live.getByTestId('monitor-whisper').click();
  await live.locator('[aria-pressed=true][data-testid=monitor-whisper]').waitFor();
  await live.getByTestId('monitor-stop').click();
  await live.locator('[aria-pressed=true]').waitFor({ state: 'detached' });

  // The caller's script plays its audio two seconds in and expects the BYE
  // after that, so talk until the call timer passes 0:02.
  await op.locator('.timer', { hasText: /0:0[2-9]/ }).waitFor();
  await op.getByRole('button', { name: '終話' }).click();
  await sv.locator('[data-testid=agent-row][data-state=after_call_work]', { hasText: '佐藤 蓮' }).waitFor();
  await sv.locator('[data-testid=agent-row]', { hasText: '佐藤 蓮' }).filter({ hasText: /^.*後処理.*$/ }).waitFor();

  assert.deepEqual(errors, [], 'no errors in the pages');
  console.log('DONE');
} finally {
  await browser.close();
}
