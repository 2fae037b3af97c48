// The GOV.UK template (template.njk) as React: skip link, header, service navigation with the
// language navigation, phase banner, main, footer.
import { type ReactNode, useEffect } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation } from "react-router";
import { csrfToken } from "../api";
import { type Lang, rememberLanguage } from "../i18n";
import { useSession } from "../session";
import { FooterCrown, GovukLogotype, LicenceLogo } from "./logos";
import { SessionTimeout } from "./SessionTimeout";

function LanguageNavigation() {
  const { t, i18n } = useTranslation();
  const languages: { lang: Lang; text: string }[] = [
    { lang: "en", text: "English" },
    { lang: "cy", text: "Cymraeg" },
  ];
  return (
    <nav className="govuk-language-navigation" aria-label={t("common.language")}>
      <ul className="govuk-language-navigation__list">
        {languages.map(({ lang, text }) => (
          <li className="govuk-language-navigation__list-item" key={lang}>
            {i18n.language === lang ? (
              <span className="govuk-language-navigation__text" lang={lang} aria-current="true">
                {text}
              </span>
            ) : (
              <a
                className="govuk-language-navigation__link"
                href={`?lang=${lang}`}
                lang={lang}
                hrefLang={lang}
                rel="alternate"
                onClick={(event) => {
                  event.preventDefault();
                  rememberLanguage(lang);
                  void i18n.changeLanguage(lang);
                }}
              >
                {text}
              </a>
            )}
          </li>
        ))}
      </ul>
    </nav>
  );
}

function ServiceNavigation() {
  const { t } = useTranslation();
  const session = useSession();
  const { pathname } = useLocation();
  const signedIn = session?.signed_in === true;
  return (
    <section aria-label={t("service.name")} className="govuk-service-navigation" data-module="govuk-service-navigation">
      <div className="govuk-width-container govuk-service-navigation__inlining-container">
        <div className="govuk-service-navigation__container">
          <span className="govuk-service-navigation__service-name">
            <Link to="/" className="govuk-service-navigation__link">
              {t("service.name")}
            </Link>
          </span>
          <nav aria-label={t("common.menu")} className="govuk-service-navigation__wrapper">
            <ul className="govuk-service-navigation__list" id="navigation">
              {signedIn ? (
                <>
                  {session?.signed_in && session.kind === "staff" ? (
                    // A member of staff's home is the work queue, never a citizen's account page.
                    <li className={`govuk-service-navigation__item${pathname.startsWith("/casework") ? " govuk-service-navigation__item--active" : ""}`}>
                      <Link className="govuk-service-navigation__link" to="/casework" aria-current={pathname === "/casework" ? "page" : undefined}>
                        {t("common.casework")}
                      </Link>
                    </li>
                  ) : (
                    <li className={`govuk-service-navigation__item${pathname === "/account" ? " govuk-service-navigation__item--active" : ""}`}>
                      <Link className="govuk-service-navigation__link" to="/account" aria-current={pathname === "/account" ? "page" : undefined}>
                        {t("common.account")}
                      </Link>
                    </li>
                  )}
                  <li className="govuk-service-navigation__item">
                    {/* A plain form post: sign-out works even before the page's scripts have run. */}
                    <form method="post" action="/auth/sign-out" className="app-sign-out">
                      <input type="hidden" name="csrf_token" value={csrfToken()} />
                      <button type="submit" className="govuk-service-navigation__link app-sign-out__button">
                        {t("common.signOut")}
                      </button>
                    </form>
                  </li>
                </>
              ) : (
                <li className="govuk-service-navigation__item">
                  <a className="govuk-service-navigation__link" href="/auth/sign-in">
                    {t("common.signIn")}
                  </a>
                </li>
              )}
            </ul>
          </nav>
        </div>
        <LanguageNavigation />
      </div>
    </section>
  );
}

