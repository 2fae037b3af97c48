// Time to first contentful paint and to interactive (the page's main form accepts input) of the start
// page, the first estimate question and the first question of a Universal Credit claim, in headless
// Chromium, each from a cold browser context (the claim page's context holds only a signed-in session's
// cookies, no cache). Prints JSON. Used by benchmarks/frontend.py; BASE_URL is a running web app.
import { chromium } from "playwright-core";

const BASE = (process.env.BASE_URL ?? "http://127.0.0.1:8000").replace(/\/$/, "");
const RUNS = Number(process.env.RUNS ?? 5);
const PAGES = {
  start: { path: "/", ready: "a.govuk-button--start" },
  estimate: { path: "/check-what-you-could-get/date-of-birth", ready: "#dob-day" },
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
});
// A signed-in person with a draft claim, for the claim page: through the One Login simulator.
async function signedIn() {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${BASE}/auth/sign-in`);
  await page.getByRole("button", { name: /Sarah Anne Jones/ }).click();
  await page.waitForURL(`${BASE}/account`);
  await page.locator("#nino, #profile").first().waitFor();
  if (await page.locator("#nino").count()) {
    await page.fill("#nino", `AB${String(Math.floor(Math.random() * 1e6)).padStart(6, "0")}D`);
    await page.locator("main form button[type=submit]").click();
    await page.locator("#profile").waitFor();
  }
  await page.goto(`${BASE}/apply`);
  await page.locator("#start-claim").click();
  await page.waitForURL(/\/apply\/[0-9a-f-]{36}$/);
  const claim = new URL(page.url()).pathname;
  const state = await context.storageState();
  await context.close();
  return { path: `${claim}/household/partner`, state };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const out = {};
try {
  const claim = await signedIn();
  PAGES.claim = { path: claim.path, ready: "#partner", state: claim.state };
  for (const [name, { path, ready, state }] of Object.entries(PAGES)) {
    const fcp = [];
    const interactive = [];
    for (let i = 0; i < RUNS; i++) {
      const context = await browser.newContext(state ? { storageState: state } : {}); // cold: no cache
      const page = await context.newPage();
      await page.goto(`${BASE}${path}`, { waitUntil: "commit" });
      // Interactive: the main control is there and takes a key press.
      await page.locator(ready).first().waitFor();
      if (ready === "#partner") {
        await page.locator(ready).press("Space"); // a radio: the key press chooses it
        await page.waitForFunction((sel) => document.querySelector(sel)?.checked === true, ready);
      } else if (ready.startsWith("#")) {
        await page.locator(ready).type("1");
        await page.waitForFunction((sel) => document.querySelector(sel)?.value === "1", ready);
      }
      const timing = await page.evaluate(() => ({
        fcp: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? null,
        now: performance.now(),
      }));
      fcp.push(timing.fcp);
      interactive.push(timing.now);
      await context.close();
    }
    out[name] = { fcp_ms_median: Math.round(median(fcp)), interactive_ms_median: Math.round(median(interactive)), runs: RUNS };
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
