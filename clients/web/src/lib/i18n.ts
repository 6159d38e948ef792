// i18next with English and Brazilian Portuguese. The language comes from the saved choice or the
// browser's preferences; features add their own namespaces with registerTranslations().

import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import en from "./locales/en";
import { LANGUAGES, pickLanguage, type Language } from "./language";
import ptBR from "./locales/pt-BR";


const STORAGE_KEY = "helpdesk.language";

function readSaved(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

void i18n.use(initReactI18next).init({
  resources: { en: { common: en }, "pt-BR": { common: ptBR } },
  lng: pickLanguage(readSaved(), navigator.languages ?? [navigator.language]),
  fallbackLng: "en",
  defaultNS: "common",
  ns: ["common"],
  interpolation: { escapeValue: false }, // React escapes; strings are never injected as HTML
  returnNull: false,
  initAsync: false,
});

function syncDocument(language: string): void {
  document.documentElement.lang = language;
}
syncDocument(i18n.language);
i18n.on("languageChanged", syncDocument);

/** Switches language and remembers the choice. */
export function setLanguage(language: Language): void {
  try {
    window.localStorage.setItem(STORAGE_KEY, language);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  void i18n.changeLanguage(language);
}

/** Adds a feature's strings under its own namespace (call at the feature module's top level). */
export function registerTranslations(namespace: string, bundles: Record<Language, Record<string, unknown>>): void {
  for (const language of LANGUAGES) {
    if (!i18n.hasResourceBundle(language, namespace)) {
      i18n.addResourceBundle(language, namespace, bundles[language], true, false);
    }
  }
}

export { i18n, LANGUAGES, type Language };
