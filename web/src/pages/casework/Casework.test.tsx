import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { I18nextProvider } from "react-i18next";
import { MemoryRouter } from "react-router";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import { i18next, setupI18n } from "../../i18n";
import { SessionProvider } from "../../session";

beforeAll(async () => {
  await setupI18n("en");
});

afterEach(async () => {
  vi.unstubAllGlobals();
  await i18next.changeLanguage("en");
});

const STAFF = { signed_in: true, kind: "staff", subject_id: "oid-alex", name: "Alex Morgan", roles: ["caseworker"], level_of_confidence: "P0", expires_at: 4e9, now: 4e9 - 600 };
const CITIZEN = { signed_in: true, kind: "citizen", subject_id: "c-1", name: "Sarah Jones", roles: [], level_of_confidence: "P2", expires_at: 4e9, now: 4e9 - 600 };
const CLAIM = "3f2a1b4c-0000-4000-8000-000000000001";
const ITEM = {
  id: "w-1", kind: "assess_claim", claim_id: CLAIM, benefit: "universal_credit", claim_status: "submitted", created_at: "2026-11-20T10:00:00Z",
  due: { on: "2026-11-27", rule: "r", source: "s", counted_from: "2026-11-20" }, overdue: true, assigned_to: null, escalated: false,
  escalation_reason: null, done_at: null, note: "", version: 1,
};

type Handler = (url: string, init: RequestInit) => [number, unknown] | undefined;

/** The BFF as the page sees it: the session, then whatever `handle` answers (every call recorded). */
function renderAt(path: string, session: object, handle: Handler = () => undefined) {
  const calls: { url: string; method: string; body?: string; headers: Record<string, string> }[] = [];
  vi.stubGlobal("fetch", vi.fn(async (url: string, init: RequestInit = {}) => {
    calls.push({ url, method: init.method ?? "GET", body: init.body as string | undefined, headers: (init.headers ?? {}) as Record<string, string> });
    if (url === "/auth/session") return json(200, session);
    const [status, body] = handle(url, init) ?? [404, { type: "about:blank", title: "Not found", status: 404 }];
    return json(status, body);
  }));
  render(
    <I18nextProvider i18n={i18next}>
      <MemoryRouter initialEntries={[path]}>
        <SessionProvider>
          <App />
        </SessionProvider>
      </MemoryRouter>
    </I18nextProvider>,
  );
  return calls;
}

function json(status: number, body: unknown) {
  const type = status >= 400 ? "application/problem+json" : "application/json";
  return new Response(JSON.stringify(body), { status, headers: { "content-type": type, etag: '"3"' } });
}

