// A citizen's journey in a real browser (Debian's Chromium driven by playwright-core), in English and
// in Welsh: the start page, sign-in through the One Login simulator, the account page, the estimate
// with its errors and "check your answers", the result, sign-out. axe-core checks every page of ours
// against WCAG 2.0-2.2 A and AA; a screenshot of each is saved. Any failure exits non-zero.
//
//   BASE_URL=http://127.0.0.1:8000 SCREENSHOTS=dir node tests/journey.mjs
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { audit, BASE, bounded, check, findings, headingHasFocus, launch, SHOTS, watch } from "./browser.mjs";

// For the decision: a caseworker's token and the gateway, to decide the claim through the casework API.
const STAFF_TOKEN = process.env.STAFF_TOKEN ?? "";
// A second decision maker's token (a reconsideration is decided by someone else), to award the claim on
// reconsideration so the citizen can report a change of circumstances on it.
const STAFF_TOKEN_MR = process.env.STAFF_TOKEN_MR ?? "";
const GATEWAY = (process.env.GATEWAY_URL ?? "").replace(/\/$/, "");

/** How long a part of a journey took (the summary's `parts`, in seconds), to keep an eye on what each adds. */
async function timed(name, run) {
  const start = Date.now();
  await run();
  findings.parts[name] = (findings.parts[name] ?? 0) + (Date.now() - start) / 1000;
}

async function fillDate(page, id, [day, month, year]) {
  await page.fill(`#${id}-day`, day);
  await page.fill(`#${id}-month`, month);
  await page.fill(`#${id}-year`, year);
}

const submit = (page) => page.locator("main form button[type=submit]").first().click();

async function errorOn(page, field) {
  await page.locator(".govuk-error-summary").waitFor();
  await page.locator(`#${field}-error`).waitFor();
  check(await page.evaluate(() => document.activeElement?.classList.contains("govuk-error-summary")), "focus is not on the error summary");
  check(await page.locator(`.govuk-error-summary a[href="#${field}"]`).count() === 1, `the summary does not link to #${field}`);
}

/** The address finder from the account page: a postcode the address service refuses, a real one and
 * its list, the address chosen and kept on the citizen's record; then an address typed by hand, one
 * outside Great Britain refused, and the one kept. Every lookup is the address service's, via the BFF. */
async function addressFinder(page, lang, shot) {
  await page.locator('a[href="/account/address"]').click();
  await page.waitForURL(/\/account\/address$/);
  await headingHasFocus(page);
  await submit(page);
  await errorOn(page, "postcode");
  await page.fill("#postcode", "CF24 7S€");
  await submit(page);
  await page.waitForFunction(() => /CF10 1EP/.test(document.querySelector("#postcode-error")?.textContent ?? ""));
  check(!(await page.locator("main").innerText()).includes("{"), "a problem document reached the page");
  await shot("03b-address-postcode-error");
  await page.fill("#postcode", "cf24 7sf");
  await submit(page);
  await page.waitForURL(/\/account\/address\/select$/);
  await headingHasFocus(page);
  await submit(page);
  await errorOn(page, "address");
  await page.selectOption("#address", { index: 2 });
  const chosen = (await page.locator("#address option:checked").innerText()).split(",")[0];
  await shot("03c-address-select");
  await submit(page);
  await page.waitForURL(/\/account\/address\/confirm$/);
  await page.getByText(chosen).first().waitFor();
  await shot("03d-address-confirm");
  await submit(page);
  await page.waitForURL(/\/account\?updated=address/);
  await page.locator(".govuk-notification-banner--success").waitFor();
  await page.locator("#profile ~ dl", { hasText: "CF24 7SF" }).waitFor(); // read back from the citizen record

  await page.locator('a[href="/account/address"]').click();
  await page.locator("#manual-link").click();
  await page.waitForURL(/\/account\/address\/manual$/);
  await submit(page);
  await errorOn(page, "line1");
  check(await page.locator(".govuk-error-summary li").count() === 3, "three answers are missing");
  await shot("03e-address-manual-error");
  await page.fill("#line1", "12 Queen Street");
  await page.fill("#town", "Belfast");
  await page.fill("#postcode", "BT1 1AA");
  await submit(page);
  await page.locator("#postcode-error").waitFor(); // not in Great Britain: the service says so
  await page.fill("#town", "cardiff");
  await page.fill("#postcode", "cf10 1ep");
  await submit(page);
  await page.waitForURL(/\/account\/address\/confirm$/);
  await page.getByText("CARDIFF").first().waitFor(); // the address service's normalised form
  await submit(page);
  await page.waitForURL(/\/account\?updated=typed-address/);
  await page.locator(".govuk-notification-banner--success").waitFor();
}

