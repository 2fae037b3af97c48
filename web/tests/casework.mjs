// A caseworker's journey in a real browser (Debian's Chromium driven by playwright-core) against the
// real platform: a citizen (signed in with the One Login simulator) submits a Universal Credit claim
// through the BFF; a caseworker signs in with the staff sign-in simulator, finds it in the work queue
// by its filters, takes it, opens it (its answers, to-dos, HMRC earnings, history), starts the
// assessment and records a decision (the error summary first); the citizen then sees the decision. A
// citizen's session never reaches the caseworker pages or routes, nor a caseworker's a citizen's claims.
// axe-core checks every caseworker page against WCAG 2.0-2.2 A and AA (no rule disabled); a screenshot
// of each is saved. Any failure exits non-zero.
//
//   BASE_URL=http://127.0.0.1:8000 CLAIM_SECTIONS='{"household": {...}, ...}' SCREENSHOTS=dir node tests/casework.mjs
//
// CLAIM_SECTIONS holds the claim's answers, section by section, as the claims API takes them (the e2e
// test makes them from the claims service's own test answers, so the two never drift apart).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { audit, BASE, bounded, check, findings, headingHasFocus, launch, SHOTS, watch } from "./browser.mjs";

const SECTIONS = JSON.parse(process.env.CLAIM_SECTIONS ?? "null");

/** A call from the page, as the SPA makes it: same origin, the session cookie, the CSRF header. */
function call(page, method, path, body, headers = {}) {
  return page.evaluate(async ([method, path, body, headers]) => {
    const csrf = document.cookie.split("; ").find((c) => c.startsWith("dwp_csrf="))?.slice(9) ?? "";
    const response = await fetch(`/api${path}`, {
      method,
      headers: { Accept: "application/json", ...(body === null ? {} : { "Content-Type": "application/json" }), ...(method === "GET" ? {} : { "X-CSRF-Token": decodeURIComponent(csrf) }), ...headers },
      body: body === null ? undefined : JSON.stringify(body),
    });
    return { status: response.status, etag: response.headers.get("etag"), body: await response.json().catch(() => null) };
  }, [method, path, body, headers]);
}

/** The citizen signs in and submits a UC claim through the BFF (the citizen pages' own journey is
 * journey.mjs's): start it, save each section with the ETag, confirm the unusual answers, submit. */
async function citizenClaims(page) {
  await page.goto(`${BASE}/`);
  await page.getByRole("button", { name: "Sign in with GOV.UK One Login" }).click();
  await page.waitForURL(/\/authorize/);
  await page.getByRole("button", { name: /Gwen Evans/ }).click();
  await page.waitForURL(`${BASE}/account`);
  await page.locator("#nino, #profile").first().waitFor();
  if (await page.locator("#nino").count()) {
    await page.fill("#nino", `AB${String(Math.floor(Math.random() * 1e6)).padStart(6, "0")}C`);
    await page.locator("main form button[type=submit]").first().click();
    await page.locator("#profile").waitFor();
  }
  const started = await call(page, "POST", "/v1/claims", { claim_type: "universal_credit" }, { "Idempotency-Key": crypto.randomUUID() });
  check(started.status === 201, `the claim did not start: ${JSON.stringify(started)}`);
  const claimId = started.body.id;
  let etag = started.etag;
  for (const [name, body] of Object.entries(SECTIONS)) {
    const saved = await call(page, "PUT", `/v1/claims/${claimId}/sections/${name}`, body, { "If-Match": etag });
    check(saved.status === 200, `section ${name}: ${JSON.stringify(saved.body)}`);
    etag = saved.etag;
    for (const question of saved.body.questions) {
      const confirmed = await call(page, "POST", `/v1/claims/${claimId}/confirmations`, { question: question.key }, { "If-Match": etag });
      etag = confirmed.etag;
    }
  }
  const submitted = await call(page, "POST", `/v1/claims/${claimId}/submission`, { declaration: "2026-12" }, { "If-Match": etag, "Idempotency-Key": crypto.randomUUID() });
  check(submitted.status === 200, `not submitted: ${JSON.stringify(submitted.body)}`);
  return claimId;
}

