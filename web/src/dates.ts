// Dates as GOV.UK writes them ("14 February 1990", "14 Chwefror 1990"). Our own month names: a browser's
// Welsh locale data is not always there (Debian's Chromium falls back to "February 14, 1990").
const MONTHS = {
  en: ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
  cy: ["Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf", "Awst", "Medi", "Hydref", "Tachwedd", "Rhagfyr"],
};

/** `YYYY-MM-DD` in words, or the text unchanged when it is not such a date. */
export function longDate(iso: string, lang: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!match) return iso;
  const months = lang === "cy" ? MONTHS.cy : MONTHS.en;
  return `${Number(match[3])} ${months[Number(match[2]) - 1]} ${match[1]}`;
}