/** Tab (never the mouse) until the focused element matches; on our pages its focus must be visible
 * (govuk-frontend's yellow focus state). */
async function tabTo(page, selector, text = "", { back = false, limit = 60 } = {}) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press(back ? "Shift+Tab" : "Tab");
    const found = await page.evaluate(([sel, txt]) => {
      const el = document.activeElement;
      if (!el?.matches(sel) || !(el.textContent ?? "").includes(txt)) return null;
      const style = getComputedStyle(el);
      return [style.outlineColor, style.backgroundColor, style.boxShadow].join(" ");
    }, [selector, text]);
    if (found !== null) {
      if (page.url().startsWith(BASE)) check(found.includes("255, 221, 0"), `no visible focus on ${selector} ${text}: ${found}`);
      return;
    }
  }
  throw new Error(`Tab never reached ${selector} ${text} on ${page.url()}`);
}

/** The whole of a journey with the keyboard alone: sign in, find and keep an address, the session
 * time-out warning (stay signed in, then sign out from it). The page's clock is Playwright's, moved on
 * to the warning; the session's own deadline is the identity service's. */
async function keyboardJourney(browser, user) {
  const context = bounded(await browser.newContext({ viewport: { width: 1024, height: 800 } }));
  await context.clock.install();
  const page = await context.newPage();
  page.on("pageerror", (e) => findings.consoleErrors.push(`keyboard: ${e.message}`));
  const shot = (name) => audit(page, `keyboard-${name}`);
  await page.goto(`${BASE}/`);
  await page.locator("main h1").waitFor();
  await tabTo(page, ".govuk-skip-link", "", { limit: 1 }); // the first stop on every page
  await tabTo(page, "button, a", "Sign in with GOV.UK One Login");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/authorize/);
  await tabTo(page, "button", user.name);
  await page.keyboard.press("Enter");
  await page.waitForURL(`${BASE}/account`);
  await page.locator("#nino, #profile").first().waitFor();
  if (await page.locator("#nino").count()) {
    await tabTo(page, "#nino");
    await page.keyboard.type(user.nino);
    await page.keyboard.press("Enter");
    await page.locator("#profile").waitFor();
  }
  await tabTo(page, 'a[href="/account/address"]');
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/account\/address$/);
  await headingHasFocus(page);
  await tabTo(page, "#postcode");
  await page.keyboard.type("CF24 7SF");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/select$/);
  await tabTo(page, "#address");
  await page.keyboard.press("ArrowDown");
  check(await page.locator("#address").inputValue() !== "", "the arrow keys did not choose an address");
  await tabTo(page, "button", "Continue");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/confirm$/);
  await tabTo(page, "#use-address");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/account\?updated=address/);
  await page.locator("#profile ~ dl", { hasText: "CF24 7SF" }).waitFor();
  await page.waitForLoadState("networkidle");

  // Two minutes before the session would end for inactivity: the warning, focused on "Stay signed in".
  const dialog = page.locator("dialog.app-timeout-dialog[open]");
  await page.clock.fastForward("28:05");
  await dialog.waitFor();
  check(await page.evaluate(() => document.activeElement?.textContent === "Stay signed in"), "the warning did not take focus");
  const left = await dialog.locator("strong").innerText();
  check(/^(1 minute|[0-9]+ seconds)\.$|^2 minutes\.$/.test(left), `the warning says ${left} are left`);
  await shot("01-timeout-warning");
  await page.keyboard.press("Tab");
  check(await page.evaluate(() => Boolean(document.activeElement?.closest("dialog"))), "focus left the modal dialog");
  await page.keyboard.press("Shift+Tab");
  const touched = page.waitForResponse((r) => r.url().endsWith("/auth/session"));
  await page.keyboard.press("Enter"); // stay signed in: the session is touched, the count starts again
  check((await (await touched).json()).signed_in === true, "staying signed in did not keep the session");
  await dialog.waitFor({ state: "detached" }).catch(() => {});
  await page.waitForFunction(() => !document.querySelector("dialog.app-timeout-dialog[open]"));
  await page.clock.fastForward("28:05");
  await dialog.waitFor();
  await tabTo(page, "dialog button", "Sign out");
  await page.keyboard.press("Enter");
  await page.waitForURL(`${BASE}/signed-out*`);
  check(!(await context.cookies()).some((c) => c.name === "dwp_session"), "signing out from the warning kept the session");
  await context.close();
}

