// Light, dark or the system's theme: the choice is saved, and applied from the bundle before the
// first render (no inline script: the CSP forbids it), so no page is painted in the wrong theme.

import { useSyncExternalStore } from "react";

export const THEMES = ["light", "dark", "system"] as const;
export type Theme = (typeof THEMES)[number];

const STORAGE_KEY = "helpdesk.theme";
const listeners = new Set<() => void>();
let current: Theme = "system";

function systemPrefersDark(): boolean {
  return window.matchMedia("(prefers-color-scheme: dark)").matches;
}

function apply(): void {
  const dark = current === "dark" || (current === "system" && systemPrefersDark());
  document.documentElement.classList.toggle("dark", dark);
  document.documentElement.classList.toggle("light", !dark);
}

/** Reads the saved theme and applies it; call once before rendering. */
export function initTheme(): void {
  try {
    const saved = window.localStorage.getItem(STORAGE_KEY);
    current = saved === "light" || saved === "dark" ? saved : "system";
  } catch {
    current = "system";
  }
  apply();
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
    if (current === "system") apply();
  });
}

export function setTheme(theme: Theme): void {
  current = theme;
  try {
    window.localStorage.setItem(STORAGE_KEY, theme);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  apply();
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The chosen theme (light, dark or system). */
export function useTheme(): Theme {
  return useSyncExternalStore(subscribe, () => current);
}
