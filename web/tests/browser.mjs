// What the browser journeys share: where the app and the browser are, axe-core's WCAG tags, and the
// checks every page of a journey gets (axe-core, a screenshot, focus on its heading), and the bound on
// each wait. journey.mjs and casework.mjs use it.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { chromium } from "playwright-core";

export const BASE = (process.env.BASE_URL ?? "http://127.0.0.1:8000").replace(/\/$/, "");
export const SHOTS = process.env.SCREENSHOTS ?? "test-results/screenshots";
export const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];
mkdirSync(SHOTS, { recursive: true });

// `parts`: the seconds each part of a journey took (journey.mjs's `timed`).
export const findings = { pages: [], violations: [], consoleErrors: [], parts: {} };

// Playwright's 30 s for each wait is a bound, not a budget: on a loaded two-core CI machine one page's
// render after a save has come near it. Each wait still ends the moment its condition holds.
export const WAIT_MS = 90_000;
export function bounded(context) {
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS);
  return context;
}

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** axe-core (no rule disabled) and a full-page screenshot of the page as it is now. */
export async function audit(page, name) {
  await page.locator("main h1").first().waitFor();
  await page.waitForLoadState("networkidle");
  const result = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  for (const v of result.violations) {
    findings.violations.push({ page: name, id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")) });
  }
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  findings.pages.push({ name, url: page.url().replace(BASE, ""), title: await page.title() });
}

/** Focus is on the page's heading after a navigation inside the SPA (not on the body). */
export async function headingHasFocus(page) {
  await page.waitForFunction(() => document.activeElement?.tagName === "H1" || document.activeElement?.closest?.("h1"));
}

/** Console errors, failed loads of our pages and assets, and uncaught errors all count as failures (an
 * API's 4xx is an answer: the browser logs it, the journey does not count it). */
export function watch(page, who) {
  page.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") && findings.consoleErrors.push(`${who}: ${m.text()}`));
  page.on("response", (r) => r.status() >= 400 && !["fetch", "xhr"].includes(r.request().resourceType()) && r.url().startsWith(BASE) && findings.consoleErrors.push(`${who}: ${r.status()} ${r.url()}`));
  page.on("pageerror", (e) => findings.consoleErrors.push(`${who}: ${e.message}`));
}

/** Debian's Chromium (no browser download is possible here), headless, reaching nothing outside. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
}