/** Neither kind of session reaches the other's pages or routes: each sees a page that says whose they
 * are, and the BFF or the service refuses the other's routes. */
async function sessionsStayApart(citizen, staff) {
  await citizen.goto(`${BASE}/casework`);
  await citizen.getByRole("heading", { level: 1, name: "This page is for staff" }).waitFor();
  await audit(citizen, "cw-00-citizen-not-staff");
  for (const path of ["/v1/claims/casework/work-items", "/v1/claims/casework/overview"]) {
    const refused = await call(citizen, "GET", path, null);
    check(refused.status === 403 && refused.body.type.endsWith("/staff-only"), `a citizen's session reached ${path}: ${refused.status}`);
  }
  await staff.goto(`${BASE}/apply`);
  await staff.getByRole("heading", { level: 1, name: "This page is for the person claiming" }).waitFor();
  await audit(staff, "cw-09-staff-not-citizen");
  const theirs = await call(staff, "GET", "/v1/claims", null);
  check(theirs.status === 403, `a caseworker's session read a citizen's claims list: ${theirs.status}`);
}

async function caseworkerDecides(page, claimId, shot) {
  const ref = claimId.slice(0, 8).toUpperCase();
  await page.goto(`${BASE}/casework`);
  await page.getByRole("heading", { level: 1, name: "Sign in to casework" }).waitFor();
  await shot("01-sign-in");
  await page.locator("#staff-sign-in").click();
  await page.waitForURL(/\/oauth2\/v2\.0\/authorize/);
  await page.getByRole("button", { name: /Alex Morgan/ }).click();
  await page.waitForURL(`${BASE}/casework`);
  const cookie = (await page.context().cookies()).find((c) => c.name === "dwp_session");
  check(cookie?.httpOnly && cookie.sameSite === "Lax", "the staff session cookie is not HttpOnly and SameSite=Lax");
  check(!(await page.evaluate(() => document.cookie)).includes("dwp_session"), "JavaScript can read the staff session cookie");
  await page.locator("#queue, main .govuk-body").first().waitFor();

  // The queue, filtered: Universal Credit claims just submitted, nobody has them yet.
  await page.selectOption("#benefit", "universal_credit");
  await page.selectOption("#status", "submitted");
  await page.selectOption("#assigned", "no");
  await page.locator("main form button[type=submit]").first().click();
  await page.waitForURL(/benefit=universal_credit.*status=submitted.*assigned=no/);
  let row = page.locator(`#queue tr[data-claim="${claimId}"]`);
  for (let pages = 0; !(await row.count()) && pages < 20; pages++) {
    await page.locator("#queue").waitFor();
    if (await row.count()) break;
    const next = page.locator(".govuk-pagination__next a");
    check(await next.count(), `the claim ${ref} is not in the filtered queue`);
    await next.click();
  }
  await row.waitFor();
  await shot("02-queue");
  await row.getByRole("button", { name: /^Take/ }).click();
  await page.waitForURL(new RegExp(`/casework/claims/${claimId}\\?purpose=`));
  await headingHasFocus(page);
  await page.locator("#claim-notice-title").waitFor();
  await page.locator("#audit", { hasText: "take work item" }).waitFor(); // the history shows who took it
  await page.getByText("You", { exact: true }).first().waitFor();
  await page.locator("#answers ~ div dl").first().waitFor();

  // HMRC earnings and NHS fit notes: HMRC's answer, or the claim waiting with a work item (never a 500).
  await page.getByRole("button", { name: "Get HMRC earnings and NHS fit notes" }).click();
  await page.locator("#earnings, #records ~ h3, #records ~ .govuk-inset-text").first().waitFor();
  await page.waitForLoadState("networkidle");
  await shot("03-claim");

  if (await page.locator("#startReason").count()) {
    // HMRC did not know the citizen: the claim now awaits evidence, so going on needs a reason.
    await page.getByRole("button", { name: "Start the assessment" }).click();
    await page.locator("#startReason-error").waitFor();
    await page.fill("#startReason", "Payslips seen at the jobcentre");
  }
  await page.getByRole("button", { name: "Start the assessment" }).click();
  await page.locator("#claim-status", { hasText: "Under assessment" }).waitFor();
  await page.locator("#decide-link").click();
  await page.waitForURL(new RegExp(`/casework/claims/${claimId}/decide`));
  await headingHasFocus(page);
  await page.locator("main form button[type=submit]").click(); // nothing chosen: the error summary
  await page.locator(".govuk-error-summary").waitFor();
  check(await page.evaluate(() => document.activeElement?.classList.contains("govuk-error-summary")), "focus is not on the error summary");
  check((await page.title()).startsWith("Error:"), "the page title does not start with Error:");
  check(await page.locator('.govuk-error-summary a[href="#outcome"]').count() === 1, "the summary does not link to #outcome");
  await shot("04-decide-error");
  await page.locator("#outcome-2").check(); // do not award
  await page.fill("#reasons", "Capital over the limit\nSavings of £20,000 reported");
  await page.locator("main form button[type=submit]").click();
  await page.waitForURL(/decided=1/);
  await page.locator("#claim-status", { hasText: "Not awarded" }).waitFor();
  await page.getByText("Capital over the limit").first().waitFor();
  await shot("05-decided");

  await page.getByRole("link", { name: "Overview" }).click();
  await page.waitForURL(`${BASE}/casework/overview`);
  await headingHasFocus(page);
  await page.locator("#by-status-table").waitFor();
  check(await page.getByRole("img").count() >= 3, "the overview has fewer than three charts");
  const disallowed = await page.locator("#by-status-table tr", { hasText: "Not awarded" }).innerText();
  check(/\d+/.test(disallowed), `no count of claims not awarded: ${disallowed}`);
  await shot("06-overview");
  await page.getByRole("link", { name: "Cymraeg" }).click();
  await page.getByRole("heading", { level: 1, name: "Trosolwg" }).waitFor();
  await shot("07-overview-cy");
  await page.getByRole("link", { name: "English" }).click();
  await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
}

