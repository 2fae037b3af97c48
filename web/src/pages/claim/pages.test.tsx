// The claim's new pages in the app, against a fetch that answers as the BFF would (the claims API's
// shapes): JSA questions and their error summary, the decision and a mandatory reconsideration,
// messages, evidence without a file, in English and Welsh.
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { I18nextProvider } from "react-i18next";
import { MemoryRouter } from "react-router";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import { i18next, setupI18n } from "../../i18n";
import { SessionProvider } from "../../session";

const ID = "0b6b3f7e-2c39-4c4f-9a55-6b1e7c4a8d21";
const TODO = "6f0c8a52-3e0f-4a53-a8c8-4c1b2d9e0f11";
const claim = (over: Record<string, unknown> = {}) => ({
  id: ID, claim_type: "new_style_jsa", status: "draft", role: "claimant", joint: false, partner: null, created_at: "2026-12-01T10:00:00Z",
  submitted_at: null, claim_date: null, version: 3, questions: [], answers: {}, moves: [], decision: null,
  tasks: ["work_history", "availability", "jobseeking", "income"].map((section) => ({ section, state: "not_started" })),
  todos: [{ id: TODO, kind: "upload_evidence", subject: "fit_note", due_on: "2027-01-02", done_at: null }],
  ...over,
});
const decided = claim({
  claim_type: "universal_credit", status: "awarded", moves: ["request_reconsideration"],
  decision: {
    id: "d1", kind: "initial", outcome: "award", automated: false, made_at: "2026-12-01T10:00:00Z", notified_on: "2026-12-01",
    reasons: ["Standard allowance for a single person 25 or over", "Housing element: your rent"], amount_pence: 123456, assessment_id: "a1",
    rights: [{ kind: "mandatory_reconsideration", ask_by: "2027-01-01", late_until: "2028-01-01", source: "Regs 5 and 6" }],
  },
});

