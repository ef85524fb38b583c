// Offer → ringing on the desk, measured in a real Chromium (issue 5's
// benchmark). op01 logs in, connects the softphone and becomes available,
// then only watches: cmd/tsunagu/ringbench_test.go places calls with sipp
// one after another once this prints READY; each caller presses 2, is
// offered to op01 and hangs up while it rings, which frees op01 for the
// next. For every ringing call card the page records, on the system clock
// the server also uses:
//   dom   — when the card is in the DOM (a MutationObserver: no polling interval)
//   paint — the first animation frame after that (the frame that shows it)
//   pop   — when the screen pop has the caller's name (two more API reads)
// After RINGBENCH_OFFERS rings it prints one line, RINGS [{contact,dom,paint,pop}…],
// and the Go side matches each to its contact:offered event.
//   RINGBENCH_OFFERS=60 node web/e2e/ringbench.mjs http://127.0.0.1:PORT
import { chromium } from 'playwright-core';

const [base] = process.argv.slice(2);
const want = Number(process.env.RINGBENCH_OFFERS || 60);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'],
});
const errors = [];
try {
  const ctx = await browser.newContext({ locale: 'ja-JP', viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(30000);
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && !/status of 401/.test(m.text()) && errors.push(m.text()));
  await page.goto(base);
  await page.getByLabel('ユーザー名').fill('op01');
  await page.getByLabel('パスワード').fill('tsunagu-demo');
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.locator('[data-testid=phone][data-phone=connected]').waitFor();
  await page.getByRole('button', { name: '受付可' }).click();
  await page.locator('[data-testid=state][data-state=available]').waitFor();
  await page.locator('.live.on').waitFor(); // the desk's event stream is up

  // The recorder lives in the page, so no round trip to this process is in
  // the figures.
  await page.evaluate(() => {
    const w = window;
    w.__rings = [];
    const seen = new WeakSet();
    const check = () => {
      for (const el of document.querySelectorAll('[data-testid=call][data-phase=ringing]')) {
        if (!seen.has(el)) {
          seen.add(el);
          const r = { contact: el.getAttribute('data-contact'), dom: Date.now(), paint: 0, pop: 0 };
          w.__rings.push(r);
          requestAnimationFrame(() => (r.paint = Date.now()));
        }
      }
      for (const r of w.__rings) {
        if (r.pop) continue;
        const name = document.querySelector(`[data-testid=call][data-contact="${r.contact}"] [data-testid=caller]`);
        if (name && name.textContent && name.textContent !== '…') r.pop = Date.now();
      }
    };
    new MutationObserver(check).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  console.log('READY');
  await page.waitForFunction((n) => window.__rings.length >= n && window.__rings.every((r) => r.paint > 0), want, {
    timeout: want * 15000,
    polling: 500,
  });
  const rings = await page.evaluate(() => window.__rings);
  // Errors do not void the figures, but the Go side shows them.
  if (errors.length) console.error('errors in the page: ' + errors.join('; '));
  console.log('RINGS ' + JSON.stringify(rings));
} finally {
  await browser.close();
}
