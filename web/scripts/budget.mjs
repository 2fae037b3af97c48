// The JavaScript budget: what each citizen page downloads, gzipped, at most 150 KB. Run after
// `vite build` (npm run build does); exits non-zero when a route is over, so the build fails.
import { readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const BUDGET_BYTES = 150 * 1024;
const dist = new URL("../dist/", import.meta.url);
const manifest = JSON.parse(readFileSync(new URL(".vite/manifest.json", dist), "utf8"));

// Each route: the source module its page is in (the entry serves the start page itself).
const ROUTES = {
  "/": [],
  "/check-what-you-could-get/*": ["src/pages/estimate/Estimate.tsx"],
  "/account": ["src/pages/Account.tsx"],
  "/account/address/*": ["src/pages/address/AccountAddress.tsx"],
  "/apply/* (Universal Credit)": ["src/pages/claim/Claim.tsx"],
  "/apply/<claim> (New Style JSA, ESA)": ["src/pages/claim/Claim.tsx", "src/pages/claim/NewStyle.tsx"],
  "/apply/<claim>/evidence/*": ["src/pages/claim/Claim.tsx", "src/pages/claim/Evidence.tsx"],
  "/apply/<claim>/decision/*": ["src/pages/claim/Claim.tsx", "src/pages/claim/Decision.tsx"],
  "/apply/<claim>/messages": ["src/pages/claim/Claim.tsx", "src/pages/claim/Messages.tsx"],
  "/apply/<claim>/report-a-change/*": ["src/pages/claim/Claim.tsx", "src/pages/claim/Change.tsx"],
  "/apply/join, /apply/<claim>/invite, /partner": ["src/pages/claim/Claim.tsx", "src/pages/claim/Partner.tsx"],
  "/account/contact-preferences": ["src/pages/ContactPreferences.tsx"],
  "/accessibility-statement, /privacy, /cookies, /signed-out": ["src/pages/Info.tsx"],
};

// Not a citizen page: the caseworker pages (a chunk of their own) are reported, not held to the budget.
const STAFF_ROUTES = { "/casework/* (staff)": ["src/pages/casework/Casework.tsx"] };

const entry = Object.keys(manifest).find((key) => manifest[key].isEntry);
const gz = (file) => gzipSync(readFileSync(new URL(file, dist)), { level: 9 }).length;

/** A chunk and everything it imports statically: what the browser fetches before the page runs. */
function closure(key, seen = new Set()) {
  if (seen.has(key)) return seen;
  seen.add(key);
  for (const dep of manifest[key].imports ?? []) closure(dep, seen);
  return seen;
}

const report = {};
let over = false;
for (const [route, modules] of [...Object.entries(ROUTES), ...Object.entries(STAFF_ROUTES)]) {
  const chunks = new Set(closure(entry));
  for (const module of modules) {
    if (!manifest[module]) throw new Error(`${module} is not a chunk of the build: is it still lazy-loaded?`);
    for (const key of closure(module)) chunks.add(key);
  }
  const js = [...chunks].map((k) => manifest[k].file).filter((f) => f.endsWith(".js"));
  const css = [...new Set([...chunks].flatMap((k) => manifest[k].css ?? []))];
  const jsBytes = js.reduce((sum, f) => sum + gz(f), 0);
  const cssBytes = css.reduce((sum, f) => sum + gz(f), 0);
  report[route] = { js_gzip_bytes: jsBytes, css_gzip_bytes: cssBytes, files: [...js, ...css] };
  const citizen = route in ROUTES;
  const status = !citizen ? "staff, not budgeted" : jsBytes > BUDGET_BYTES ? "OVER BUDGET" : "ok";
  if (citizen && jsBytes > BUDGET_BYTES) over = true;
  console.log(`${route}: JS ${(jsBytes / 1024).toFixed(1)} KB, CSS ${(cssBytes / 1024).toFixed(1)} KB gzipped (${status})`);
}
// No citizen page may load any of the caseworker chunk's files (a static import would pull it in).
const staffOnly = new Set(closure("src/pages/casework/Casework.tsx"));
for (const key of closure(entry)) staffOnly.delete(key);
for (const [route, modules] of Object.entries(ROUTES)) {
  const files = new Set(report[route].files);
  const leaked = [...staffOnly].map((k) => manifest[k].file).filter((f) => files.has(f));
  if (leaked.length) {
    console.error(`${route} downloads the caseworker pages' ${leaked.join(", ")}`);
    over = true;
  }
}
writeFileSync(new URL("budget.json", dist), JSON.stringify(report, null, 2));
if (over) {
  console.error(`A citizen page downloads more than ${BUDGET_BYTES / 1024} KB of JavaScript (gzipped).`);
  process.exit(1);
}
