// A horizontal bar chart drawn as SVG by hand, with its figures in a GOV.UK table beneath it.
//
// Why not a chart library: the ones that work here (Chart.js, uPlot, Observable Plot) draw on a canvas or
// build their own SVG with no text alternative a screen reader can use, and each is 40-200 KB; these
// charts are a few bars. Drawn here, the SVG is one image (`role="img"`, named by its heading and
// described by a sentence of its figures); its bars are decoration (`aria-hidden`), the labels and values
// are real text, colours are the Design System's with text beside every bar (never colour alone), and
// the table holds the same figures for anyone who would rather read than look.
import { useId } from "react";
import { useTranslation } from "react-i18next";

/** A bar: its label, its length, and the words shown for it when not the number ("None yet"). */
export type Bar = { label: string; value: number; text?: string };

const ROW = 32;
const LABEL = 190;
const WIDTH = 640;
const VALUE_ROOM = 60;

export function BarChart({ title, bars, valueHeading, labelHeading, id }: {
  title: string;
  bars: Bar[];
  labelHeading: string;
  valueHeading: string;
  id: string;
}) {
  const { t } = useTranslation();
  const descId = useId();
  const most = Math.max(1, ...bars.map((b) => b.value));
  const span = WIDTH - LABEL - VALUE_ROOM;
  const height = Math.max(ROW, bars.length * ROW) + 8;
  const summary = bars.map((b) => `${b.label}: ${b.text ?? b.value}`).join(", ");
  return (
    <figure className="app-chart" aria-labelledby={`${id}-heading`}>
      <h2 className="govuk-heading-m" id={`${id}-heading`}>{title}</h2>
      <svg
        className="app-chart__svg"
        role="img"
        aria-labelledby={`${id}-heading`}
        aria-describedby={descId}
        viewBox={`0 0 ${WIDTH} ${height}`}
        width="100%"
        preserveAspectRatio="xMinYMin meet"
        focusable="false"
      >
        <desc id={descId}>{t("casework.overview.chartOf", { title })}. {summary}.</desc>
        {bars.map((bar, i) => {
          const y = i * ROW + 4;
          const length = Math.round((bar.value / most) * span);
          return (
            <g key={bar.label}>
              <text x={LABEL - 8} y={y + ROW / 2 + 5} textAnchor="end" className="app-chart__label">{bar.label}</text>
              <rect x={LABEL} y={y + 4} width={Math.max(length, bar.value ? 2 : 0)} height={ROW - 10} className="app-chart__bar" aria-hidden="true" />
              <text x={LABEL + length + 6} y={y + ROW / 2 + 5} className="app-chart__value">{bar.text ?? bar.value}</text>
            </g>
          );
        })}
      </svg>
      <table className="govuk-table" id={`${id}-table`}>
        <caption className="govuk-table__caption govuk-table__caption--s govuk-visually-hidden">{title}</caption>
        <thead className="govuk-table__head">
          <tr className="govuk-table__row">
            <th scope="col" className="govuk-table__header">{labelHeading}</th>
            <th scope="col" className="govuk-table__header govuk-table__header--numeric">{valueHeading}</th>
          </tr>
        </thead>
        <tbody className="govuk-table__body">
          {bars.map((bar) => (
            <tr className="govuk-table__row" key={bar.label}>
              <th scope="row" className="govuk-table__header">{bar.label}</th>
              <td className="govuk-table__cell govuk-table__cell--numeric">{bar.text ?? bar.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
