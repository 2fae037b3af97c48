import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

const govukAssets = fileURLToPath(new URL("./node_modules/govuk-frontend/dist/govuk/assets", import.meta.url));

export default defineConfig({
  plugins: [react()],
  resolve: { alias: { "@govuk-assets": govukAssets } },
  css: {
    // govuk-frontend keeps an old-IE media hack (`min-width: 0\0`) that lightningcss cannot parse: it
    // drops that one rule (for browsers we do not support) and minifies the rest.
    lightningcss: { errorRecovery: true },
    preprocessorOptions: {
      scss: { quietDeps: true, silenceDeprecations: ["import"] },
    },
  },
  build: {
    outDir: "dist",
    manifest: true, // scripts/budget.mjs reads it to add up what each route downloads
    sourcemap: false,
    assetsInlineLimit: 0, // no data: URLs, so the CSP needs no exception for them
    modulePreload: { polyfill: false },
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test-setup.ts"],
    include: ["src/**/*.test.tsx", "src/**/*.test.ts"],
  },
});
