// "Report a change" in the app, against a fetch that answers as the BFF would (the claims API's shapes:
// dwp.claims.api_changes): the journey from the claim's page, its checks and the GOV.UK date errors, the
// POST with If-Match and an Idempotency-Key, the API's problems on the page and field they name, and
// the confirmation with the change's outcome, in English and Welsh.
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { I18nextProvider } from "react-i18next";
import { MemoryRouter } from "react-router";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import { i18next, setupI18n } from "../../i18n";
import { SessionProvider } from "../../session";

const ID = "0b6b3f7e-2c39-4c4f-9a55-6b1e7c4a8d21";
const CHANGE = "5d1c0f9e-7a44-4b0e-9d6c-1f2e3d4c5b6a";
const awarded = {
  id: ID, claim_type: "universal_credit", status: "awarded", role: "claimant", joint: false, partner: null,
  created_at: "2026-06-01T10:00:00Z", submitted_at: "2026-06-10T10:00:00Z", claim_date: "2026-06-10", version: 7,
  questions: [], answers: {}, moves: [], decision: null, tasks: [], todos: [],
};
const reported = {
  id: CHANGE, claim_id: ID, kind: "savings_changed", happened_on: "2026-08-15", reported_on: "2026-10-20",
  effective_from: "2026-08-10", rule: "UC, PIP, JSA and ESA (Decisions and Appeals) Regulations 2013, Sch 1 para 20",
  status: "revised", overpayment_pence: 80000, overpayment_cause: "claimant", arrears_pence: 0,
  revisions: [
    { period_start: "2026-08-10", period_end: "2026-09-09", was_pence: 60000, now_pence: 20000, paid: true },
    { period_start: "2026-09-10", period_end: "2026-10-09", was_pence: 60000, now_pence: 20000, paid: true },
  ],
  explanation: ["You told us about a change (savings changed).", "We paid you £800.00 too much because the change was reported after the assessment period it happened in."],
};

type Call = { method: string; url: string; body: unknown; headers: Record<string, string> };
function serve(current: Record<string, unknown>, answers: Record<string, (call: Call) => [number, unknown]> = {}) {
  const calls: Call[] = [];
  vi.stubGlobal("fetch", vi.fn(async (url: string, init: RequestInit = {}) => {
    const call = { method: init.method ?? "GET", url, body: init.body ? JSON.parse(String(init.body)) : undefined, headers: (init.headers ?? {}) as Record<string, string> };
    calls.push(call);
    const json = (status: number, body: unknown, etag = 'W/"7"') => new Response(JSON.stringify(body), {
      status, headers: { "content-type": status >= 400 ? "application/problem+json" : "application/json", etag },
    });
    if (url === "/auth/session") return json(200, { signed_in: true, kind: "citizen", subject_id: "c1", name: "Sam", level_of_confidence: "P2", expires_at: 9e9, now: 1 });
    for (const [key, answer] of Object.entries(answers)) if (`${call.method} ${url}`.startsWith(key)) return json(...answer(call));
    if (url === `/api/v1/claims/${ID}`) return json(200, current);
    if (url.endsWith("/todos")) return json(200, { items: [] });
    return json(404, { type: "about:blank", title: "Not Found", status: 404 });
  }));
  return calls;
}

function renderAt(path: string) {
  return render(
    <I18nextProvider i18n={i18next}>
      <MemoryRouter initialEntries={[path]}><SessionProvider><App /></SessionProvider></MemoryRouter>
    </I18nextProvider>,
  );
}

async function fillDate(id: string, [d, m, y]: string[]) {
  for (const [part, value] of [["day", d], ["month", m], ["year", y]]) {
    const input = document.getElementById(`${id}-${part}`) as HTMLInputElement;
    await userEvent.clear(input);
    if (value) await userEvent.type(input, value);
  }
}

const continueButton = () => screen.getByRole("button", { name: /^(Continue|Parhau)$/ });

