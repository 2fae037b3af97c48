import i18next from "i18next";
import { initReactI18next } from "react-i18next";
import { cy } from "./locales/cy";
import { en } from "./locales/en";

export type Lang = "en" | "cy";
const COOKIE = "dwp_lang";

/** The language chosen before (the `dwp_lang` cookie, which the BFF also reads to set `<html lang>`),
 * or `?lang=cy` on a link, else English. */
export function initialLanguage(): Lang {
  const fromQuery = new URLSearchParams(window.location.search).get("lang");
  if (fromQuery === "cy" || fromQuery === "en") return fromQuery;
  const fromCookie = document.cookie.split("; ").find((c) => c.startsWith(`${COOKIE}=`));
  return fromCookie?.split("=")[1] === "cy" ? "cy" : "en";
}

export function rememberLanguage(lang: Lang): void {
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${COOKIE}=${lang}; Path=/; Max-Age=31536000; SameSite=Lax${secure}`;
  document.documentElement.lang = lang;
}

export async function setupI18n(lang: Lang = initialLanguage()) {
  await i18next.use(initReactI18next).init({
    resources: { en: { translation: en }, cy: { translation: cy } },
    lng: lang,
    fallbackLng: "en",
    interpolation: { escapeValue: false }, // React escapes
    returnObjects: true,
  });
  document.documentElement.lang = lang;
  return i18next;
}

export { i18next };

/** Texts a lazily loaded part of the app brings with it (the caseworker pages' `casework` strings), added
 * under one top-level key in both languages, so the citizen pages never download them. */
export function addStrings(key: string, strings: { en: object; cy: object }): void {
  i18next.addResourceBundle("en", "translation", { [key]: strings.en }, true, true);
  i18next.addResourceBundle("cy", "translation", { [key]: strings.cy }, true, true);
}
