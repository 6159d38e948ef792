// Entry point: theme and language before the first paint, then the app.
import "./styles.css";
import { initTheme } from "@/lib/theme";
import "@/lib/i18n";
import { RouterProvider } from "@tanstack/react-router";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { AppProviders } from "@/app/providers";
import { router } from "@/app/router";
import { restoreSession } from "@/lib/client";

initTheme();
void restoreSession();

const root = document.getElementById("root");
if (root === null) {
  throw new Error("index.html has no #root element");
}
createRoot(root).render(
  <StrictMode>
    <AppProviders>
      <RouterProvider router={router} />
    </AppProviders>
  </StrictMode>,
);