// The first render of each lazy page compiles its chunk, on a machine shared by several engineers.
vi.setConfig({ testTimeout: 40_000 });
beforeAll(async () => { await setupI18n("en"); });
afterEach(async () => { vi.unstubAllGlobals(); sessionStorage.clear(); await i18next.changeLanguage("en"); });

describe("report a change", () => {
  it("starts from an awarded claim's page, and checks each page before it sends anything", async () => {
    const calls = serve(awarded);
    renderAt(`/apply/${ID}/status`);
    await userEvent.click(await screen.findByRole("button", { name: "Report a change" }, { timeout: 20_000 }));
    expect(await screen.findByRole("heading", { level: 1, name: "What has changed?" }, { timeout: 20_000 })).toBeInTheDocument();
    await userEvent.click(continueButton());
    expect(await screen.findByRole("link", { name: "Select what has changed" })).toHaveAttribute("href", "#kind");
    expect(document.title).toMatch(/^Error: /);
    await userEvent.click(screen.getByLabelText("My savings or investments have changed"));
    await userEvent.click(continueButton());
    expect(await screen.findByRole("heading", { level: 1, name: "How much do you have in savings and investments now?" })).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("How much do you have in savings and investments now?"), "lots");
    await userEvent.click(continueButton());
    expect(await screen.findByRole("link", { name: "Enter an amount in pounds, like 600 or 600.50" })).toHaveAttribute("href", "#savings");
    await userEvent.clear(screen.getByLabelText("How much do you have in savings and investments now?"));
    await userEvent.type(screen.getByLabelText("How much do you have in savings and investments now?"), "20000");
    await userEvent.click(continueButton());

    // The date: the GOV.UK date input's messages, each linking to the day.
    expect(await screen.findByRole("group", { name: "When did your savings change?" })).toBeInTheDocument();
    expect(screen.getByText(/on or after 10 June 2026, when your claim began/)).toBeInTheDocument();
    const dateError = async (parts: string[], message: string) => {
      await fillDate("happened", parts);
      await userEvent.click(continueButton());
      expect(await screen.findByRole("link", { name: message })).toHaveAttribute("href", "#happened-day");
    };
    await dateError(["", "", ""], "Enter the date the change happened");
    await dateError(["15", "", "2026"], "The date the change happened must include a month");
    await dateError(["30", "2", "2026"], "The date the change happened must be a real date");
    await dateError(["1", "1", String(new Date().getFullYear() + 1)], "The date the change happened must be today or in the past");
    await dateError(["9", "6", "2026"], "The date the change happened must be the same as or after 10 June 2026, when your claim began");
    expect(calls.some((c) => c.url.endsWith("/changes"))).toBe(false);
  });

  it("sends the change with If-Match and an Idempotency-Key, then shows what happens next and the API's outcome", async () => {
    let fresh = false;
    const calls = serve(awarded, {
      [`POST /api/v1/claims/${ID}/changes`]: () => { fresh = true; return [201, reported]; },
    });
    sessionStorage.setItem(`dwp-change-${ID}`, JSON.stringify({ kind: "savings_changed", savings: "20000", happened: { day: "15", month: "8", year: "2026" } }));
    renderAt(`/apply/${ID}/report-a-change/check`);
    expect(await screen.findByRole("heading", { level: 1, name: "Check your answers before reporting your change" }, { timeout: 20_000 })).toBeInTheDocument();
    expect(screen.getByText("£20000")).toBeInTheDocument();
    expect(screen.getByText("15 August 2026")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: /When it happened/ })).toHaveAttribute("href", `/apply/${ID}/report-a-change/date?return=check`);
    await userEvent.click(screen.getByRole("button", { name: "Report this change" }));

    expect(await screen.findByRole("heading", { level: 1, name: "Change reported" })).toBeInTheDocument();
    const post = calls.find((c) => c.method === "POST")!;
    expect(post.body).toEqual({ kind: "savings_changed", happened_on: "2026-08-15", savings_pence: 2000000 });
    expect(post.headers["If-Match"]).toBe('W/"7"');
    expect(post.headers["Idempotency-Key"]).toMatch(/^[0-9a-f-]{32,36}$/);
    expect(fresh).toBe(true);
    expect(screen.getByText(/We have worked out your payments again/)).toBeInTheDocument();
    expect(screen.getByText("10 August 2026")).toBeInTheDocument(); // the day it counts from
    expect(screen.getByText(/Sch 1 para 20/)).toHaveAttribute("lang", "en");
    expect(screen.getByRole("table")).toHaveTextContent("10 August 2026 to 9 September 2026£600.00£200.00Already paid");
    expect(screen.getByText(/We paid you £800.00 too much because the change was reported after/, { selector: "strong" })).toBeInTheDocument();
    expect(screen.getByText("You told us about a change (savings changed).")).toHaveAttribute("lang", "en");
    expect(sessionStorage.getItem(`dwp-change-${ID}`)).toBeNull(); // nothing of it is kept in the tab

    // In Welsh, the same outcome.
    await i18next.changeLanguage("cy");
    expect(await screen.findByRole("heading", { level: 1, name: "Newid wedi’i gofnodi" })).toBeInTheDocument();
    expect(screen.getByRole("table")).toHaveTextContent("10 Awst 2026 i 9 Medi 2026");
    expect(screen.getByText(/Gwnaethom dalu £800.00 yn ormod i chi/)).toBeInTheDocument();
  });

  it("reads a change back after a reload of the confirmation", async () => {
    serve(awarded, { [`GET /api/v1/claims/${ID}/changes`]: () => [200, { items: [{ ...reported, status: "waiting_for_caseworker", revisions: [], overpayment_pence: 0 }] }] });
    renderAt(`/apply/${ID}/report-a-change/done/${CHANGE}`);
    expect(await screen.findByText(/A member of staff will work out what this means/, {}, { timeout: 20_000 })).toBeInTheDocument();
    expect(screen.queryByRole("table")).toBeNull();
  });

  it("lands the API's 422 on the page and field its pointer names, in the page's words, never its JSON", async () => {
    serve(awarded, {
      [`POST /api/v1/claims/${ID}/changes`]: () => [422, {
        type: "https://dwp.example/problems/validation", title: "Your answers need attention", status: 422,
        detail: "employer: No job on your claim is with this employer",
        errors: [{ pointer: "#/employer", field: "employer", detail: "No job on your claim is with this employer", code: "invalid" }],
      }],
    });
    sessionStorage.setItem(`dwp-change-${ID}`, JSON.stringify({ kind: "stopped_work", employer: "Someone Else Ltd", happened: { day: "1", month: "11", year: "2026" } }));
    renderAt(`/apply/${ID}/report-a-change/check`);
    await userEvent.click(await screen.findByRole("button", { name: "Report this change" }, { timeout: 20_000 }));
    expect(await screen.findByRole("heading", { level: 1, name: "Which employer did you stop working for?" })).toBeInTheDocument();
    const message = "You did not tell us about a job with this employer. Enter the employer’s name as you told us when you claimed";
    expect(await screen.findByRole("link", { name: message })).toHaveAttribute("href", "#employer");
    expect(document.getElementById("employer-error")).toHaveTextContent(message);
    expect(document.body.textContent).not.toContain("{");
    expect(document.body.textContent).not.toContain("No job on your claim");
  });

  it("says the claim changed on a 412 and sends again with the new ETag; a 409 is a message, not a problem document", async () => {
    let tries = 0;
    const calls = serve(awarded, {
      [`POST /api/v1/claims/${ID}/changes`]: () => (++tries === 1
        ? [412, { type: "https://dwp.example/problems/stale", title: "Precondition failed", status: 412, detail: "The claim has changed" }]
        : [409, { type: "https://dwp.example/problems/change-not-allowed", title: "This change cannot be reported here", status: 409, detail: "a joint claim's couple" }]),
    });
    sessionStorage.setItem(`dwp-change-${ID}`, JSON.stringify({ kind: "partner_left", happened: { day: "1", month: "11", year: "2026" } }));
    renderAt(`/apply/${ID}/report-a-change/check`);
    await userEvent.click(await screen.findByRole("button", { name: "Report this change" }, { timeout: 20_000 }));
    expect(await screen.findByRole("link", { name: "Your claim changed while you were reporting this. Check your answers and send them again" }))
      .toHaveAttribute("href", "#send-change");
    await userEvent.click(screen.getByRole("button", { name: "Report this change" }));
    expect(await screen.findByRole("link", { name: /You cannot report this change online/ })).toBeInTheDocument();
    const posts = calls.filter((c) => c.method === "POST");
    expect(posts).toHaveLength(2);
    expect(posts[0].headers["Idempotency-Key"]).not.toBe(posts[1].headers["Idempotency-Key"]); // a new attempt
    expect(calls.filter((c) => c.url === `/api/v1/claims/${ID}`).length).toBeGreaterThanOrEqual(2); // read again after the 412
    expect(document.body.textContent).not.toContain("a joint claim's couple");
  });

  it("offers a New Style claim only work, a joint claim no partner changes, and a claim not awarded no journey", async () => {
    serve({ ...awarded, claim_type: "new_style_esa" });
    const { unmount } = renderAt(`/apply/${ID}/report-a-change`);
    expect(await screen.findByRole("heading", { level: 1, name: "What has changed?" }, { timeout: 20_000 })).toBeInTheDocument();
    expect(screen.getAllByRole("radio").map((r) => (r as HTMLInputElement).value)).toEqual(["started_work", "stopped_work", "health_condition_changed"]);
    unmount();
    vi.unstubAllGlobals();
    serve({ ...awarded, joint: true }); // a joint claim's couple changing is a caseworker's (the API's 409)
    const joint = renderAt(`/apply/${ID}/report-a-change`);
    await screen.findByRole("heading", { level: 1, name: "What has changed?" }, { timeout: 20_000 });
    expect(screen.getAllByRole("radio").map((r) => (r as HTMLInputElement).value).filter((v) => v.startsWith("partner"))).toEqual([]);
    joint.unmount();
    vi.unstubAllGlobals();
    serve({ ...awarded, status: "under_assessment" });
    renderAt(`/apply/${ID}/report-a-change`);
    expect(await screen.findByRole("heading", { level: 1, name: "You cannot report a change yet" }, { timeout: 20_000 })).toBeInTheDocument();
  });

  it("asks a new home’s details in Welsh, with an error summary for what is missing", async () => {
    await i18next.changeLanguage("cy");
    serve(awarded);
    renderAt(`/apply/${ID}/report-a-change`);
    await userEvent.click(await screen.findByLabelText("Rwyf wedi symud cartref", {}, { timeout: 20_000 }));
    await userEvent.click(continueButton());
    expect(await screen.findByRole("heading", { level: 1, name: "Am eich cartref newydd" })).toBeInTheDocument();
    await userEvent.click(continueButton());
    await waitFor(() => expect(screen.getAllByRole("link").filter((a) => a.getAttribute("href") === "#tenure")).toHaveLength(1));
    expect(document.title).toMatch(/^Gwall: /);
  });

  it("reports a health condition: its questions, the body sent, and a caseworker's decision with a to-do after", async () => {
    const waiting = {
      ...reported, kind: "health_condition_changed", happened_on: "2026-10-12", effective_from: "2026-10-10",
      status: "waiting_for_caseworker", overpayment_pence: 0, revisions: [], work_item_id: "w1", todo_id: "t1",
      explanation: ["You told us about a change (health condition changed)."],
    };
    const calls = serve(awarded, { [`POST /api/v1/claims/${ID}/changes`]: () => [201, waiting] });
    renderAt(`/apply/${ID}/report-a-change`);
    await userEvent.click(await screen.findByLabelText("My health condition or disability has changed", {}, { timeout: 20_000 }));
    await userEvent.click(continueButton());
    // One question first (its legend the page's heading), then the one its answer asks.
    expect(await screen.findByRole("heading", { level: 1, name: "Does a health condition or disability now affect the work you can do?" }))
      .toBeInTheDocument();
    await userEvent.click(continueButton());
    expect(await screen.findByRole("link", { name: "Select yes if a health condition or disability now affects the work you can do" }))
      .toHaveAttribute("href", "#affectsWork");
    await userEvent.click(screen.getByRole("radio", { name: "Yes" }));
    expect(await screen.findByRole("heading", { level: 1, name: "About your health condition" })).toBeInTheDocument();
    await userEvent.click(continueButton());
    expect(await screen.findByRole("link", { name: "Select whether you can work at all now" })).toHaveAttribute("href", "#canWork");
    // Two radios named "No" now (affects work, can work): pick the one of "Can you work at all now?".
    const group = screen.getByRole("group", { name: "Can you work at all now?" });
    await userEvent.click(group.querySelector('input[value="no"]') as HTMLInputElement);
    await userEvent.click(continueButton());
    expect(await screen.findByRole("group", { name: "When did your condition change?" })).toBeInTheDocument();
    await fillDate("happened", ["12", "10", "2026"]);
    await userEvent.click(continueButton());
    expect(await screen.findByRole("heading", { level: 1, name: "Check your answers before reporting your change" })).toBeInTheDocument();
    expect(document.querySelector(".govuk-summary-list")).toHaveTextContent(/Affects the work you can doYes.*Can you work at allNo/);
    await userEvent.click(screen.getByRole("button", { name: "Report this change" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Change reported" })).toBeInTheDocument();
    const post = calls.find((c) => c.method === "POST")!;
    expect(post.body).toEqual({ kind: "health_condition_changed", happened_on: "2026-10-12", condition_affects_work: true, can_work: "no" });
    expect(screen.getByText(/A member of staff will work out what this means/)).toBeInTheDocument();
    expect(document.getElementById("change-todo")).toHaveTextContent("a work capability assessment to book");
    expect(screen.getByRole("link", { name: "See what you need to do" })).toHaveAttribute("href", `/apply/${ID}/status`);
  });

  it("asks about caring on UC in Welsh, and sends the hours and the benefit", async () => {
    await i18next.changeLanguage("cy");
    const calls = serve(awarded, { [`POST /api/v1/claims/${ID}/changes`]: () => [201, { ...reported, kind: "started_caring", revisions: [], overpayment_pence: 0 }] });
    sessionStorage.setItem(`dwp-change-${ID}`, JSON.stringify({ kind: "started_caring" }));
    renderAt(`/apply/${ID}/report-a-change/details`);
    expect(await screen.findByRole("heading", { level: 1, name: "Am y person rydych yn gofalu amdano" }, { timeout: 20_000 })).toBeInTheDocument();
    await userEvent.click(continueButton());
    await waitFor(() => expect(screen.getAllByRole("link").filter((a) => a.getAttribute("href") === "#caredForBenefit")).toHaveLength(1));
    await userEvent.type(screen.getByLabelText("Faint o oriau’r wythnos ydych chi’n eu treulio yn gofalu amdanynt?"), "40");
    await userEvent.click(screen.getByRole("group", { name: /A ydynt yn cael budd-dal anabledd/ }).querySelector('input[value="yes"]') as HTMLInputElement);
    await userEvent.click(continueButton());
    await fillDate("happened", ["1", "10", "2026"]);
    await userEvent.click(continueButton());
    await userEvent.click(await screen.findByRole("button", { name: "Rhoi gwybod am y newid hwn" }));
    await screen.findByRole("heading", { level: 1, name: "Newid wedi’i gofnodi" });
    expect(calls.find((c) => c.method === "POST")!.body)
      .toEqual({ kind: "started_caring", happened_on: "2026-10-01", caring_hours_per_week: 40, cared_for_gets_qualifying_benefit: true });
  });
});
