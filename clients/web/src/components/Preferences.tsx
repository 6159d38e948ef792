import { Languages, Monitor, Moon, Sun } from "lucide-react";
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { cx } from "@/lib/cx";
import { LANGUAGES, setLanguage, type Language } from "@/lib/i18n";
import { setTheme, THEMES, useTheme, type Theme } from "@/lib/theme";

const selectClasses =
  "h-9 appearance-none rounded-lg border border-border bg-surface pr-2.5 pl-8 text-[13px] text-fg hover:bg-subtle focus-visible:outline-2 focus-visible:outline-focus";

/** The language switcher: a labelled native select, saved across visits. */
export function LanguageSwitcher({ className }: { className?: string }) {
  const { t, i18n } = useTranslation();
  const id = useId();
  return (
    <div className={cx("relative", className)}>
      <label htmlFor={id} className="sr-only">
        {t("language.label")}
      </label>
      <Languages aria-hidden="true" className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-muted" />
      <select id={id} className={selectClasses} value={i18n.language} onChange={(event) => setLanguage(event.target.value as Language)}>
        {LANGUAGES.map((language) => (
          <option key={language} value={language}>
            {t(`language.${language}`)}
          </option>
        ))}
      </select>
    </div>
  );
}

const THEME_ICONS: Record<Theme, typeof Sun> = { light: Sun, dark: Moon, system: Monitor };

/** Light / dark / system as a radio group of icon buttons. */
export function ThemeSwitcher({ className }: { className?: string }) {
  const { t } = useTranslation();
  const theme = useTheme();
  return (
    <div role="radiogroup" aria-label={t("theme.label")} className={cx("inline-flex h-9 items-center rounded-lg border border-border bg-surface p-0.5", className)}>
      {THEMES.map((option) => {
        const Icon = THEME_ICONS[option];
        const checked = option === theme;
        return (
          <button
            key={option}
            type="button"
            role="radio"
            aria-checked={checked}
            aria-label={t(`theme.${option}`)}
            title={t(`theme.${option}`)}
            onClick={() => setTheme(option)}
            className={cx(
              "flex h-full w-8 items-center justify-center rounded-md transition-colors",
              checked ? "bg-subtle text-fg shadow-xs" : "text-muted hover:text-fg",
            )}
          >
            <Icon aria-hidden="true" className="size-4" />
          </button>
        );
      })}
    </div>
  );
}
