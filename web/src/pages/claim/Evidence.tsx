// Send us evidence for one to-do: choose a file (PDF, JPG or PNG, up to 10MB), see it go up (a progress
// bar from XMLHttpRequest's upload events), and the claims service's check of what arrived: accepted,
// or a GOV.UK error saying why not (too big, not an allowed type, not what it says it is, a virus).
import { type FormEvent, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, useNavigate, useParams } from "react-router";
import { api, ProblemError } from "../../api";
import { ErrorSummary } from "../../components/govuk";
import { usePage } from "../../components/Layout";
import { Grid, useClaim } from "./context";
import { APPLY } from "./journey";
import { checkFile, fileType, outcomeKey, postFile, problemKey, StoreRefused, type UploadForm, type UploadView } from "./upload";

export default function Evidence() {
  const { todoId = "" } = useParams();
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { claim } = useClaim();
  const input = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [share, setShare] = useState<number | null>(null);
  const todo = claim.todos.find((td) => td.id === todoId);
  const what = todo ? t(`claim.evidence.${todo.subject}`, { defaultValue: t("claim.evidence.other") }) : "";
  usePage(what || t("claim.todo.upload_evidence"), Boolean(error));
  if (!todo || todo.kind !== "upload_evidence") return <Navigate to={`${APPLY}/${claim.id}/status`} replace />;
  const base = `${APPLY}/${claim.id}`;

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (share !== null) return;
    const file = input.current?.files?.[0] ?? null;
    const wrong = checkFile(file);
    if (wrong || !file) return setError(wrong);
    setError(null);
    setShare(0);
    try {
      const form = await api.post<UploadForm>(`/v1/claims/${claim.id}/todos/${todo!.id}/uploads`, { content_type: fileType(file) });
      const over = checkFile(file, form.max_bytes);
      if (over) throw new Error(over);
      try {
        await postFile(form, file, setShare);
      } catch (e) {
        // A refusal S3 explains; without an answer (a dropped connection) the service's check says what arrived.
        if (e instanceof StoreRefused && e.status !== 0) throw new Error(e.code === "EntityTooLarge" ? "upload.errors.tooBig" : "upload.errors.refused");
      }
      const checked = await api.post<UploadView>(`/v1/claims/${claim.id}/uploads/${form.upload.id}/completion`, {});
      const refused = outcomeKey(checked);
      if (refused) throw new Error(refused);
      navigate(`${base}/status?uploaded=${encodeURIComponent(todo!.subject)}`);
    } catch (e) {
      setError(e instanceof ProblemError ? problemKey(e.problem) : e instanceof Error && e.message.startsWith("upload.") ? e.message : "errors.unavailable");
    } finally {
      setShare(null);
    }
  }

  const percent = share === null ? 0 : Math.round(share * 100);
  return (
    <Grid back={`${base}/status`}>
      <ErrorSummary errors={error ? [{ href: "#file", text: t(error) }] : []} />
      <span className="govuk-caption-l">{t("claim.todo.upload_evidence")}</span>
      <h1 className="govuk-heading-l">{what}</h1>
      <p className="govuk-body">{t("upload.lead")}</p>
      <form onSubmit={onSubmit} noValidate>
        <div className={`govuk-form-group${error ? " govuk-form-group--error" : ""}`}>
          <label className="govuk-label govuk-label--m" htmlFor="file">{t("upload.label")}</label>
          <div id="file-hint" className="govuk-hint">{t("upload.hint")}</div>
          {error && (
            <p id="file-error" className="govuk-error-message">
              <span className="govuk-visually-hidden">{t("common.error")}</span> {t(error)}
            </p>
          )}
          <input className={`govuk-file-upload${error ? " govuk-file-upload--error" : ""}`} id="file" name="file" type="file" ref={input}
            accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png" aria-describedby={`file-hint${error ? " file-error" : ""}`}
            onChange={() => setError(null)} />
        </div>
        {share !== null && (
          <div className="govuk-form-group">
            <label className="govuk-label" htmlFor="upload-progress">{t("upload.progress")}</label>
            <progress id="upload-progress" className="app-progress" max={100} value={percent}>{percent}%</progress>
          </div>
        )}
        <p className="govuk-body govuk-visually-hidden" aria-live="polite" id="upload-status">
          {share === null ? "" : t("upload.sent", { percent })}
        </p>
        <button type="submit" className="govuk-button" data-module="govuk-button" disabled={share !== null} aria-disabled={share !== null}>
          {t("upload.button")}
        </button>
      </form>
    </Grid>
  );
}
