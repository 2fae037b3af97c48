// Pieces the caseworker pages share: the Design System's textarea and checkbox markup (not in
// components/govuk.tsx, which the citizen pages own), the casework sub-navigation, a problem in words.
import { useTranslation } from "react-i18next";
import { Link, useLocation } from "react-router";
import { ProblemError } from "../../api";
import { ErrorMessage } from "../../components/govuk";
import { CASEWORK } from "./model";

export function Textarea(p: { id: string; label: string; hint?: string; error?: string; value: string; onChange: (v: string) => void; rows?: number; labelClass?: string }) {
  const described = [p.hint && `${p.id}-hint`, p.error && `${p.id}-error`].filter(Boolean).join(" ") || undefined;
  return (
    <div className={`govuk-form-group${p.error ? " govuk-form-group--error" : ""}`}>
      <label className={`govuk-label${p.labelClass ? ` ${p.labelClass}` : ""}`} htmlFor={p.id}>{p.label}</label>
      {p.hint && <div id={`${p.id}-hint`} className="govuk-hint">{p.hint}</div>}
      <ErrorMessage id={`${p.id}-error`} text={p.error} />
      <textarea
        className={`govuk-textarea${p.error ? " govuk-textarea--error" : ""}`}
        id={p.id}
        name={p.id}
        rows={p.rows ?? 5}
        value={p.value}
        aria-describedby={described}
        onChange={(e) => p.onChange(e.target.value)}
      />
    </div>
  );
}

export function Checkbox(p: { id: string; label: string; checked: boolean; onChange: (v: boolean) => void }) {
  return (
    <div className="govuk-checkboxes__item">
      <input className="govuk-checkboxes__input" id={p.id} name={p.id} type="checkbox" checked={p.checked} onChange={(e) => p.onChange(e.target.checked)} />
      <label className="govuk-label govuk-checkboxes__label" htmlFor={p.id}>{p.label}</label>
    </div>
  );
}

/** Work queue | Overview: the Design System's sub navigation (the secondary navigation pattern). */
export function CaseworkNav() {
  const { t } = useTranslation();
  const { pathname } = useLocation();
  const items = [
    { to: CASEWORK, text: t("casework.nav.queue"), current: pathname === CASEWORK || pathname.startsWith(`${CASEWORK}/claims`) },
    { to: `${CASEWORK}/overview`, text: t("casework.nav.overview"), current: pathname === `${CASEWORK}/overview` },
  ];
  return (
    <nav className="app-casework-nav" aria-label={t("casework.nav.label")}>
      <ul className="app-casework-nav__list">
        {items.map((item) => (
          <li className={`app-casework-nav__item${item.current ? " app-casework-nav__item--current" : ""}`} key={item.to}>
            <Link className="govuk-link govuk-link--no-visited-state" to={item.to} aria-current={item.current ? "page" : undefined}>
              {item.text}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** What a person reads when a call failed: the page's own words for what it knows, never a raw document. */
export function problemWords(e: unknown, t: (key: string) => string): string {
  if (e instanceof ProblemError) {
    if (e.problem.status === 404) return t("casework.errors.notFound");
    if (e.problem.status === 403) return t("casework.errors.forbidden");
  }
  return t("casework.errors.unavailable");
}

export function shortDate(iso: string | null | undefined, lang: string): string {
  if (!iso) return "";
  const d = new Date(iso.length === 10 ? `${iso}T12:00:00Z` : iso);
  return new Intl.DateTimeFormat(lang === "cy" ? "cy-GB" : "en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "Europe/London" }).format(d);
}

export function dateTime(iso: string, lang: string): string {
  return new Intl.DateTimeFormat(lang === "cy" ? "cy-GB" : "en-GB", { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "Europe/London" }).format(new Date(iso));
}