/** Apply for Universal Credit against the real claims service: the task list, one question a page
 * for who lives with you and where you live (an empty answer's error summary), the other sections,
 * the unusual answers confirmed (English: a partner on a single claim), "check your answers", the
 * declaration and submit, then the claim's status and to-dos. */
async function applyForUniversalCredit(page, lang, shot) {
  const tasks = /\/apply\/[0-9a-f-]{36}$/;
  const section = async (name) => {
    await page.locator(`.govuk-task-list a[href*="/${name}/"]`).click();
    await headingHasFocus(page);
  };
  const saved = async (name) => {
    await page.waitForURL((u) => tasks.test(u.pathname) || u.pathname.endsWith("/questions"));
    if (page.url().endsWith("/questions")) {
      await shot("c04-unusual-answers");
      await submit(page);
      await page.waitForURL((u) => tasks.test(u.pathname));
    }
    await page.locator(`#${name}-status`, { hasText: lang === "cy" ? "Wedi’i gwblhau" : "Completed" }).waitFor();
  };
  await page.goto(`${BASE}/account`);
  await page.locator("#apply-link").click();
  await page.waitForURL(`${BASE}/apply`);
  await page.locator("#start-claim").waitFor();
  await shot("c01-apply");
  await page.locator("#start-claim").click();
  await page.waitForURL((u) => tasks.test(u.pathname));
  await shot("c02-task-list");
  check(await page.locator("#submit-status .govuk-task-list__status--cannot-start-yet").count() === 1, "submit was offered before the sections");

  await section("household");
  await submit(page);
  await errorOn(page, "partner");
  await shot("c03-partner-error");
  if (lang === "en") {
    await page.locator("#partner").check(); // a partner on a single claim: unusual, so confirmed later
    await submit(page);
    await fillDate(page, "partnerDob", ["9", "9", "1988"]);
  } else {
    await page.locator("#partner-2").check();
  }
  await submit(page);
  await page.fill("#children", "1");
  await submit(page);
  await fillDate(page, "childDob", ["3", "6", "2019"]);
  await page.locator("#childSex").check();
  await submit(page);
  await saved("household");

  await section("housing");
  await page.locator("#tenure").check(); // a council or housing association
  await shot("c05-tenure");
  await submit(page);
  await page.fill("#rent", "450");
  await submit(page);
  await page.locator("#landlord-2").check();
  await submit(page);
  await page.fill("#bedrooms", "2");
  await submit(page);
  await saved("housing");

  await section("income");
  await page.locator("#job").check();
  await submit(page);
  await page.fill("#employer", "Corner Shop Ltd");
  await page.fill("#pay", "950");
  await page.fill("#hours", "20");
  await fillDate(page, "started", ["8", "1", "2024"]);
  await shot("c06-job");
  await submit(page);
  await saved("income");
  await section("capital");
  await page.fill("#savings", "1200");
  await submit(page);
  await saved("capital");
  for (const [name, no] of [["childcare", "#childcare-2"], ["health", "#health-2"], ["caring", "#caring-2"]]) {
    await section(name);
    await page.locator(no).check();
    await submit(page);
    await saved(name);
  }

  await page.locator('#submit-status').waitFor();
  await page.locator('.govuk-task-list a[href$="/check-answers"]').click();
  await headingHasFocus(page);
  await page.getByText("Corner Shop Ltd").first().waitFor();
  await shot("c07-check-answers");
  await page.locator('main a[href$="/declaration"]').click();
  await headingHasFocus(page);
  await shot("c08-declaration");
  await submit(page);
  await page.waitForURL(/\/status\?submitted=1$/);
  await page.locator(".govuk-panel--confirmation").waitFor();
  await page.locator("main .govuk-task-list__item").first().waitFor(); // the to-dos the claims service set
  const todos = await page.locator("main .govuk-task-list__item").allInnerTexts();
  check(todos.some((t) => /Claimant Commitment|Ymrwymiad Hawlydd/.test(t)), `no Claimant Commitment to-do: ${todos}`);
  check(todos.some((t) => /tenancy agreement|cytundeb tenantiaeth/.test(t)), `no tenancy agreement asked for: ${todos}`);
  await shot("c09-status");
  await timed("evidence", () => uploadEvidence(page, lang, shot));
  await timed("messages", () => messages(page, shot));
  if (STAFF_TOKEN && lang === "en") await timed("decision", () => decision(page, lang, shot)); // Welsh: Vitest
  if (STAFF_TOKEN && STAFF_TOKEN_MR && lang === "en") {
    await timed("change", () => reportChange(page, /\/apply\/([0-9a-f-]{36})\//.exec(page.url())[1], shot));
  }
}

/** A caseworker decides the claim through the casework API (the caseworkers' pages are another
 * journey's), with a staff token from `dwp token caseworker`; the citizen reads the decision, its
 * reasons and the right to a mandatory reconsideration, and asks for one (an empty reason refused). */
async function decision(page, lang, shot) {
  const claimId = /\/apply\/([0-9a-f-]{36})\//.exec(page.url())[1];
  const casework = `${GATEWAY}/v1/claims/casework/claims/${claimId}`;
  const staff = { Authorization: `Bearer ${STAFF_TOKEN}`, "Content-Type": "application/json" };
  const read = await fetch(`${casework}?purpose=${encodeURIComponent("decide the claim in the browser journey")}`, { headers: staff });
  check(read.ok, `the caseworker could not read the claim: ${read.status} ${await read.text()}`);
  const started = await fetch(`${casework}/assessment/start`, { method: "POST", headers: { ...staff, "If-Match": read.headers.get("etag") } });
  check(started.ok, `the assessment did not start: ${started.status} ${await started.text()}`);
  const reasons = ["Your earnings are more than Universal Credit would pay", "Your rent of £450 a month was taken into account"];
  // A disallowance: an award would wait on HMRC's earnings for this made-up NINO. The itemised
  // explanation of an award is the claims API's integration test's (test_claims_explanation_api.py).
  const decided = await fetch(`${casework}/decisions`, { method: "POST", headers: { ...staff, "If-Match": started.headers.get("etag") },
    body: JSON.stringify({ outcome: "disallow", reasons }) });
  check(decided.status === 201, `no decision: ${decided.status} ${await decided.text()}`);
  await page.goto(`${BASE}/apply/${claimId}/status`);
  await page.locator("#decision-link").click();
  await headingHasFocus(page);
  await page.getByText(reasons[1]).waitFor();
  check(/one month|cyn pen mis/i.test(await page.locator("main").innerText()), "the decision page does not say the one month to ask");
  await shot("c13-decision");
  await page.locator("#ask-mr").click();
  await headingHasFocus(page);
  await submit(page);
  await errorOn(page, "grounds");
  await shot("c14-reconsideration-error");
  await page.fill("#grounds", "My rent is £650 a month, not £450.");
  await submit(page);
  await page.waitForURL(/\/decision\?asked=reconsideration$/);
  await page.locator(".govuk-notification-banner--success").waitFor();
  await shot("c15-reconsideration-asked");
}

/** A second decision maker awards the claim on reconsideration (the amount is theirs: a reconsideration
 * records it), and the citizen reports a change from the claim's page: what has changed (nothing chosen
 * first), the job they stopped (an employer not on the claim: the claims API's 422 lands back on that
 * field), the date (in the future, then before the claim began: the GOV.UK date errors), check your
 * answers, and the confirmation with what happens next and the API's explanation. */
async function reportChange(page, claimId, shot) {
  const casework = `${GATEWAY}/v1/claims/casework/claims/${claimId}`;
  const staff = { Authorization: `Bearer ${STAFF_TOKEN_MR}`, "Content-Type": "application/json" };
  const read = await fetch(`${casework}?purpose=${encodeURIComponent("reconsider the decision in the browser journey")}`, { headers: staff });
  check(read.ok, `the second decision maker could not read the claim: ${read.status} ${await read.text()}`);
  const awarded = await fetch(`${casework}/decisions`, { method: "POST", headers: { ...staff, "If-Match": read.headers.get("etag") },
    body: JSON.stringify({ stage: "reconsideration", outcome: "award", amount_pence: 41234, reasons: ["Your rent is £650 a month: you are entitled"] }) });
  check(awarded.status === 201, `no award on reconsideration: ${awarded.status} ${await awarded.text()}`);
  const fillToday = (id, offset = 0) => {
    const d = new Date(Date.now() + offset * 86_400_000);
    return fillDate(page, id, [String(d.getDate()), String(d.getMonth() + 1), String(d.getFullYear())]);
  };
  const dateError = async (text) => {
    await page.locator("#happened-error", { hasText: text }).waitFor();
    check(await page.locator('.govuk-error-summary a[href="#happened-day"]').count() === 1, "the summary does not link to the day");
    check(await page.evaluate(() => document.activeElement?.classList.contains("govuk-error-summary")), "focus is not on the error summary");
  };
  const noRawProblem = async () => check(!/[{}]|"type"|"status"/.test(await page.locator("main").innerText()), "a problem document reached the page");

  await page.goto(`${BASE}/apply/${claimId}/status`);
  await page.locator("#report-change").click();
  await page.waitForURL(/\/report-a-change$/);
  await headingHasFocus(page);
  await submit(page);
  await errorOn(page, "kind");
  await shot("c16-change-kind-error");
  await page.locator('input[name="kind"][value="stopped_work"]').check();
  await submit(page);
  await page.waitForURL(/\/report-a-change\/details$/);
  await headingHasFocus(page);
  await page.fill("#employer", "Someone Else Ltd");
  await submit(page);
  await page.waitForURL(/\/report-a-change\/date$/);
  await fillToday("happened", 1);
  await submit(page);
  await dateError("must be today or in the past");
  await shot("c17-change-date-future");
  await fillToday("happened", -1); // the claim was submitted today: before it began
  await submit(page);
  await dateError("when your claim began");
  await shot("c18-change-date-before-claim");
  await fillToday("happened");
  await submit(page);
  await page.waitForURL(/\/report-a-change\/check$/);
  await headingHasFocus(page);
  await page.getByText("Someone Else Ltd").waitFor();
  await shot("c19-change-check");
  await submit(page); // the claims API: no job on this claim is with that employer
  await page.waitForURL(/\/report-a-change\/details$/);
  await errorOn(page, "employer");
  await noRawProblem();
  await shot("c20-change-api-error");
  await page.fill("#employer", "Corner Shop Ltd");
  await submit(page);
  await page.waitForURL(/\/report-a-change\/date$/);
  await submit(page);
  await page.waitForURL(/\/report-a-change\/check$/);
  const posted = page.waitForRequest((r) => r.method() === "POST" && r.url().endsWith(`/api/v1/claims/${claimId}/changes`));
  await submit(page);
  const headers = (await posted).headers();
  check(Boolean(headers["if-match"]) && Boolean(headers["idempotency-key"]), "the change went without If-Match or an Idempotency-Key");
  await page.waitForURL(/\/report-a-change\/done\/[0-9a-f-]{36}$/);
  await page.locator(".govuk-panel--confirmation").waitFor();
  await page.locator("#change-explanation li").first().waitFor();
  const explained = await page.locator("#change-explanation").innerText();
  check(/stopped work/.test(explained), `the API's explanation is not shown: ${explained}`);
  check((await page.locator("#change-next").innerText()).length > 20, "the confirmation does not say what happens next");
  await noRawProblem();
  await shot("c21-change-reported");
  await page.reload(); // read back from the claims API
  await page.locator("#change-explanation li").first().waitFor();
  await page.getByRole("link", { name: "Cymraeg" }).click(); // the same confirmation in Welsh
  await page.getByRole("heading", { level: 1, name: "Newid wedi’i gofnodi" }).waitFor();
  await shot("c22-change-reported-cy");
  await page.getByRole("link", { name: "English" }).click();
  await page.getByRole("heading", { level: 1, name: "Change reported" }).waitFor();
}

/** Send the tenancy agreement from the status page: a file of the wrong type refused on the page, then
 * a real PDF posted to the evidence bucket's presigned POST (through the CSP's one upload origin), checked
 * by the claims service and accepted. */
async function uploadEvidence(page, lang, shot) {
  await page.locator('main .govuk-task-list a[href*="/evidence/"]').first().click();
  await page.waitForURL(/\/evidence\/[0-9a-f-]{36}$/);
  await headingHasFocus(page);
  await page.setInputFiles("#file", { name: "lease.docx", mimeType: "application/msword", buffer: Buffer.from("not a pdf") });
  await submit(page);
  await errorOn(page, "file");
  await shot("c10-evidence-wrong-type");
  const pdf = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
  await page.setInputFiles("#file", { name: "tenancy.pdf", mimeType: "application/pdf", buffer: pdf });
  const posted = page.waitForResponse((r) => r.request().method() === "POST" && !r.url().startsWith(BASE));
  await submit(page);
  check((await posted).status() < 300, "the evidence bucket refused the presigned POST");
  await page.waitForURL(/\/status\?uploaded=/);
  await page.locator(".govuk-notification-banner--success").waitFor();
  await shot("c11-evidence-accepted");
}

/** The claim's messages: an empty message refused, one sent and read back from the journal. */
async function messages(page, shot) {
  await page.locator("#messages-link").click();
  await headingHasFocus(page);
  await submit(page);
  await errorOn(page, "message");
  await page.fill("#message", "I have sent my tenancy agreement.");
  await submit(page);
  await page.locator("#journal", { hasText: "I have sent my tenancy agreement." }).waitFor();
  await shot("c12-messages");
}

/** A short New Style JSA application (English) or ESA (Welsh): the task list, each section one question
 * a page, unusual answers confirmed, check your answers, submit. */
async function applyForNewStyle(page, lang, shot) {
  const benefit = lang === "cy" ? "esa" : "jsa";
  const tasks = /\/apply\/[0-9a-f-]{36}$/;
  const section = async (name) => {
    await page.locator(`.govuk-task-list a[href*="/${name}/"]`).click();
    await headingHasFocus(page);
  };
  const saved = async () => {
    await page.waitForURL((u) => tasks.test(u.pathname) || u.pathname.endsWith("/questions"));
    if (page.url().endsWith("/questions")) {
      await submit(page);
      await page.waitForURL((u) => tasks.test(u.pathname));
    }
  };
  await page.goto(`${BASE}/account`);
  await page.locator(`#apply-${benefit}-link`).click();
  await page.locator("#start-claim").waitFor();
  await shot(`n01-${benefit}-start`);
  await page.locator("#start-claim").click();
  await page.waitForURL((u) => tasks.test(u.pathname));
  await shot(`n02-${benefit}-tasks`);
  if (benefit === "jsa") {
    await section("work_history");
    await page.locator("#hadJob").check();
    await submit(page);
    await page.fill("#employer", "Corner Shop Ltd");
    await fillDate(page, "jobStarted", ["8", "1", "2020"]);
    await page.fill("#jobHours", "37");
    await submit(page);
    await page.locator("#leaving-2").check(); // made redundant
    await submit(page);
    await page.locator("#jobEnded-error").waitFor(); // a job that ended needs its end date
    await fillDate(page, "jobEnded", ["31", "10", "2026"]);
    await shot("n03-jsa-leaving");
    await submit(page);
    await saved();
    await section("availability");
    await page.locator("#availableNow").check();
    await submit(page);
    await page.fill("#availableHours", "40");
    await submit(page);
    await saved();
    await section("jobseeking");
    await page.locator("#seeking").check();
    await submit(page);
    await page.fill("#kindsOfWork", "Retail\nWarehouse work");
    await submit(page);
    await saved();
  } else {
    await section("condition");
    await page.fill("#condition", "Back injury: I cannot lift or stand for long.");
    await fillDate(page, "conditionStarted", ["2", "9", "2026"]);
    await shot("n03-esa-condition");
    await submit(page);
    await saved();
    await section("fit_note");
    await page.locator("#hasFitNote").check();
    await submit(page);
    await fillDate(page, "fitStarts", ["1", "11", "2026"]);
    await fillDate(page, "fitEnds", ["31", "1", "2027"]); // at most 3 months early in a condition
    await submit(page);
    await saved();
    await section("treatment");
    await page.locator("#inHospital-2").check();
    await submit(page);
    await shot("n04-esa-treatments");
    await submit(page);
    await saved();
  }
  await section("income");
  await page.fill("#workHours", "0");
  await submit(page);
  await saved();
  // Every section done: "Check your answers" opens. Waited for (a count straight away could read the
  // list before it shows the last save), and if it never opens the list says which section is not done.
  const checkAnswers = page.locator('.govuk-task-list a[href$="/check-answers"]');
  await checkAnswers.waitFor({ timeout: 20_000 }).catch(async () => {
    throw new Error(`${benefit}: not ready to submit: ${await page.locator(".govuk-task-list").innerText()}`);
  });
  await checkAnswers.click();
  await headingHasFocus(page);
  await shot(`n05-${benefit}-check-answers`);
  await page.locator('main a[href$="/declaration"]').click();
  await submit(page);
  await page.waitForURL(/\/status\?submitted=1$/);
  await page.locator(".govuk-panel--confirmation").waitFor();
  await shot(`n06-${benefit}-submitted`);
}

async function journey(browser, lang, user) {
  const t = lang === "cy"
    ? { start: "Dechrau nawr", signIn: "Mewngofnodi gyda GOV.UK One Login", continue: "Parhau", submit: "Gwirio beth allwn ei gael", title: "Gwirio beth allech ei gael", result: "Gallech gael", signOut: "Allgofnodi", error: "Gwall:", signedOut: "Rydych wedi allgofnodi", account: "Eich cyfrif", problem: "Mae problem wedi codi" }
    : { start: "Start now", signIn: "Sign in with GOV.UK One Login", continue: "Continue", submit: "Check what I could get", title: "Check what you could get", result: "You could get", signOut: "Sign out", error: "Error:", signedOut: "You have signed out", account: "Your account", problem: "There is a problem" };
  const context = bounded(await browser.newContext({ viewport: { width: 1024, height: 800 } }));
  const page = await context.newPage();
  // The browser logs every 4xx as a console error; an API's 404 is an answer (no record yet), so only
  // failed loads of our own pages and assets count, and every other console error.
  watch(page, lang);
  const shot = (name) => audit(page, `${lang}-${name}`);

  await page.goto(`${BASE}/`);
  if (lang === "cy") {
    await page.getByRole("link", { name: "Cymraeg" }).click();
    await page.getByRole("heading", { level: 1, name: t.title }).waitFor();
    await page.reload(); // the choice is remembered
    check((await page.getAttribute("html", "lang")) === "cy", "Welsh was not remembered after a reload");
  }
  await page.getByRole("heading", { level: 1, name: t.title }).waitFor();
  await shot("01-start");

  // Sign in through the One Login simulator.
  await page.getByRole("button", { name: t.signIn }).click();
  await page.waitForURL(/\/authorize/);
  check(new URL(page.url()).searchParams.get("ui_locales") === lang, `One Login was not asked for ${lang} pages`);
  await page.getByRole("button", { name: new RegExp(user.name) }).click();
  await page.waitForURL(`${BASE}/account`);
  await page.getByText(user.name).first().waitFor();
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "dwp_session");
  check(session?.httpOnly && session.sameSite === "Lax", "the session cookie is not HttpOnly and SameSite=Lax");
  check(!(await page.evaluate(() => document.cookie)).includes("dwp_session"), "JavaScript can read the session cookie");
  const nino = page.locator("#nino");
  await page.locator("#nino, #profile").first().waitFor();
  if (await nino.count()) {
    await shot("02-account-register");
    await nino.fill(user.nino);
    await page.getByRole("button", { name: t.continue }).click();
    await page.locator(".govuk-notification-banner--success").waitFor();
    await page.getByText(user.nino).waitFor(); // the record the citizen service now holds
  }
  await page.locator("#profile").waitFor();
  await shot("03-account");
  await addressFinder(page, lang, shot);
  await applyForUniversalCredit(page, lang, shot);
  await timed("jsa-esa", () => applyForNewStyle(page, lang, shot));
  await timed("contact", async () => {
    await page.goto(`${BASE}/account/contact-preferences`);
    await page.locator("#channels").waitFor();
    await shot("13-contact-preferences");
  });

  // The estimate: one question a page.
  await page.getByRole("link", { name: t.title }).first().click();
  await page.getByRole("button", { name: t.start }).click();
  await headingHasFocus(page);
  await page.getByRole("button", { name: t.continue }).click(); // nothing entered: the error summary
  await page.locator(".govuk-error-summary").waitFor();
  check((await page.title()).startsWith(t.error), "the page title does not start with Error:");
  check(await page.evaluate(() => document.activeElement?.classList.contains("govuk-error-summary")), "focus is not on the error summary");
  await shot("04-date-of-birth-error");
  await page.locator(".govuk-error-summary a").first().click();
  check(await page.evaluate(() => document.activeElement?.id === "dob-day"), "the error link did not focus the field");
  await fillDate(page, "dob", ["14", "2", "1990"]);
  await page.getByRole("button", { name: t.continue }).click();
  await headingHasFocus(page);
  await page.locator("#partner-2").check(); // no partner
  await shot("05-partner");
  await page.getByRole("button", { name: t.continue }).click();
  await page.fill("#children", "1");
  await page.getByRole("button", { name: t.continue }).click();
  // A child born 25 years ago: the page's own checks pass it; the benefits API refuses it, and its
  // problem pointer (children/0/date_of_birth) brings the person back to this page, on this field.
  await fillDate(page, "childDob", ["3", "6", String(new Date().getFullYear() - 25)]);
  await page.locator("#childSex").check();
  await page.getByRole("button", { name: t.continue }).click();
  await page.locator("#housing-2").check(); // social rent
  await page.getByRole("button", { name: t.continue }).click();
  await page.fill("#rent", "600");
  await page.getByRole("button", { name: t.continue }).click();
  await page.fill("#bedrooms", "2");
  await page.getByRole("button", { name: t.continue }).click();
  await page.locator("#london-2").check(); // not in London: the benefit cap's lower amounts
  await page.getByRole("button", { name: t.continue }).click();
  await page.fill("#earnings", "900");
  await page.getByRole("button", { name: t.continue }).click();
  await page.fill("#savings", "0");
  await page.getByRole("button", { name: t.continue }).click();
  await page.waitForURL(/check-answers/);
  await shot("06-check-answers");
  await page.getByRole("button", { name: t.submit }).click();
  await page.waitForURL(/child-1\?return=check/);
  await page.locator("#childDob-error").waitFor();
  await page.locator(".govuk-error-summary").waitFor();
  await shot("07-child-api-error");
  await fillDate(page, "childDob", ["3", "6", "2019"]);
  await page.getByRole("button", { name: t.continue }).click();
  await page.waitForURL(/check-answers/);
  await page.getByRole("button", { name: t.submit }).click();
  await page.waitForURL(/result/);
  await page.getByRole("heading", { level: 1, name: t.result }).waitFor();
  const award = await page.locator(".govuk-panel__body strong").innerText();
  check(/£\d/.test(award), `no award shown: ${award}`);
  const lines = await page.locator(".govuk-table__body .govuk-table__row").count();
  check(lines >= 4, `the explanation has ${lines} lines`);
  await shot("08-result");

  for (const [path, name] of [["/accessibility-statement", "09-accessibility"], ["/privacy", "10-privacy"], ["/cookies", "11-cookies"]]) {
    await page.goto(`${BASE}${path}`);
    await shot(name);
  }

  // Sign out: through One Login's logout, back to our signed-out page; the session is gone.
  await page.goto(`${BASE}/account`);
  await page.getByRole("button", { name: t.signOut }).click();
  await page.waitForURL(`${BASE}/signed-out*`);
  await page.getByRole("heading", { level: 1, name: t.signedOut }).waitFor();
  await shot("12-signed-out");
  check(!(await context.cookies()).some((c) => c.name === "dwp_session"), "the session cookie outlived sign-out");
  const after = await page.evaluate(() => fetch("/auth/session").then((r) => r.json()));
  check(after.signed_in === false, "still signed in after signing out");
  await context.close();
  return { lang, award };
}

const started = Date.now();
const browser = await launch();
let failed = null;
const results = [];
try {
  const nino = () => `AB${String(Math.floor(Math.random() * 1e6)).padStart(6, "0")}C`;
  // JOURNEYS=keyboard runs one of them (while developing a page); all three by default.
  const only = (process.env.JOURNEYS ?? "en,cy,keyboard").split(",");
  // Mohammed applies for UC in English: the e2e tests claim as Sarah and expect hers to be her only claim.
  if (only.includes("en")) results.push(await journey(browser, "en", { name: "Mohammed Khan", nino: process.env.NINO_EN ?? nino() }));
  if (only.includes("cy")) results.push(await journey(browser, "cy", { name: "Gwen Evans", nino: process.env.NINO_CY ?? nino() }));
  if (only.includes("keyboard")) await keyboardJourney(browser, { name: "Sarah Anne Jones", nino: nino() });
} catch (error) {
  failed = error;
} finally {
  await browser.close();
}
const summary = { ...findings, results, seconds: (Date.now() - started) / 1000, error: failed ? String(failed.stack ?? failed) : null };
writeFileSync(join(SHOTS, "journey.json"), JSON.stringify(summary, null, 2));
console.log(JSON.stringify(summary, null, 2));
if (failed || findings.violations.length || findings.consoleErrors.length) process.exit(1);