async function staffSignsOut(page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(`${BASE}/signed-out*`);
  check(!(await page.context().cookies()).some((c) => c.name === "dwp_session"), "the staff session outlived sign-out");
  const after = await page.evaluate(() => fetch("/auth/session").then((r) => r.json()));
  check(after.signed_in === false, "still signed in after signing out");
}

const started = Date.now();
const browser = await launch();
let failed = null;
let claimId = null;
try {
  check(SECTIONS && typeof SECTIONS === "object", "CLAIM_SECTIONS (the claim's answers by section, as JSON) is not set");
  const citizenContext = bounded(await browser.newContext({ viewport: { width: 1024, height: 800 } }));
  const staffContext = bounded(await browser.newContext({ viewport: { width: 1280, height: 900 } }));
  const citizen = await citizenContext.newPage();
  const staff = await staffContext.newPage();
  watch(citizen, "citizen");
  watch(staff, "staff");
  claimId = await citizenClaims(citizen);
  await caseworkerDecides(staff, claimId, (name) => audit(staff, `cw-${name}`));
  await sessionsStayApart(citizen, staff);

  // The citizen sees the decision on their claim's page.
  await citizen.goto(`${BASE}/apply/${claimId}/status`);
  await citizen.locator("main .govuk-tag", { hasText: "Not awarded" }).waitFor();
  await audit(citizen, "cw-08-citizen-sees-decision");
  const decisions = await call(citizen, "GET", `/v1/claims/${claimId}/decisions`, null);
  check(JSON.stringify(decisions.body).includes("Capital over the limit"), "the citizen's decisions do not give the reasons");
  await staffSignsOut(staff);
  await citizenContext.close();
  await staffContext.close();
} catch (error) {
  failed = error;
} finally {
  await browser.close();
}
const summary = { ...findings, claimId, seconds: (Date.now() - started) / 1000, error: failed ? String(failed.stack ?? failed) : null };
writeFileSync(join(SHOTS, "casework.json"), JSON.stringify(summary, null, 2));
console.log(JSON.stringify(summary, null, 2));
if (failed || findings.violations.length || findings.consoleErrors.length) process.exit(1);
