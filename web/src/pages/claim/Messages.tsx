// The claim's journal: messages between the citizen and DWP, oldest first (every page of the claims
// API's cursor), and a form to send one. A message DWP sent is shown as the service wrote it.
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, ProblemError } from "../../api";
import { ErrorSummary, SuccessBanner, Textarea } from "../../components/govuk";
import { usePage } from "../../components/Layout";
import { longDate } from "../../dates";
import { Grid, useClaim } from "./context";
import { APPLY } from "./journey";

export const LONGEST_MESSAGE = 2000;
type Entry = { id: string; side: "citizen" | "dwp"; at: string; text: string; mine: boolean };
type Journal = { items: Entry[]; next_cursor: string | null };

export default function Messages() {
  const { t, i18n } = useTranslation();
  const { claim } = useClaim();
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  usePage(t("messages.title"), Boolean(error));

  const load = useCallback(async () => {
    const all: Entry[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 20; page++) {
      const query: string = cursor ? `?cursor=${encodeURIComponent(cursor)}` : "";
      const got: Journal = await api.get<Journal>(`/v1/claims/${claim.id}/journal${query}`);
      all.push(...got.items);
      cursor = got.next_cursor;
      if (!cursor) break;
    }
    setEntries(all);
  }, [claim.id]);
  useEffect(() => { load().catch(() => setEntries([])); }, [load]);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setSent(false);
    if (!text.trim()) return setError("messages.missing");
    if (text.length > LONGEST_MESSAGE) return setError("messages.tooLong");
    setBusy(true);
    try {
      await api.post(`/v1/claims/${claim.id}/journal`, { text: text.trim() });
      setText("");
      setError(null);
      setSent(true);
      await load();
    } catch (e) {
      setError(e instanceof ProblemError && e.problem.status === 422 ? "messages.refused" : "errors.unavailable");
    } finally {
      setBusy(false);
    }
  }

  const lang = i18n.language;
  return (
    <Grid back={`${APPLY}/${claim.id}/status`}>
      <ErrorSummary errors={error ? [{ href: "#message", text: t(error, { max: LONGEST_MESSAGE }) }] : []} />
      {sent && <SuccessBanner id="message-sent" title={t("account.success")} heading={t("messages.sent")} />}
      <h1 className="govuk-heading-l">{t("messages.title")}</h1>
      {entries === null ? <p className="govuk-body">{t("common.loading")}</p> : entries.length === 0 ? (
        <p className="govuk-body">{t("messages.none")}</p>
      ) : (
        <ol className="govuk-list app-journal" id="journal">
          {entries.map((e) => (
            <li key={e.id} className={`app-journal__entry app-journal__entry--${e.side}`}>
              <h2 className="govuk-heading-s govuk-!-margin-bottom-1">
                {e.side === "dwp" ? t("messages.fromDwp") : e.mine ? t("messages.fromYou") : t("messages.fromPartner")}
                <span className="govuk-caption-m">{longDate(e.at.slice(0, 10), lang)}, {e.at.slice(11, 16)}</span>
              </h2>
              <p className="govuk-body app-journal__text">{e.text}</p>
            </li>
          ))}
        </ol>
      )}
      <form onSubmit={onSubmit} noValidate>
        <Textarea id="message" label={t("messages.label")} hint={t("messages.hint", { max: LONGEST_MESSAGE })}
          error={error ? t(error, { max: LONGEST_MESSAGE }) : undefined} value={text} onChange={setText} />
        <button type="submit" className="govuk-button" data-module="govuk-button" id="send-message">{t("messages.button")}</button>
      </form>
    </Grid>
  );
}
