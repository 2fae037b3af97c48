// React components that render the GOV.UK Design System's own markup (govuk-frontend's templates),
// class for class, so its Sass styles them exactly as on any GOV.UK service.
import { type ReactNode, useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

export type ErrorItem = { href: string; text: string };

/** Focused when shown, as the Design System asks, so a screen reader announces it first. */
export function ErrorSummary({ errors }: { errors: ErrorItem[] }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  // Focused when the errors change, not on every render: a page that rebuilds its list as the person
  // types must not pull focus away from the field after each key.
  const shown = errors.map((e) => `${e.href} ${e.text}`).join("\n");
  useEffect(() => {
    if (shown) ref.current?.focus();
  }, [shown]);
  if (!errors.length) return null;
  return (
    <div className="govuk-error-summary" data-module="govuk-error-summary" ref={ref} tabIndex={-1}>
      <div role="alert">
        <h2 className="govuk-error-summary__title">{t("common.errorSummary")}</h2>
        <div className="govuk-error-summary__body">
          <ul className="govuk-list govuk-error-summary__list">
            {errors.map((e) => (
              <li key={e.href + e.text}>
                <a
                  href={e.href}
                  onClick={(event) => {
                    // Focus the field itself (not just scroll to it), as govuk-frontend's own script does.
                    const target = document.getElementById(e.href.slice(1));
                    if (target) {
                      event.preventDefault();
                      target.focus();
                      target.scrollIntoView?.({ block: "center" });
                    }
                  }}
                >
                  {e.text}
                </a>
              </li>
            ))}
          </ul>
        </div>
      </div>
    </div>
  );
}

export function ErrorMessage({ id, text }: { id: string; text?: string }) {
  const { t } = useTranslation();
  if (!text) return null;
  return (
    <p id={id} className="govuk-error-message">
      <span className="govuk-visually-hidden">{t("common.error")}</span> {text}
    </p>
  );
}

function describedBy(...ids: (string | false | undefined)[]) {
  const value = ids.filter(Boolean).join(" ");
  return value || undefined;
}

type InputProps = {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  value: string;
  onChange: (value: string) => void;
  isPageHeading?: boolean;
  inputMode?: "numeric" | "decimal" | "text";
  widthClass?: string;
  prefix?: string;
  autoComplete?: string;
  spellCheck?: boolean;
};

export function TextInput(p: InputProps) {
  const label = (
    <label className={`govuk-label${p.isPageHeading ? " govuk-label--l" : ""}`} htmlFor={p.id}>
      {p.label}
    </label>
  );
  const input = (
    <input
      className={`govuk-input${p.widthClass ? ` ${p.widthClass}` : ""}${p.error ? " govuk-input--error" : ""}`}
      id={p.id}
      name={p.id}
      type="text"
      inputMode={p.inputMode}
      autoComplete={p.autoComplete}
      spellCheck={p.spellCheck}
      value={p.value}
      aria-describedby={describedBy(p.hint && `${p.id}-hint`, p.error && `${p.id}-error`)}
      onChange={(e) => p.onChange(e.target.value)}
    />
  );
  return (
    <div className={`govuk-form-group${p.error ? " govuk-form-group--error" : ""}`}>
      {p.isPageHeading ? <h1 className="govuk-label-wrapper">{label}</h1> : label}
      {p.hint && (
        <div id={`${p.id}-hint`} className="govuk-hint">
          {p.hint}
        </div>
      )}
      <ErrorMessage id={`${p.id}-error`} text={p.error} />
      {p.prefix ? (
        <div className="govuk-input__wrapper">
          <div className="govuk-input__prefix" aria-hidden="true">
            {p.prefix}
          </div>
          {input}
        </div>
      ) : (
        input
      )}
    </div>
  );
}

export type DateValue = { day: string; month: string; year: string };
export const emptyDate: DateValue = { day: "", month: "", year: "" };

export function DateInput(p: {
  id: string;
  legend: string;
  hint?: string;
  error?: string;
  value: DateValue;
  onChange: (value: DateValue) => void;
  isPageHeading?: boolean;
  birthDate?: boolean;
}) {
  const { t } = useTranslation();
  const parts: [keyof DateValue, string, string][] = [
    ["day", t("common.day"), "govuk-input--width-2"],
    ["month", t("common.month"), "govuk-input--width-2"],
    ["year", t("common.year"), "govuk-input--width-4"],
  ];
  const auto = { day: "bday-day", month: "bday-month", year: "bday-year" };
  return (
    <div className={`govuk-form-group${p.error ? " govuk-form-group--error" : ""}`}>
      <fieldset
        className="govuk-fieldset"
        role="group"
        aria-describedby={describedBy(p.hint && `${p.id}-hint`, p.error && `${p.id}-error`)}
      >
        <legend className={`govuk-fieldset__legend govuk-fieldset__legend--${p.isPageHeading ? "l" : "m"}`}>
          {p.isPageHeading ? <h1 className="govuk-fieldset__heading">{p.legend}</h1> : p.legend}
        </legend>
        {p.hint && (
          <div id={`${p.id}-hint`} className="govuk-hint">
            {p.hint}
          </div>
        )}
        <ErrorMessage id={`${p.id}-error`} text={p.error} />
        <div className="govuk-date-input" id={p.id}>
          {parts.map(([part, label, width]) => (
            <div className="govuk-date-input__item" key={part}>
              <div className="govuk-form-group">
                <label className="govuk-label govuk-date-input__label" htmlFor={`${p.id}-${part}`}>
                  {label}
                </label>
                <input
                  className={`govuk-input govuk-date-input__input ${width}${p.error ? " govuk-input--error" : ""}`}
                  id={`${p.id}-${part}`}
                  name={`${p.id}-${part}`}
                  type="text"
                  inputMode="numeric"
                  autoComplete={p.birthDate ? auto[part] : undefined}
                  value={p.value[part]}
                  onChange={(e) => p.onChange({ ...p.value, [part]: e.target.value })}
                />
              </div>
            </div>
          ))}
        </div>
      </fieldset>
    </div>
  );
}

export function Radios(p: {
  id: string;
  legend: string;
  hint?: string;
  error?: string;
  value: string;
  onChange: (value: string) => void;
  items: { value: string; text: string; hint?: string }[];
  isPageHeading?: boolean;
  inline?: boolean;
}) {
  return (
    <div className={`govuk-form-group${p.error ? " govuk-form-group--error" : ""}`}>
      <fieldset
        className="govuk-fieldset"
        aria-describedby={describedBy(p.hint && `${p.id}-hint`, p.error && `${p.id}-error`)}
      >
        <legend className={`govuk-fieldset__legend govuk-fieldset__legend--${p.isPageHeading ? "l" : "m"}`}>
          {p.isPageHeading ? <h1 className="govuk-fieldset__heading">{p.legend}</h1> : p.legend}
        </legend>
        {p.hint && (
          <div id={`${p.id}-hint`} className="govuk-hint">
            {p.hint}
          </div>
        )}
        <ErrorMessage id={`${p.id}-error`} text={p.error} />
        <div className={`govuk-radios${p.inline ? " govuk-radios--inline" : ""}`} data-module="govuk-radios">
          {p.items.map((item, i) => {
            // The first radio takes the group's id, so the error summary's link lands on it.
            const id = i === 0 ? p.id : `${p.id}-${i + 1}`;
            return (
              <div className="govuk-radios__item" key={item.value}>
                <input
                  className="govuk-radios__input"
                  id={id}
                  name={p.id}
                  type="radio"
                  value={item.value}
                  checked={p.value === item.value}
                  aria-describedby={item.hint ? `${id}-item-hint` : undefined}
                  onChange={() => p.onChange(item.value)}
                />
                <label className="govuk-label govuk-radios__label" htmlFor={id}>
                  {item.text}
                </label>
                {item.hint && (
                  <div id={`${id}-item-hint`} className="govuk-hint govuk-radios__hint">
                    {item.hint}
                  </div>
                )}
              </div>
            );
          })}
        </div>
      </fieldset>
    </div>
  );
}

export function Button({ children, start, onClick }: { children: ReactNode; start?: boolean; onClick?: () => void }) {
  return (
    <button
      type={onClick ? "button" : "submit"}
      className={`govuk-button${start ? " govuk-button--start" : ""}`}
      data-module="govuk-button"
      onClick={onClick}
    >
      {children}
    </button>
  );
}

/** A start button is a link styled as a button (the Design System's markup, arrow included). */
export function StartButton({ to, children }: { to: string; children: ReactNode }) {
  return (
    <Link to={to} role="button" draggable="false" className="govuk-button govuk-button--start" data-module="govuk-button">
      {children}
      <svg className="govuk-button__start-icon" xmlns="http://www.w3.org/2000/svg" width="17.5" height="19" viewBox="0 0 33 40" aria-hidden="true" focusable="false">
        <path fill="currentColor" d="M0 0h13l20 20-20 20H0l20-20z" />
      </svg>
    </Link>
  );
}

export function BackLink({ to }: { to: string }) {
  const { t } = useTranslation();
  return (
    <Link to={to} className="govuk-back-link">
      {t("common.back")}
    </Link>
  );
}

export function SummaryList({ rows }: { rows: { key: string; value: ReactNode; change?: { to: string; hidden: string } }[] }) {
  const { t } = useTranslation();
  return (
    <dl className="govuk-summary-list">
      {rows.map((row) => (
        <div className={`govuk-summary-list__row${row.change ? "" : " govuk-summary-list__row--no-actions"}`} key={row.key}>
          <dt className="govuk-summary-list__key">{row.key}</dt>
          <dd className="govuk-summary-list__value">{row.value}</dd>
          {row.change && (
            <dd className="govuk-summary-list__actions">
              <Link className="govuk-link" to={row.change.to}>
                {t("common.change")}
                <span className="govuk-visually-hidden"> {row.change.hidden}</span>
              </Link>
            </dd>
          )}
        </div>
      ))}
    </dl>
  );
}

export function Select(p: {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  value: string;
  onChange: (value: string) => void;
  items: { value: string; text: string }[];
  isPageHeading?: boolean;
}) {
  const label = (
    <label className={`govuk-label${p.isPageHeading ? " govuk-label--l" : ""}`} htmlFor={p.id}>
      {p.label}
    </label>
  );
  return (
    <div className={`govuk-form-group${p.error ? " govuk-form-group--error" : ""}`}>
      {p.isPageHeading ? <h1 className="govuk-label-wrapper">{label}</h1> : label}
      {p.hint && (
        <div id={`${p.id}-hint`} className="govuk-hint">
          {p.hint}
        </div>
      )}
      <ErrorMessage id={`${p.id}-error`} text={p.error} />
      <select
        className={`govuk-select${p.error ? " govuk-select--error" : ""}`}
        id={p.id}
        name={p.id}
        value={p.value}
        aria-describedby={describedBy(p.hint && `${p.id}-hint`, p.error && `${p.id}-error`)}
        onChange={(e) => p.onChange(e.target.value)}
      >
        {p.items.map((item) => (
          <option key={item.value} value={item.value}>
            {item.text}
          </option>
        ))}
      </select>
    </div>
  );
}

/** A fieldset whose legend is the page's heading (the address pattern's several inputs). */
export function Fieldset({ legend, children, isPageHeading }: { legend: string; children: ReactNode; isPageHeading?: boolean }) {
  return (
    <fieldset className="govuk-fieldset">
      <legend className={`govuk-fieldset__legend govuk-fieldset__legend--${isPageHeading ? "l" : "m"}`}>
        {isPageHeading ? <h1 className="govuk-fieldset__heading">{legend}</h1> : legend}
      </legend>
      {children}
    </fieldset>
  );
}

export function InsetText({ children }: { children: ReactNode }) {
  return <div className="govuk-inset-text">{children}</div>;
}

export function SuccessBanner({ id, title, heading }: { id: string; title: string; heading: string }) {
  return (
    <div className="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby={`${id}-title`}
      data-module="govuk-notification-banner">
      <div className="govuk-notification-banner__header">
        <h2 className="govuk-notification-banner__title" id={`${id}-title`}>{title}</h2>
      </div>
      <div className="govuk-notification-banner__content">
        <p className="govuk-notification-banner__heading">{heading}</p>
      </div>
    </div>
  );
}

export function Textarea(p: {
  id: string; label: string; hint?: string; error?: string; value: string; onChange: (value: string) => void;
  isPageHeading?: boolean; rows?: number; spellCheck?: boolean;
}) {
  const label = (
    <label className={`govuk-label${p.isPageHeading ? " govuk-label--l" : ""}`} htmlFor={p.id}>
      {p.label}
    </label>
  );
  return (
    <div className={`govuk-form-group${p.error ? " govuk-form-group--error" : ""}`}>
      {p.isPageHeading ? <h1 className="govuk-label-wrapper">{label}</h1> : label}
      {p.hint && <div id={`${p.id}-hint`} className="govuk-hint">{p.hint}</div>}
      <ErrorMessage id={`${p.id}-error`} text={p.error} />
      <textarea
        className={`govuk-textarea${p.error ? " govuk-textarea--error" : ""}`}
        id={p.id}
        name={p.id}
        rows={p.rows ?? 5}
        spellCheck={p.spellCheck}
        value={p.value}
        aria-describedby={describedBy(p.hint && `${p.id}-hint`, p.error && `${p.id}-error`)}
        onChange={(e) => p.onChange(e.target.value)}
      />
    </div>
  );
}

export function Checkboxes(p: {
  id: string; legend: string; hint?: string; error?: string; values: string[]; onChange: (values: string[]) => void;
  items: { value: string; text: string }[]; isPageHeading?: boolean;
}) {
  return (
    <div className={`govuk-form-group${p.error ? " govuk-form-group--error" : ""}`}>
      <fieldset className="govuk-fieldset" aria-describedby={describedBy(p.hint && `${p.id}-hint`, p.error && `${p.id}-error`)}>
        <legend className={`govuk-fieldset__legend govuk-fieldset__legend--${p.isPageHeading ? "l" : "m"}`}>
          {p.isPageHeading ? <h1 className="govuk-fieldset__heading">{p.legend}</h1> : p.legend}
        </legend>
        {p.hint && <div id={`${p.id}-hint`} className="govuk-hint">{p.hint}</div>}
        <ErrorMessage id={`${p.id}-error`} text={p.error} />
        <div className="govuk-checkboxes" data-module="govuk-checkboxes">
          {p.items.map((item, i) => {
            const id = i === 0 ? p.id : `${p.id}-${i + 1}`;
            const checked = p.values.includes(item.value);
            return (
              <div className="govuk-checkboxes__item" key={item.value}>
                <input className="govuk-checkboxes__input" id={id} name={p.id} type="checkbox" value={item.value} checked={checked}
                  onChange={() => p.onChange(checked ? p.values.filter((v) => v !== item.value) : [...p.values, item.value])} />
                <label className="govuk-label govuk-checkboxes__label" htmlFor={id}>{item.text}</label>
              </div>
            );
          })}
        </div>
      </fieldset>
    </div>
  );
}
