// The work queue: a GOV.UK table of open work, soonest due first, with filters (benefit, claim status,
// days waiting, assigned or not, overdue, escalated) kept in the page's address, and "Take" on each row.
import { type FormEvent, useCallback, useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api, ProblemError } from "../../api";
import { Button, type ErrorItem, ErrorSummary, Select, SuccessBanner, TextInput } from "../../components/govuk";
import { usePage } from "../../components/Layout";
import {
  ageError, BENEFITS, CASEWORK, filtersFrom, type Filters, pageParams, type QueuePage as Page, queueQuery,
  reference, STATUSES, type WorkItem, API,
} from "./model";
import { Checkbox, problemWords, shortDate } from "./parts";

export function QueuePage({ me }: { me: string }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const [params, setParams] = useSearchParams();
  const applied = filtersFrom(params);
  const [draft, setDraft] = useState<Filters>(applied);
  const [page, setPage] = useState<Page | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const [notice, setNotice] = useState<"taken" | "takenBy" | null>(null);
  const [formError, setFormError] = useState<string | undefined>();
  const navigate = useNavigate();
  const cursor = params.get("cursor");
  usePage(t("casework.queue.title"), Boolean(formError));
  const query = queueQuery(applied, cursor);

  const load = useCallback(async () => {
    try {
      setPage(await api.get<Page>(query));
      setFailed(null);
    } catch (e) {
      setFailed(problemWords(e, t));
    }
  }, [query, t]);
  useEffect(() => {
    void load();
  }, [load]);

  function apply(event: FormEvent) {
    event.preventDefault();
    if (ageError(draft.age)) return setFormError(t("casework.queue.ageError"));
    setFormError(undefined);
    setNotice(null);
    setParams(pageParams(draft));
  }

  async function take(item: WorkItem) {
    try {
      await api.send("POST", `${API}/work-items/${encodeURIComponent(item.id)}/take`, undefined, { "If-Match": `"${item.version}"` });
      setNotice("taken");
      if (item.claim_id) {
        navigate(`${CASEWORK}/claims/${item.claim_id}?purpose=${encodeURIComponent(t("casework.purpose.fromQueue", { work: t(`casework.kind.${item.kind}`) }))}&taken=1`);
        return;
      }
    } catch (e) {
      if (e instanceof ProblemError && [409, 412].includes(e.problem.status)) setNotice("takenBy");
      else setFailed(problemWords(e, t));
    }
    await load();
  }

  // One array a change of errors (the summary takes focus whenever it gets a new one).
  const errors: ErrorItem[] = useMemo(() => (formError ? [{ href: "#age", text: formError }] : []), [formError]);
  const any = { value: "", text: t("casework.queue.any") };
  return (
    <>
      <ErrorSummary errors={errors} />
      <h1 className="govuk-heading-l">{t("casework.queue.title")}</h1>
      {notice === "taken" && <SuccessBanner id="taken" title={t("account.success")} heading={t("casework.queue.taken")} />}
      {notice === "takenBy" && <div className="govuk-inset-text" role="status">{t("casework.queue.takenBy")}</div>}
      <form onSubmit={apply} noValidate className="app-filters">
        <h2 className="govuk-heading-m">{t("casework.queue.filters")}</h2>
        <div className="govuk-grid-row">
          <div className="govuk-grid-column-one-third">
            <Select id="benefit" label={t("casework.queue.benefit")} value={draft.benefit} onChange={(benefit) => setDraft({ ...draft, benefit })}
              items={[any, ...BENEFITS.map((b) => ({ value: b, text: t(`casework.benefit.${b}`) }))]} />
          </div>
          <div className="govuk-grid-column-one-third">
            <Select id="status" label={t("casework.queue.status")} value={draft.status} onChange={(status) => setDraft({ ...draft, status })}
              items={[any, ...STATUSES.map((s) => ({ value: s, text: t(`casework.status.${s}`) }))]} />
          </div>
          <div className="govuk-grid-column-one-third">
            <Select id="assigned" label={t("casework.queue.assigned")} value={draft.assigned} onChange={(assigned) => setDraft({ ...draft, assigned })}
              items={[any, { value: "no", text: t("casework.queue.unassigned") }, { value: "mine", text: t("casework.queue.mine") }, { value: "yes", text: t("casework.queue.anyone") }]} />
          </div>
        </div>
        <TextInput id="age" label={t("casework.queue.age")} hint={t("casework.queue.ageHint")} error={formError} value={draft.age}
          onChange={(age) => setDraft({ ...draft, age })} inputMode="numeric" widthClass="govuk-input--width-4" />
        <div className="govuk-form-group">
          <div className="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">
            <Checkbox id="overdue" label={t("casework.queue.overdue")} checked={draft.overdue} onChange={(overdue) => setDraft({ ...draft, overdue })} />
            <Checkbox id="escalated" label={t("casework.queue.escalated")} checked={draft.escalated} onChange={(escalated) => setDraft({ ...draft, escalated })} />
          </div>
        </div>
        <div className="govuk-button-group">
          <Button>{t("casework.queue.apply")}</Button>
          <Link className="govuk-link" to={CASEWORK} onClick={() => setDraft(filtersFrom(new URLSearchParams()))}>{t("casework.queue.clear")}</Link>
        </div>
      </form>
      {failed && <div className="govuk-inset-text" role="alert">{failed}</div>}
      {page === null && !failed && <p className="govuk-body">{t("common.loading")}</p>}
      {page && (
        <>
          <p className="govuk-body" role="status">{t("casework.queue.shown", { count: page.items.length })}</p>
          {page.items.length === 0 ? (
            <p className="govuk-body">{t("casework.queue.none")}</p>
          ) : (
            <table className="govuk-table app-queue" id="queue">
              <caption className="govuk-table__caption govuk-table__caption--m">{t("casework.queue.caption")}</caption>
              <thead className="govuk-table__head">
                <tr className="govuk-table__row">
                  {["claim", "work", "benefit", "status", "received", "due", "assignee", "action"].map((c) => (
                    <th scope="col" className="govuk-table__header" key={c}>{t(`casework.queue.${c}`)}</th>
                  ))}
                </tr>
              </thead>
              <tbody className="govuk-table__body">
                {page.items.map((item) => (
                  <tr className="govuk-table__row" key={item.id} data-claim={item.claim_id ?? ""}>
                    <th scope="row" className="govuk-table__header">
                      {item.claim_id ? (
                        <Link className="govuk-link" to={`${CASEWORK}/claims/${item.claim_id}?purpose=${encodeURIComponent(t("casework.purpose.fromQueue", { work: t(`casework.kind.${item.kind}`) }))}`}>
                          {reference(item.claim_id)}
                        </Link>
                      ) : "–"}
                    </th>
                    <td className="govuk-table__cell">
                      {t(`casework.kind.${item.kind}`)}
                      {item.escalated && <> <strong className="govuk-tag govuk-tag--orange">{t("casework.queue.escalatedTag")}</strong></>}
                    </td>
                    <td className="govuk-table__cell">{t(`casework.benefit.${item.benefit ?? "none"}`)}</td>
                    <td className="govuk-table__cell">{item.claim_status ? t(`casework.status.${item.claim_status}`) : "–"}</td>
                    <td className="govuk-table__cell">{shortDate(item.created_at, lang)}</td>
                    <td className="govuk-table__cell">
                      {item.due ? shortDate(item.due.on, lang) : "–"}
                      {item.overdue && <> <strong className="govuk-tag govuk-tag--red">{t("casework.queue.overdueTag")}</strong></>}
                    </td>
                    <td className="govuk-table__cell">
                      {item.assigned_to === null ? t("casework.queue.nobody") : item.assigned_to === me ? t("casework.queue.you") : t("casework.queue.someone")}
                    </td>
                    <td className="govuk-table__cell app-table-actions">
                      {item.assigned_to !== me && (
                        <button type="button" className="govuk-button govuk-button--secondary" data-module="govuk-button" onClick={() => void take(item)}>
                          {t("casework.queue.take")}
                          <span className="govuk-visually-hidden"> {item.claim_id ? reference(item.claim_id) : item.id}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {page.next_cursor && (
            <nav className="govuk-pagination govuk-pagination--block" aria-label={t("casework.queue.next")}>
              <div className="govuk-pagination__next">
                <Link className="govuk-link govuk-pagination__link" rel="next" to={`${CASEWORK}?${new URLSearchParams({ ...Object.fromEntries(pageParams(applied)), cursor: page.next_cursor })}`}>
                  <span className="govuk-pagination__link-title">{t("casework.queue.next")}</span>
                </Link>
              </div>
            </nav>
          )}
        </>
      )}
    </>
  );
}