// A lazily loaded page on a loaded two-core machine: the default 5 s bounds too little.
describe("the caseworker pages", { timeout: 30000 }, () => {
  it("show a citizen that they are for staff, and ask the casework API nothing", async () => {
    const calls = renderAt("/casework", CITIZEN);
    expect(await screen.findByRole("heading", { level: 1, name: "This page is for staff" })).toBeInTheDocument();
    expect(calls.filter((c) => c.url.includes("casework"))).toEqual([]);
    expect(screen.getByRole("link", { name: "Your account" })).toHaveAttribute("href", "/account");
  });

  it("and a citizen's own pages show a member of staff where theirs are, asking the claims API nothing", async () => {
    const calls = renderAt("/apply", STAFF);
    expect(await screen.findByRole("heading", { level: 1, name: "This page is for the person claiming" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Go to casework" })).toHaveAttribute("href", "/casework");
    expect(calls.filter((c) => c.url.startsWith("/api/"))).toEqual([]);
  });

  it("offer a signed-out person staff sign-in through the BFF", async () => {
    renderAt("/casework/overview", { signed_in: false });
    await screen.findByRole("heading", { level: 1, name: "Sign in to casework" });
    expect(screen.getByRole("button", { name: "Sign in with staff sign-in" })).toHaveAttribute("href", "/auth/staff/sign-in");
  });

  it("list the queue with its filters in the API's query, and take a work item with its version", async () => {
    const calls = renderAt("/casework?benefit=universal_credit&overdue=1", STAFF, (url, init) => {
      if (url.startsWith("/api/v1/claims/casework/work-items?")) return [200, { items: [ITEM], next_cursor: null }];
      if (url.endsWith("/work-items/w-1/take") && init.method === "POST") return [409, { type: "x/work-item-taken", title: "Taken", status: 409 }];
      return undefined;
    });
    const table = await screen.findByRole("table", { name: "Work items, soonest due first" });
    const row = within(table).getAllByRole("row")[1];
    expect(within(row).getByText("Overdue")).toBeInTheDocument();
    expect(within(row).getByRole("link", { name: "3F2A1B4C" })).toBeInTheDocument();
    const asked = new URL(calls.find((c) => c.url.includes("/work-items?"))!.url, "http://x").searchParams;
    expect(asked.get("benefit")).toBe("universal_credit");
    expect(asked.get("overdue")).toBe("true");
    expect(document.title).toBe("Work queue – Check what you could get – GOV.UK");
    await userEvent.click(within(row).getByRole("button", { name: /^Take\s*3F2A1B4C$/ }));
    expect(await screen.findByText(/Another caseworker took this work item first/)).toBeInTheDocument();
    const take = calls.find((c) => c.url.endsWith("/take"))!;
    expect(take.headers["If-Match"]).toBe('"1"');
    expect(take.headers["X-CSRF-Token"]).toBeDefined();
  });

  it("refuse a days-waiting filter the API would refuse, with the error summary", async () => {
    renderAt("/casework", STAFF, (url) => (url.includes("/work-items?") ? [200, { items: [], next_cursor: null }] : undefined));
    await screen.findByText("No work matches these filters.");
    await userEvent.type(screen.getByLabelText("Waiting at least this many days"), "٤");
    await userEvent.click(screen.getByRole("button", { name: "Apply filters" }));
    const link = await screen.findByRole("link", { name: "Enter the number of days as a whole number from 0 to 3650" });
    expect(link).toHaveAttribute("href", "#age");
    expect(document.title.startsWith("Error: ")).toBe(true);
  });

  it("record a decision: the page's own checks, then the API's errors[] pointers on the right field", async () => {
    const calls = renderAt(`/casework/claims/${CLAIM}/decide?purpose=assess`, STAFF, (url, init) => {
      if (url.startsWith(`/api/v1/claims/casework/claims/${CLAIM}?`)) return [200, { id: CLAIM }];
      if (url.endsWith("/decisions") && init.method === "POST") {
        return [422, { type: "x/invalid", title: "Unprocessable", status: 422, errors: [{ pointer: "#/reasons/0", detail: "String should have at most 2000 characters" }] }];
      }
      return undefined;
    });
    await screen.findByRole("heading", { level: 1, name: "Record a decision" });
    await userEvent.click(screen.getByRole("button", { name: "Record the decision" }));
    expect(await screen.findByRole("link", { name: "Select the decision" })).toHaveAttribute("href", "#outcome");
    expect(screen.getByRole("link", { name: "Enter the reasons for the decision" })).toHaveAttribute("href", "#reasons");
    expect(calls.some((c) => c.url.endsWith("/decisions"))).toBe(false);
    await userEvent.click(screen.getByLabelText("Do not award"));
    await userEvent.type(screen.getByLabelText("Reasons for the decision"), "Capital over the limit");
    await userEvent.click(screen.getByRole("button", { name: "Record the decision" }));
    expect(await screen.findByRole("link", { name: /2,000 characters or fewer/ })).toHaveAttribute("href", "#reasons");
    expect(screen.queryByRole("link", { name: "Select the decision" })).toBeNull();
    const sent = calls.find((c) => c.url.endsWith("/decisions"))!;
    expect(JSON.parse(sent.body!)).toEqual({ outcome: "disallow", reasons: ["Capital over the limit"] });
    expect(sent.headers["If-Match"]).toBe('"3"');
  });

  it("ask why a claim is opened, then show its full picture, and a 5-minute link to its evidence", async () => {
    const claim = {
      id: CLAIM, benefit: "universal_credit", status: "awaiting_evidence", version: 3, joint: false,
      claimant: { subject: "s", citizen_id: "c-1", identity_verified: true, address_confirmed: false },
      created_at: "2026-11-20T10:00:00Z", submitted_at: "2026-11-20T10:00:00Z", claim_date: "2026-11-20",
      answers: { capital: { savings_pence: 120000 } },
      todos: [{ id: "t1", kind: "upload_evidence", subject: "tenancy_agreement", created_at: "2026-11-20T10:00:00Z", due_on: "2026-12-20", done_at: null, how: null }],
      decisions: [], challenges: [],
    };
    const calls = renderAt(`/casework/claims/${CLAIM}`, STAFF, (url, init) => {
      if (url.startsWith(`/api/v1/claims/casework/claims/${CLAIM}?`)) return [200, claim];
      if (url.endsWith(`/claims/${CLAIM}/work-items`)) return [200, { items: [{ ...ITEM, assigned_to: "oid-alex" }] }];
      if (url.includes(`/claims/${CLAIM}/audit?`)) return [200, { items: [{ actor: "oid-alex", actor_kind: "caseworker", action: "take_work_item", reason: null, at: "2026-11-21T09:00:00Z" }] }];
      if (url.endsWith(`/v1/claims/${CLAIM}/uploads`)) return [200, { items: [{ id: "u1", todo_id: "t1", state: "accepted", declared_type: "application/pdf", size: 10, created_at: "2026-11-21T09:00:00Z" }] }];
      if (url.endsWith("/uploads/u1/download-link") && init.method === "POST") return [201, { url: "http://127.0.0.1:4566/evidence/u1?X-Amz-Expires=300", expires_at: "2026-11-21T09:05:00Z" }];
      if (url.endsWith("/assessment/start")) return [409, { type: "x/evidence-outstanding", title: "Conflict", status: 409 }];
      return undefined;
    });
    await screen.findByRole("heading", { level: 1, name: "Why are you opening this claim?" });
    await userEvent.click(screen.getByRole("button", { name: "Open the claim" }));
    expect(await screen.findByRole("link", { name: "Enter why you are opening this claim" })).toHaveAttribute("href", "#purpose");
    expect(calls.some((c) => c.url.includes("/casework/claims/"))).toBe(false); // nothing read without a purpose
    await userEvent.type(screen.getByLabelText("Why are you opening this claim?"), "Phone call from the claimant");
    await userEvent.click(screen.getByRole("button", { name: "Open the claim" }));
    await screen.findByRole("heading", { level: 1, name: "Claim 3F2A1B4C" });
    expect(calls.find((c) => c.url.includes("/audit?"))!.url).toContain("purpose=Phone%20call%20from%20the%20claimant");
    expect(screen.getByText("Put back")).toBeInTheDocument(); // assigned to me
    expect(within(document.getElementById("audit")!).getByText("take work item")).toBeInTheDocument();
    // Evidence outstanding: going on needs a reason, asked for on the page before any call.
    await userEvent.click(screen.getByRole("button", { name: "Start the assessment" }));
    expect(await screen.findByRole("link", { name: "Enter why the assessment can start without the evidence" })).toHaveAttribute("href", "#startReason");
    expect(calls.some((c) => c.url.endsWith("/assessment/start"))).toBe(false);
    await userEvent.click(screen.getByRole("button", { name: "Get a link" }));
    const link = await screen.findByRole("link", { name: "Open the evidence" });
    expect(link).toHaveAttribute("href", "http://127.0.0.1:4566/evidence/u1?X-Amz-Expires=300");
    expect(JSON.parse(calls.find((c) => c.url.endsWith("/download-link"))!.body!)).toEqual({ purpose: "checking evidence for claim 3F2A1B4C" });
  });

  it("draw the overview's charts as named images with the same figures in tables, in Welsh too", async () => {
    await i18next.changeLanguage("cy");
    renderAt("/casework/overview", STAFF, (url) =>
      url.endsWith("/overview")
        ? [200, {
            by_status: { submitted: 4, awarded: 2 }, waiting_by_age_days: { "0-6": 3, "7-13": 0, "14-27": 1, "28+": 0 },
            processing_days: { count: 2, median: 5, p90: 9, median_universal_credit: 5, median_new_style_jsa: null, median_new_style_esa: null },
            work_items_waiting: 6, caseworkers_signed_in: 2, waiting_per_caseworker: 3,
          }]
        : undefined,
    );
    const chart = await screen.findByRole("img", { name: "Hawliadau yn ôl statws" });
    expect(chart.querySelector("desc")?.textContent).toContain("Wedi’i gyflwyno: 4");
    const table = document.getElementById("by-status-table")!;
    expect(within(table).getByRole("rowheader", { name: "Wedi’i gyflwyno" }).nextElementSibling?.textContent).toBe("4");
    const processing = document.getElementById("processing-table")!;
    expect(within(processing).getAllByText("Dim eto")).toHaveLength(2);
  });
});
