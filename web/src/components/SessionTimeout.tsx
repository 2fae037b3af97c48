// The session time-out warning (WCAG 2.2.1 Timing Adjustable; the pattern GOV.UK services use, as in
// HMRC's and DWP's timeout dialogs): a modal dialog two minutes before the session would end for
// inactivity, with "Stay signed in" (which is activity: the session is touched and the count starts
// again) and "Sign out". If nobody answers, the person is signed out, never left on a page whose next
// action fails. The native <dialog> with showModal() keeps focus inside it, makes the page behind it
// inert, and closes on Escape (which here means "stay signed in", as the other way would lose work).
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { ACTIVITY, csrfToken } from "../api";
import { useRefreshSession, useSession } from "../session";

export const WARN_BEFORE_MS = 2 * 60 * 1000;
const REFRESH_AFTER_ACTIVITY_MS = 60 * 1000;

export function SessionTimeout() {
  const { t } = useTranslation();
  const session = useSession();
  const refresh = useRefreshSession();
  const dialog = useRef<HTMLDialogElement>(null);
  const signOut = useRef<HTMLFormElement>(null);
  const [open, setOpen] = useState(false);
  const [left, setLeft] = useState(0);
  const signedIn = session?.signed_in === true;
  // The deadline on this page's clock: the time the BFF says is left, counted from when it said so.
  const deadline = useMemo(
    () => (session?.signed_in ? Date.now() + (session.expires_at - session.now) * 1000 : 0),
    [session],
  );

  useEffect(() => {
    if (!signedIn) return;
    // A new deadline (activity, or "stay signed in") closes a warning that no longer applies.
    const warnIn = deadline - WARN_BEFORE_MS - Date.now();
    setOpen(warnIn <= 0);
    const warn = window.setTimeout(() => setOpen(true), Math.max(0, warnIn));
    const end = window.setTimeout(() => signOut.current?.submit(), Math.max(0, deadline - Date.now()));
    return () => {
      window.clearTimeout(warn);
      window.clearTimeout(end);
    };
  }, [signedIn, deadline]);

  // Activity elsewhere on the page moved the session's deadline: ask again, at most once a minute.
  useEffect(() => {
    if (!signedIn) return;
    let last = Date.now();
    const onActivity = () => {
      if (Date.now() - last < REFRESH_AFTER_ACTIVITY_MS) return;
      last = Date.now();
      void refresh();
    };
    window.addEventListener(ACTIVITY, onActivity);
    return () => window.removeEventListener(ACTIVITY, onActivity);
  }, [signedIn, refresh]);

  // The count shown while open, in whole minutes and then seconds; announced politely, not every tick.
  useEffect(() => {
    if (!open) return;
    const tick = () => setLeft(Math.max(0, Math.round((deadline - Date.now()) / 1000)));
    tick();
    const timer = window.setInterval(tick, 1000);
    return () => window.clearInterval(timer);
  }, [open, deadline]);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) element.showModal?.();
    if (!open && element.open) element.close();
  }, [open]);

  const stay = useCallback(async () => {
    setOpen(false);
    await refresh(); // touches the session at the identity service: a new deadline
  }, [refresh]);

  if (!signedIn) return null;
  // Shown each second; announced only when the rounded figure changes (each minute, then each 15 s).
  const say = (secondsLeft: number) =>
    secondsLeft > 60
      ? t("timeout.minutes", { count: Math.ceil(secondsLeft / 60) })
      : secondsLeft === 60
        ? t("timeout.minute")
        : t("timeout.seconds", { count: secondsLeft });
  const announced = left > 60 ? say(left) : say(Math.ceil(left / 15) * 15);
  return (
    <dialog
      ref={dialog}
      className="app-timeout-dialog"
      aria-labelledby="timeout-heading"
      aria-describedby="timeout-text"
      onCancel={(event) => {
        event.preventDefault();
        void stay();
      }}
    >
      <h2 className="govuk-heading-m" id="timeout-heading">
        {t("timeout.heading")}
      </h2>
      <p className="govuk-body" id="timeout-text">
        {t("timeout.text")} <strong aria-hidden="true">{say(left)}</strong>
        <span className="govuk-visually-hidden" aria-live="polite" aria-atomic="true">
          {open ? announced : ""}
        </span>
      </p>
      <p className="govuk-body">{t("timeout.lose")}</p>
      <div className="govuk-button-group">
        {/* Focused first when the dialog opens (autofocus inside a modal dialog). */}
        <button type="button" className="govuk-button" data-module="govuk-button" autoFocus onClick={() => void stay()}>
          {t("timeout.stay")}
        </button>
        <form method="post" action="/auth/sign-out" ref={signOut}>
          <input type="hidden" name="csrf_token" value={csrfToken()} />
          <button type="submit" className="govuk-link app-link-button">
            {t("timeout.signOut")}
          </button>
        </form>
      </div>
    </dialog>
  );
}
