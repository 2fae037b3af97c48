// The overview: claims by status, undecided claims by how long they have waited, and processing times
// (the claims service's aggregates), each as a chart and as a table of the same figures.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api";
import { SummaryList } from "../../components/govuk";
import { usePage } from "../../components/Layout";
import { BarChart } from "./BarChart";
import { API, BENEFITS, type Overview } from "./model";
import { problemWords } from "./parts";

export function OverviewPage() {
  const { t, i18n } = useTranslation();
  const [view, setView] = useState<Overview | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  usePage(t("casework.overview.title"));
  useEffect(() => {
    api.get<Overview>(`${API}/overview`).then(setView, (e) => setFailed(problemWords(e, t)));
  }, [t]);
  const number = (n: number | null | undefined) =>
    n === null || n === undefined ? t("casework.overview.none") : new Intl.NumberFormat(i18n.language === "cy" ? "cy-GB" : "en-GB", { maximumFractionDigits: 1 }).format(n);
  return (
    <>
      <h1 className="govuk-heading-l">{t("casework.overview.title")}</h1>
      <p className="govuk-body-l">{t("casework.overview.lead")}</p>
      {failed && <div className="govuk-inset-text" role="alert">{failed}</div>}
      {!view && !failed && <p className="govuk-body">{t("common.loading")}</p>}
      {view && (
        <>
          <SummaryList rows={[
            { key: t("casework.overview.work"), value: number(view.work_items_waiting) },
            { key: t("casework.overview.staff"), value: number(view.caseworkers_signed_in) },
            { key: t("casework.overview.perStaff"), value: number(view.waiting_per_caseworker) },
          ]} />
          <BarChart id="by-status" title={t("casework.overview.byStatus")} labelHeading={t("casework.overview.statusCol")} valueHeading={t("casework.overview.claims")}
            bars={Object.entries(view.by_status).map(([status, n]) => ({ label: t(`casework.status.${status}`, { defaultValue: status }), value: n }))} />
          <BarChart id="by-age" title={t("casework.overview.byAge")} labelHeading={t("casework.overview.ageCol")} valueHeading={t("casework.overview.claims")}
            bars={Object.entries(view.waiting_by_age_days).map(([band, n]) => ({ label: t("casework.overview.days", { band }), value: n }))} />
          <BarChart id="processing" title={t("casework.overview.processing")} labelHeading={t("casework.overview.measure")} valueHeading={t("casework.overview.value")}
            bars={[
              { label: t("casework.overview.median"), days: view.processing_days.median },
              { label: t("casework.overview.p90"), days: view.processing_days.p90 },
              ...BENEFITS.map((b) => ({ label: t("casework.overview.medianOf", { benefit: t(`casework.benefit.${b}`) }), days: view.processing_days[`median_${b}`] })),
            ].map(({ label, days }) => ({ label, value: days ?? 0, text: number(days) }))} />
          <p className="govuk-body">{t("casework.overview.decided")}: <strong>{number(view.processing_days.count)}</strong></p>
        </>
      )}
    </>
  );
}