function Footer() {
  const { t } = useTranslation();
  return (
    <footer className="govuk-template__footer">
      <div className="govuk-footer">
        <div className="govuk-width-container">
          <FooterCrown />
          <div className="govuk-footer__meta">
            <div className="govuk-footer__meta-item govuk-footer__meta-item--grow">
              <h2 className="govuk-visually-hidden">{t("footer.support")}</h2>
              <ul className="govuk-footer__inline-list">
                <li className="govuk-footer__inline-list-item">
                  <Link className="govuk-footer__link" to="/accessibility-statement">{t("footer.accessibility")}</Link>
                </li>
                <li className="govuk-footer__inline-list-item">
                  <Link className="govuk-footer__link" to="/privacy">{t("footer.privacy")}</Link>
                </li>
                <li className="govuk-footer__inline-list-item">
                  <Link className="govuk-footer__link" to="/cookies">{t("footer.cookies")}</Link>
                </li>
              </ul>
              <LicenceLogo />
              <span className="govuk-footer__licence-description">
                {t("footer.licence")}{" "}
                <a className="govuk-footer__link" href="https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/" rel="license">
                  {t("footer.licenceLink")}
                </a>
                {t("footer.licenceEnd")}
              </span>
            </div>
            <div className="govuk-footer__meta-item">
              <a
                className="govuk-footer__link govuk-footer__copyright-logo"
                href="https://www.nationalarchives.gov.uk/information-management/re-using-public-sector-information/uk-government-licensing-framework/crown-copyright/"
              >
                {t("footer.copyright")}
              </a>
            </div>
          </div>
        </div>
      </div>
    </footer>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <>
      <a href="#main-content" className="govuk-skip-link" data-module="govuk-skip-link">
        {t("common.skip")}
      </a>
      <header className="govuk-template__header">
        <div className="govuk-header" data-module="govuk-header">
          <div className="govuk-header__container govuk-width-container">
            <div className="govuk-header__logo">
              <a href="https://www.gov.uk/" className="govuk-header__homepage-link">
                <GovukLogotype />
              </a>
            </div>
          </div>
        </div>
        <ServiceNavigation />
      </header>
      <div className="govuk-width-container">
        <div className="govuk-phase-banner">
          <p className="govuk-phase-banner__content">
            <strong className="govuk-tag govuk-phase-banner__content__tag">{t("common.phase")}</strong>
            <span className="govuk-phase-banner__text">{t("common.phaseText")}</span>
          </p>
        </div>
        <main className="govuk-main-wrapper" id="main-content">
          {children}
        </main>
      </div>
      <Footer />
      <SessionTimeout />
    </>
  );
}

let firstPage = true;

/** Every page: its own title (prefixed "Error:" while it shows errors) and, after a navigation, focus
 * on its heading, so a screen reader user hears where they are (a full page load does this itself). */
export function usePage(title: string, hasErrors = false) {
  const { t } = useTranslation();
  const { pathname } = useLocation();
  useEffect(() => {
    const suffix = t("titles.suffix");
    const base = title === t("service.name") ? suffix : `${title} – ${suffix}`;
    document.title = `${hasErrors ? t("titles.error") : ""}${base}`;
  }, [title, hasErrors, t]);
  useEffect(() => {
    if (firstPage) {
      firstPage = false;
      return;
    }
    let focused: HTMLElement | null = null;
    const focusHeading = (): boolean => {
      const heading = document.querySelector<HTMLElement>("main h1");
      if (!heading) return false;
      heading.setAttribute("tabindex", "-1");
      heading.focus();
      focused = heading;
      return true;
    };
    focusHeading();
    // A page whose code is still loading (a lazy chunk) has no heading yet: focus it when it appears,
    // or a slow connection leaves the focus on the link that was followed. And a heading replaced by a
    // re-render (the page's data arriving draws another branch) takes the focus with it to the body:
    // focus the new one, unless the person has moved on to something else.
    const watcher = new MutationObserver(() => {
      const lostToBody = focused !== null && !focused.isConnected &&
        (document.activeElement === null || document.activeElement === document.body);
      if (focused === null || lostToBody) focusHeading();
    });
    watcher.observe(document.body, { childList: true, subtree: true });
    return () => watcher.disconnect();
  }, [pathname]);
}
