// Vite builds the app into dist/. The API client is compiled from its sources in ../typescript
// (no separate build step), with its runtime dependencies resolved from this package.
import { fileURLToPath, URL } from "node:url";
import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
// `npm run dev` forwards API calls to a running gateway (helpdesk dev), so the app stays same-origin.
const gateway = process.env.HELPDESK_GATEWAY ?? "http://127.0.0.1:8080";
const apiPrefixes = ["/helpdesk.v1.", "/grpc."];

export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: {
    alias: {
      "@/": here("./src/"),
      "@helpdesk/client": here("../typescript/src/index.ts"),
    },
    dedupe: ["@bufbuild/protobuf", "@connectrpc/connect", "@connectrpc/connect-web"],
  },
  css: {
    // Charts.css (the reports page) declares a few @property rules without the initial-value the
    // spec requires; browsers ignore such rules, and the minifier drops them with a warning instead
    // of failing the build.
    lightningcss: { errorRecovery: true },
  },
  build: {
    target: "es2022",
    sourcemap: true,
    // Inline assets would need `data:` in the CSP; keep every asset a file.
    assetsInlineLimit: 0,
    // The entry chunk holds React, the router, the query cache and the API client; its real budget
    // (200 KB gzipped) is checked by `npm run size`, not by this minified-size warning.
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: Object.fromEntries(apiPrefixes.map((prefix) => [prefix, { target: gateway, changeOrigin: false }])),
  },
  preview: {
    proxy: Object.fromEntries(apiPrefixes.map((prefix) => [prefix, { target: gateway, changeOrigin: false }])),
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
