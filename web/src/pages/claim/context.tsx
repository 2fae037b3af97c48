// What every page of a claim shares: the claims API's views of a claim, the claim (with its ETag) in a
// React context, the page grid, the status tag, the Idempotency-Key maker. The journeys' pages (UC in
// Claim.tsx; JSA and ESA, evidence, the decision, messages, the partner's join in their own lazy
// chunks) all use these.
import { createContext, type ReactNode, useContext } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { BackLink } from "../../components/govuk";
import type { Problem } from "../estimate/journey";
import { APPLY, type Draft, type Section } from "./journey";

export type Task = { section: Section | string; state: "not_started" | "to_confirm" | "completed" };
export type QuestionView = { key: string; code: string; field: string; text: string; confirmed: boolean };
export type Todo = { id: string; kind: string; subject: string; due_on: string | null; done_at: string | null };
export type ClaimView = {
  id: string; claim_type: string; status: string; created_at: string; submitted_at: string | null;
  claim_date: string | null; tasks: Task[]; questions: QuestionView[]; answers: Record<string, unknown>;
  todos: Todo[]; moves: string[]; role: "claimant" | "partner"; joint: boolean;
  partner: { invited: boolean; joined: boolean; confirmed: boolean } | null; decision: DecisionView | null;
};
export type RightView = { kind: string; ask_by: string | null; late_until: string | null; source: string };
export type DecisionView = {
  id: string; kind: string; outcome: "award" | "disallow"; automated: boolean; made_at: string; notified_on: string;
  reasons: string[]; amount_pence: number | null; assessment_id: string | null; rights: RightView[];
};
export type Summary = { id: string; claim_type: string; status: string; created_at: string };

/** An Idempotency-Key. `crypto.randomUUID` exists only in a secure context (https or localhost);
 * `getRandomValues` everywhere, so a page served over plain http on a LAN address works too. */
export const newKey = () =>
  crypto.randomUUID?.() ?? Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
export const today = () => {
  const now = new Date();
  return new Date(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()));
};

export type Ctx = {
  claim: ClaimView; etag: string | null; keep: (claim: ClaimView, etag: string | null) => void;
  draft: Draft; saveDraft: (changes: Partial<Draft>) => void;
  landed: Record<string, Problem>; setLanded: (l: Record<string, Problem>) => void;
};
export const ClaimContext = createContext<Ctx | null>(null);
export const useClaim = () => useContext(ClaimContext)!;

export function Grid({ children, back }: { children: ReactNode; back?: string }) {
  return (
    <>
      {back && <BackLink to={back} />}
      <div className="govuk-grid-row"><div className="govuk-grid-column-two-thirds">{children}</div></div>
    </>
  );
}

export function StatusTag({ status }: { status: string }) {
  const { t } = useTranslation();
  const colour: Record<string, string> = { draft: "grey", submitted: "blue", awaiting_evidence: "yellow", under_assessment: "blue",
    awarded: "green", disallowed: "red", withdrawn: "grey", closed: "grey" };
  return <strong className={`govuk-tag govuk-tag--${colour[status] ?? "grey"}`}>{t(`claim.status.${status}`, { defaultValue: t("claim.status.other") })}</strong>;
}

/** The GOV.UK task list of a claim's sections (the claims service's `tasks`), then "Check your answers
 * and submit", which opens once every section is done and every unusual answer confirmed. */
export function Sections({ claim, firstStep, label }: {
  claim: ClaimView; firstStep: (section: string) => string; label: (section: string) => string;
}) {
  const { t } = useTranslation();
  const ready = claim.tasks.every((task) => task.state === "completed") && claim.questions.every((q) => q.confirmed);
  return (
    <ul className="govuk-task-list">
      {claim.tasks.map((task) => {
        const href = task.state === "to_confirm" ? `${APPLY}/${claim.id}/questions` : `${APPLY}/${claim.id}/${task.section}/${firstStep(task.section)}`;
        return (
          <li className="govuk-task-list__item govuk-task-list__item--with-link" key={task.section}>
            <div className="govuk-task-list__name-and-hint">
              <Link className="govuk-link govuk-task-list__link" to={href} aria-describedby={`${task.section}-status`}>
                {label(task.section)}
              </Link>
            </div>
            <div className="govuk-task-list__status" id={`${task.section}-status`}>
              {task.state === "completed" ? t("claim.tasks.completed") : (
                <strong className={`govuk-tag ${task.state === "to_confirm" ? "govuk-tag--yellow" : "govuk-tag--blue"}`}>
                  {t(task.state === "to_confirm" ? "claim.tasks.toConfirm" : "claim.tasks.notStarted")}
                </strong>
              )}
            </div>
          </li>
        );
      })}
      <li className={`govuk-task-list__item${ready ? " govuk-task-list__item--with-link" : ""}`}>
        <div className="govuk-task-list__name-and-hint">
          {ready ? (
            <Link className="govuk-link govuk-task-list__link" to={`${APPLY}/${claim.id}/check-answers`} aria-describedby="submit-status">
              {t("claim.tasks.checkAndSubmit")}
            </Link>
          ) : <div>{t("claim.tasks.checkAndSubmit")}</div>}
        </div>
        <div className="govuk-task-list__status" id="submit-status">
          {ready ? <strong className="govuk-tag govuk-tag--blue">{t("claim.tasks.notStarted")}</strong> : (
            <span className="govuk-task-list__status--cannot-start-yet">{t("claim.tasks.cannotStart")}</span>
          )}
        </div>
      </li>
    </ul>
  );
}
