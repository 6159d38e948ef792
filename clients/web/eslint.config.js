// ESLint: TypeScript rules, React hooks, and the import boundaries of the layout
// (lib/components → features → app; a feature never imports another feature).
import js from "@eslint/js";
import boundaries from "eslint-plugin-boundaries";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist", "node_modules"] },
  { files: ["scripts/**/*.mjs", "*.config.{js,ts}"], languageOptions: { globals: globals.node } },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["src/**/*.{ts,tsx}"],
    languageOptions: { globals: globals.browser },
    plugins: { "react-hooks": reactHooks, boundaries },
    settings: {
      "boundaries/elements": [
        { type: "main", pattern: "src/main.tsx", mode: "full" },
        { type: "app", pattern: "src/app", mode: "folder" },
        { type: "feature", pattern: "src/features/*", mode: "folder", capture: ["feature"] },
        { type: "components", pattern: "src/components", mode: "folder" },
        { type: "lib", pattern: "src/lib", mode: "folder" },
      ],
      "import/resolver": { typescript: { project: "./tsconfig.json" } },
    },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
      "@typescript-eslint/no-explicit-any": "error",
      // `_`-prefixed names are deliberately unused (destructuring a field away, a required parameter).
      "@typescript-eslint/no-unused-vars": ["error", { varsIgnorePattern: "^_", argsIgnorePattern: "^_" }],
      "@typescript-eslint/no-non-null-assertion": "error",
      "boundaries/no-unknown-files": "error",
      "boundaries/element-types": [
        "error",
        {
          default: "disallow",
          rules: [
            { from: "main", allow: ["app", "lib"] },
            { from: "app", allow: ["app", "feature", "components", "lib"] },
            { from: "feature", allow: [["feature", { feature: "${from.feature}" }], "components", "lib"] },
            { from: "components", allow: ["components", "lib"] },
            { from: "lib", allow: ["lib"] },
          ],
        },
      ],
    },
  },
  {
    files: ["src/**/*.test.ts"],
    rules: { "@typescript-eslint/no-non-null-assertion": "off" },
  },
);
