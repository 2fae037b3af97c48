// Time to first contentful paint and to interactive (the page's main form accepts input) of the start
// page and the first estimate question, in headless Chromium, each from a cold browser context. Prints
// JSON. Used by benchmarks/frontend.py; BASE_URL is a running web app.
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
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const out = {};
try {
  for (const [name, { path, ready }] of Object.entries(PAGES)) {
    const fcp = [];
    const interactive = [];
    for (let i = 0; i < RUNS; i++) {
      const context = await browser.newContext(); // cold: no cache, no cookies
      const page = await context.newPage();
      await page.goto(`${BASE}${path}`, { waitUntil: "commit" });
      // Interactive: the main control is there and takes a key press.
      await page.locator(ready).first().waitFor();
      if (ready.startsWith("#")) {
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
