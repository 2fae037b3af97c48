// The caseworker pages' view of the claims casework API (src/dwp/claims/api_casework.py, through the BFF
// at /api/v1/claims/casework/...), and the pure rules the pages use: the queue's filters as a query
// string, and an API problem's `errors[]` pointers as the fields of a form. Tested without a page.
import type { FieldProblem, ProblemDocument } from "../../api";

export const CASEWORK = "/casework";
export const API = "/v1/claims/casework";

export const BENEFITS = ["universal_credit", "new_style_jsa", "new_style_esa"] as const;
export const STATUSES = [
  "submitted", "awaiting_evidence", "under_assessment", "awarded", "disallowed", "human_review",
  "reconsideration", "appeal", "withdrawn", "closed",
] as const;

export type WorkItem = {
  id: string;
  kind: string;
  claim_id: string | null;
  benefit: string | null;
  claim_status: string | null;
  created_at: string;
  due: { on: string; rule: string; source: string; counted_from: string } | null;
  overdue: boolean;
  assigned_to: string | null;
  escalated: boolean;
  escalation_reason: string | null;
  done_at: string | null;
  note: string;
  version: number;
};
export type QueuePage = { items: WorkItem[]; next_cursor: string | null };

export type Todo = { id: string; kind: string; subject: string; created_at: string; due_on: string | null; done_at: string | null; how: string | null };
export type Decision = {
  id: string; kind: string; outcome: string; made_by: string; automated: boolean; made_at: string;
  notified_on: string; reasons: string[]; amount_pence: number | null; assessment_id: string | null;
};
export type CaseworkClaim = {
  id: string;
  benefit: string;
  status: string;
  version: number;
  joint: boolean;
  claimant: { subject: string; citizen_id: string | null; identity_verified: boolean; address_confirmed: boolean };
  created_at: string;
  submitted_at: string | null;
  claim_date: string | null;
  answers: Record<string, unknown>;
  todos: Todo[];
  decisions: Decision[];
};
export type AuditRecord = { actor: string; actor_kind: string; action: string; reason: string | null; at: string };
export type Upload = { id: string; todo_id: string; state: string; declared_type: string; size: number | null; created_at: string };
export type Gathered = {
  period_start: string;
  period_end: string;
  earnings: { payments: { employer_name: string | null; paid_on: string; gross: number; income_tax: number; national_insurance: number }[] } | null;
  fit_notes: { notes: { id: string; start: string; end: string; advice: string; condition_category: string | null }[] } | null;
};
export type Waiting = { status: "waiting"; waiting_on: string; work_item_id: string | null; todo_ids: string[] };
export type Overview = {
  by_status: Record<string, number>;
  waiting_by_age_days: Record<string, number>;
  processing_days: Record<string, number | null>;
  work_items_waiting: number;
  caseworkers_signed_in: number;
  waiting_per_caseworker: number;
};

/** The queue's filters, as the page's own address holds them (so Back and a bookmark keep them). */
export type Filters = { benefit: string; status: string; age: string; assigned: string; overdue: boolean; escalated: boolean };
export const NO_FILTERS: Filters = { benefit: "", status: "", age: "", assigned: "", overdue: false, escalated: false };

export function filtersFrom(params: URLSearchParams): Filters {
  const pick = (name: string, allowed: readonly string[]) => {
    const value = params.get(name) ?? "";
    return allowed.includes(value) ? value : "";
  };
  return {
    benefit: pick("benefit", BENEFITS),
    status: pick("status", STATUSES),
    age: params.get("age") ?? "",
    assigned: pick("assigned", ["no", "mine", "yes"]),
    overdue: params.get("overdue") === "1",
    escalated: params.get("escalated") === "1",
  };
}

export function pageParams(f: Filters): URLSearchParams {
  const out = new URLSearchParams();
  if (f.benefit) out.set("benefit", f.benefit);
  if (f.status) out.set("status", f.status);
  if (f.age.trim()) out.set("age", f.age.trim());
  if (f.assigned) out.set("assigned", f.assigned);
  if (f.overdue) out.set("overdue", "1");
  if (f.escalated) out.set("escalated", "1");
  return out;
}

/** Days waiting, as the API takes it (0 to 3650 whole days), or an error when it is not one. */
export function ageError(age: string): boolean {
  const trimmed = age.trim();
  return trimmed !== "" && !(/^[0-9]{1,4}$/.test(trimmed) && Number(trimmed) <= 3650);
}

/** The API's query for a page of the queue: open work, soonest due first. */
export function queueQuery(f: Filters, cursor?: string | null, limit = 25): string {
  const q = new URLSearchParams({ limit: String(limit) });
  if (f.benefit) q.set("benefit", f.benefit);
  if (f.status) q.set("status", f.status);
  if (f.age.trim() && !ageError(f.age)) q.set("older_than_days", String(Number(f.age.trim())));
  if (f.assigned === "no") q.set("assigned", "false");
  if (f.assigned === "yes") q.set("assigned", "true");
  if (f.assigned === "mine") q.set("mine", "true");
  if (f.overdue) q.set("overdue", "true");
  if (f.escalated) q.set("escalated", "true");
  if (cursor) q.set("cursor", cursor);
  return `${API}/work-items?${q}`;
}

/** A claim's short reference, as the citizen's pages show it. */
export const reference = (id: string) => id.slice(0, 8).toUpperCase();

/** Each field a problem's `errors[]` names (its pointer's first segment, `#/reasons/0` is `reasons`,
 * `query#/purpose` is `purpose`), with the API's own words; the form shows its own text for fields it
 * knows and these for the rest. */
export function fieldProblems(problem: ProblemDocument): Record<string, FieldProblem> {
  const found: Record<string, FieldProblem> = {};
  for (const e of problem.errors ?? []) {
    const path = (e.pointer ?? "").split("#")[1] ?? "";
    const field = path.split("/").filter(Boolean)[0] ?? e.field ?? "";
    if (field && !(field in found)) found[field] = e;
  }
  return found;
}

/** A reason a line, blank lines dropped (the decision API takes a list of 1 to 20 reasons). */
export function reasonLines(text: string): string[] {
  return text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
}

/** Pence as pounds, as a caseworker reads an amount. */
export function pounds(pence: number | null | undefined, lang: string): string {
  if (pence === null || pence === undefined) return "";
  return new Intl.NumberFormat(lang === "cy" ? "cy-GB" : "en-GB", { style: "currency", currency: "GBP" }).format(pence / 100);
}

/** A claim's saved answers as rows a summary list shows: nested objects and lists flattened into
 * "section: field" keys with their plain values (the sections' shapes differ by benefit). */
export function answerRows(answers: Record<string, unknown>): { section: string; rows: { key: string; value: string }[] }[] {
  const words = (key: string) => key.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
  const flat = (value: unknown, key: string, out: { key: string; value: string }[]) => {
    if (value === null || value === undefined || value === "") return;
    if (Array.isArray(value)) {
      if (!value.length) return;
      value.forEach((v, i) => flat(v, `${key} ${i + 1}`, out));
    } else if (typeof value === "object") {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) flat(v, key ? `${key}: ${words(k)}` : words(k), out);
    } else {
      out.push({ key, value: typeof value === "boolean" ? (value ? "Yes" : "No") : String(value) });
    }
  };
  return Object.entries(answers).map(([section, value]) => {
    const rows: { key: string; value: string }[] = [];
    flat(value, "", rows);
    return { section: words(section), rows };
  });
}
