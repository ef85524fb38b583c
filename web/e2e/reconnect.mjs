// Softphone health in a real Chromium, in the middle of a call: op01
// answers a sipp caller (placed by cmd/tsunagu/reconnect_test.go when this
// prints READY; sipp echoes what it hears), then
//  1. the softphone restarts ICE as it does when its path goes
//     disconnected: the desk shows 音声接続を再接続中…, the same
//     PeerConnection gets the server's new ICE credentials with the same
//     DTLS certificate (the server restarted the same connection), and
//     getStats' inbound packets keep growing;
//  2. the restart's request is lost (the route aborts it): the softphone
//     falls back to a full reconnect, a new PeerConnection that the server
//     puts under the same leg, and the call's audio goes on there;
//  3. the operator hangs up (the call was up all along: sipp must get the
//     BYE) and this prints HUNGUP; the test then stops the server. The
//     desk notices by itself (ICE consent, DTLS close): 音声接続を再接続中…,
//     then, once every reconnect has failed with growing pauses (jumped
//     over with the page's clock), a clear warning with 再接続.
//   node web/e2e/reconnect.mjs http://127.0.0.1:PORT [SCREENSHOT_DIR]
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base, shots] = process.argv.slice(2);
assert.ok(base, 'usage: reconnect.mjs URL [SCREENSHOT_DIR]');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'],
});
const errors = [];
let serverGone = false; // after HUNGUP: the desk's requests fail, as they should
try {
  const ctx = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
  await ctx.addInitScript(() => {
    // Every PeerConnection the page makes, and every state the phone line
    // shows, in order.
    const Base = window.RTCPeerConnection;
    window.__pcs = [];
    window.RTCPeerConnection = class extends Base {
      constructor(...args) {
        super(...args);
        window.__pcs.push(this);
      }
    };
    window.__phoneStates = [];
    new MutationObserver(() => {
      const s = document.querySelector('[data-testid=phone]')?.getAttribute('data-phone');
      if (s && s !== window.__phoneStates.at(-1)) window.__phoneStates.push(s);
    }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-phone'] });
  });
  const page = await ctx.newPage();
  page.setDefaultTimeout(30000);
  page.on('pageerror', (e) => serverGone || errors.push(String(e)));
  // The aborted request of step 2 is logged by the browser as a failed
  // load; anything else in red is a bug, until the server is stopped.
  page.on('console', (m) => m.type() === 'error' && !serverGone && !/status of 401|ERR_CONNECTION_FAILED|ERR_FAILED/.test(m.text()) && errors.push(m.text()));
  // The page's clock runs at real speed until step 3 jumps over the
  // back-off pauses.
  await page.clock.install();

  // inbound sums what the current connection has received: packets, and
  // audio energy (which grows only with sound, not with silence).
  const inbound = () =>
    page.evaluate(async () => {
      let packets = 0;
      let energy = 0;
      (await window.__tsunaguPhone.pc.getStats()).forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'audio') {
          packets += r.packetsReceived || 0;
          energy += r.totalAudioEnergy || 0;
        }
      });
      return { packets, energy };
    });
  // flowing waits until the current connection has received `more`
  // packets beyond `from` (getStats has no event: read it every 200 ms,
  // bounded).
  const flowing = async (from, more, what) => {
    const deadline = Date.now() + 15000;
    for (;;) {
      const now = await inbound();
      if (now.packets >= from.packets + more) return now;
      assert.ok(Date.now() < deadline, `${what}: ${now.packets - from.packets} packets in 15 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  // remote describes the server's side of the current connection.
  const remote = () =>
    page.evaluate(() => {
      const sdp = window.__tsunaguPhone.pc.remoteDescription?.sdp || '';
      const attr = (n) => (sdp.match(new RegExp(`a=${n}:(.*)`)) || [])[1]?.trim();
      return { ufrag: attr('ice-ufrag'), fingerprint: attr('fingerprint'), pcs: window.__pcs.length };
    });
  // recovered checks what the phone line showed since mark: 再接続中 first,
  // never the give-up, 接続済み now (a loaded machine may show a second
  // short recovery in between).
  const recovered = async (mark, what) => {
    const seen = (await page.evaluate(() => window.__phoneStates)).slice(mark);
    assert.equal(seen[0], 'reconnecting', `${what}: ${seen}`);
    assert.equal(seen.at(-1), 'connected', `${what}: ${seen}`);
    assert.ok(!seen.includes('failed'), `${what}: ${seen}`);
    return seen.join(' ');
  };
  const connected = page.locator('[data-testid=phone][data-phone=connected]');
  // recover runs the softphone's restart() and waits for it to end, bounded
  // so that a recovery stuck in its back-off fails here, with its name.
  const recover = async (what) => {
    const how = await page.evaluate(() =>
      Promise.race([window.__tsunaguPhone.restart().then(() => 'done'), new Promise((r) => setTimeout(() => r('still recovering'), 30000))]),
    );
    assert.equal(how, 'done', `${what}: after 30 s`);
  };

  await page.goto(base);
  await page.getByLabel('ユーザー名').fill('op01');
  await page.getByLabel('パスワード').fill('tsunagu-demo');
  await page.getByRole('button', { name: 'ログイン' }).click();
  await connected.waitFor();
  await page.getByRole('button', { name: '受付可' }).click();
  await page.locator('[data-testid=state][data-state=available]').waitFor();
  console.log('READY');

  await page.locator('[data-testid=call][data-phase=ringing]').waitFor();
  await page.getByRole('button', { name: '応答' }).click();
  await page.locator('[data-testid=call][data-phase=connected]').waitFor();
  await page.locator('[data-testid=state][data-state=on_contact]').waitFor();
  const start = await flowing({ packets: 0 }, 25, 'the call');

  // 1. ICE restart on the same connection.
  const before = await remote();
  let mark = (await page.evaluate(() => window.__phoneStates)).length;
  await recover('the restart');
  await connected.waitFor();
  const restarted = await remote();
  assert.equal(restarted.pcs, before.pcs, 'an ICE restart keeps the PeerConnection');
  assert.equal(restarted.fingerprint, before.fingerprint, 'the server kept its connection (same DTLS certificate)');
  assert.notEqual(restarted.ufrag, before.ufrag, 'the server restarted ICE (new credentials)');
  const shown1 = await recovered(mark, 'the restart');
  const r0 = await inbound();
  const r1 = await flowing(r0, 50, 'after the ICE restart');
  assert.ok(r1.energy > start.energy, 'sound, not only packets');
  console.log(`RESTART packets ${r0.packets} -> ${r1.packets}; shown: ${shown1}`);

  // 2. The restart's request is lost: a full reconnect, a new connection.
  let sessions = 0;
  await page.route('**/api/v1/softphone/session', (route) => (sessions++ === 0 ? route.abort('connectionfailed') : route.continue()));
  mark = (await page.evaluate(() => window.__phoneStates)).length;
  await recover('the restart whose request is lost');
  await connected.waitFor();
  await page.unroute('**/api/v1/softphone/session');
  const fresh = await remote();
  assert.equal(sessions, 2, 'the aborted restart, then the new connection');
  assert.equal(fresh.pcs, before.pcs + 1, 'a full reconnect makes a new PeerConnection');
  assert.notEqual(fresh.fingerprint, before.fingerprint, 'and the server a new connection');
  const shown2 = await recovered(mark, 'the full reconnect');
  const f1 = await flowing({ packets: 0 }, 50, 'after the full reconnect');
  assert.equal(await page.getByTestId('call').getAttribute('data-phase'), 'connected', 'the call is still up');
  assert.equal(await page.getByTestId('state').getAttribute('data-state'), 'on_contact');
  console.log(`RECONNECT packets ${f1.packets}; shown: ${shown2}`);

  // 3. Hang up; then the server goes away.
  await page.getByRole('button', { name: '終話' }).click();
  await page.locator('[data-testid=call][data-phase=wrapup]').waitFor();
  assert.deepEqual(errors, [], 'no errors in the page');
  serverGone = true;
  console.log('HUNGUP');
  // The test checks the server's record first, then stops it (slowly
  // under the race detector): a generous bound.
  await page.locator('[data-testid=phone][data-phone=reconnecting]', { hasText: '音声接続を再接続中' }).waitFor({ timeout: 120000 });
  console.log('GONE');
  if (shots) await page.screenshot({ path: join(shots, 'reconnect-reconnecting.png'), fullPage: true });
  const lost = page.getByTestId('phone-lost');
  // Jump over the pauses (2, 4, 8, 16, 30 s); each attempt fails at once.
  for (let i = 0; i < 60 && !(await lost.isVisible()); i++) {
    await page.clock.fastForward(5000);
    await lost.waitFor({ timeout: 300 }).catch(() => undefined);
  }
  await lost.waitFor();
  assert.equal(await lost.getAttribute('role'), 'alert');
  assert.match(await lost.textContent(), /音声接続が切れました/);
  assert.ok(await lost.getByRole('button', { name: '再接続' }).isVisible());
  assert.equal(await page.getByTestId('phone').getAttribute('data-phone'), 'failed');
  if (shots) await page.screenshot({ path: join(shots, 'reconnect-lost.png'), fullPage: true });
  console.log('DONE');
} finally {
  await browser.close();
}