type Call = { method: string; url: string; body: unknown; headers: Record<string, string> };
function serve(current: Record<string, unknown>, answers: Record<string, (call: Call) => [number, unknown]> = {}) {
  const calls: Call[] = [];
  vi.stubGlobal("fetch", vi.fn(async (url: string, init: RequestInit = {}) => {
    const call = { method: init.method ?? "GET", url, body: init.body ? JSON.parse(String(init.body)) : undefined, headers: (init.headers ?? {}) as Record<string, string> };
    calls.push(call);
    const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", etag: 'W/"3"' } });
    if (url === "/auth/session") return json(200, { signed_in: true, kind: "citizen", subject_id: "c1", name: "Sam", level_of_confidence: "P2", expires_at: 9e9, now: 1 });
    for (const [key, answer] of Object.entries(answers)) if (`${call.method} ${url}`.startsWith(key)) return json(...answer(call));
    if (url === `/api/v1/claims/${ID}`) return json(200, current);
    if (url.endsWith("/todos")) return json(200, { items: current.todos });
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

// The first render of each lazy page compiles its chunk, on a machine shared by several engineers.
vi.setConfig({ testTimeout: 30_000 });
beforeAll(async () => { await setupI18n("en"); });
afterEach(async () => { vi.unstubAllGlobals(); sessionStorage.clear(); await i18next.changeLanguage("en"); });

describe("New Style JSA", () => {
  it("lists the JSA sections and asks one thing a page, with an error summary for an empty answer", async () => {
    serve(claim());
    renderAt(`/apply/${ID}`);
    expect(await screen.findByRole("heading", { level: 1, name: "Your New Style Jobseeker’s Allowance application" }, { timeout: 20_000 })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("link", { name: "Your work history" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Have you had a job in the last 2 years?" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: /continue/i })); // "Save and continue" until a "yes" adds pages
    expect(await screen.findByRole("link", { name: "Select yes if you have had a job in the last 2 years" })).toHaveAttribute("href", "#hadJob");
    expect(document.title).toMatch(/^Error: /);
  });

  it("saves a section with If-Match and lands the API's 422 pointer on its field", async () => {
    const calls = serve(claim(), {
      [`PUT /api/v1/claims/${ID}/sections/availability`]: () =>
        [422, { type: "invalid-answers", title: "x", status: 422, errors: [{ pointer: "#/hours_per_week", detail: "too many" }] }],
    });
    renderAt(`/apply/${ID}/availability/available-hours`);
    await userEvent.type(await screen.findByLabelText("How many hours a week can you work?"), "40");
    await userEvent.click(screen.getByRole("button", { name: "Save and continue" }));
    expect(await screen.findByRole("link", { name: "Check this answer: it cannot be right" })).toHaveAttribute("href", "#availableHours");
    const put = calls.find((c) => c.method === "PUT")!;
    expect(put.headers["If-Match"]).toBe('W/"3"');
    expect(put.body).toEqual({ available_now: false, hours_per_week: 40, restrictions: "" });
  });
});

describe("the decision", () => {
  it("shows the amount, each line of its explanation, the reasons and the right to a mandatory reconsideration, in Welsh too", async () => {
    serve(decided, {
      [`GET /api/v1/claims/${ID}/explanation?decision_id=d1`]: () => [200, { items: [
        { key: "standard", kind: "element", amount_pence: 40000, regulation: "UC Regs 2013 reg 36", text: { en: "Standard allowance", cy: "Lwfans safonol" } },
        { key: "earnings", kind: "deduction", amount_pence: 10000, regulation: "UC Regs 2013 reg 22", text: { en: "Earnings taper", cy: "Tapr enillion" } },
        { key: "result", kind: "result", amount_pence: 123456, regulation: "UC Regs 2013 reg 23", text: { en: "Total", cy: "Cyfanswm" } },
      ] }],
    });
    renderAt(`/apply/${ID}/decision`);
    expect(await screen.findAllByText("£1,234.56", {}, { timeout: 20_000 })).toHaveLength(2); // the panel and the table
    expect(screen.getByText("Housing element: your rent")).toHaveAttribute("lang", "en");
    expect(await screen.findByText("Standard allowance")).toBeInTheDocument();
    expect(screen.getByText("−£100.00")).toBeInTheDocument(); // a deduction
    expect(screen.queryByText("Total")).toBeNull(); // the result is the total row's

    expect(screen.getByText(/Ask by 1 January 2027/)).toBeInTheDocument();
    await i18next.changeLanguage("cy");
    expect(await screen.findByRole("heading", { level: 1, name: "Y penderfyniad ar eich hawliad" })).toBeInTheDocument();
    expect(screen.getByText(/Gofynnwch erbyn 1 Ionawr 2027/)).toBeInTheDocument();
    expect(screen.getByText("Tapr enillion")).toBeInTheDocument();
  });

  it("asks for a reconsideration with reasons, and says so when none are given", async () => {
    const calls = serve(decided, { [`POST /api/v1/claims/${ID}/reconsideration-request`]: () => [200, { ...decided, status: "under_reconsideration" }] });
    renderAt(`/apply/${ID}/decision/reconsideration`);
    await userEvent.click(await screen.findByRole("button", { name: "Send request" }));
    expect(await screen.findByRole("link", { name: "Enter why you think the decision is wrong" })).toHaveAttribute("href", "#grounds");
    await userEvent.type(screen.getByLabelText("Why do you think the decision is wrong?"), "My rent is £650, not £450");
    await userEvent.click(screen.getByRole("button", { name: "Send request" }));
    expect(await screen.findByText(/You have asked for a mandatory reconsideration/)).toBeInTheDocument();
    expect(calls.find((c) => c.method === "POST")!.body).toEqual({ grounds: "My rent is £650, not £450", late_reasons: "" });
  });
});

describe("messages and evidence", () => {
  it("reads every page of the journal and sends a message", async () => {
    let sent = false;
    const calls = serve(decided, {
      [`GET /api/v1/claims/${ID}/journal?cursor=next`]: () => [200, { items: [{ id: "2", side: "dwp", at: "2026-12-01T11:00:00Z", text: "Send your lease", mine: false }], next_cursor: null }],
      [`GET /api/v1/claims/${ID}/journal`]: () => [200, { items: [{ id: "1", side: "citizen", at: "2026-12-01T10:00:00Z", text: "Hello", mine: true }], next_cursor: "next" }],
      [`POST /api/v1/claims/${ID}/journal`]: () => { sent = true; return [201, { id: "3", side: "citizen", at: "2026-12-02T10:00:00Z", text: "Sent", mine: true }]; },
    });
    renderAt(`/apply/${ID}/messages`);
    expect(await screen.findByText("Send your lease")).toBeInTheDocument();
    expect(screen.getByText("Hello")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Send message" }));
    expect(await screen.findByRole("link", { name: "Enter your message" })).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("Send a message"), "Here it is");
    await userEvent.click(screen.getByRole("button", { name: "Send message" }));
    await waitFor(() => expect(sent).toBe(true));
    expect(calls.find((c) => c.method === "POST")!.body).toEqual({ text: "Here it is" });
  });

  it("asks for a file before starting an upload, and refuses a type the service does not take", async () => {
    const calls = serve(claim({ status: "submitted" }));
    renderAt(`/apply/${ID}/evidence/${TODO}`);
    expect(await screen.findByRole("heading", { level: 1, name: "A fit note from your doctor" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Upload file" }));
    expect(await screen.findByRole("link", { name: "Select a file" })).toHaveAttribute("href", "#file");
    await userEvent.upload(screen.getByLabelText("Upload a file"), new File(["x"], "note.docx", { type: "application/msword" }), { applyAccept: false });
    await userEvent.click(screen.getByRole("button", { name: "Upload file" }));
    expect(await screen.findByRole("link", { name: "The selected file must be a PDF, JPG or PNG" })).toBeInTheDocument();
    expect(calls.some((c) => c.url.includes("/uploads"))).toBe(false);
  });
});
