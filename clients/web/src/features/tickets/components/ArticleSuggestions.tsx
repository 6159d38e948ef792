import { Link } from "@tanstack/react-router";
import { BookOpen } from "lucide-react";
import { useTranslation } from "react-i18next";
import { Highlighted, Spinner } from "@/components";
import { useDebounced } from "@/lib/debounce";
import { useArticleSuggestions } from "../api";

/** Published articles matching the subject as it is typed: many tickets are answered before they exist. */
export function ArticleSuggestions({ subject }: { subject: string }) {
  const { t } = useTranslation("tickets");
  const settled = useDebounced(subject, 400);
  const suggestions = useArticleSuggestions(settled);
  const results = settled.trim().length >= 3 ? (suggestions.data?.results ?? []) : [];
  if (results.length === 0) {
    return suggestions.isFetching && settled.trim().length >= 3 ? (
      <p className="flex items-center gap-2 text-xs text-muted">
        <Spinner size="sm" />
        {t("new.suggestionsLoading")}
      </p>
    ) : null;
  }
  return (
    <section aria-label={t("new.suggestionsTitle")} className="rounded-lg border border-accent/25 bg-accent-soft/50 p-4">
      <h2 className="flex items-center gap-2 text-[13px] font-semibold text-fg">
        <BookOpen aria-hidden="true" className="size-4 text-accent" />
        {t("new.suggestionsTitle")}
      </h2>
      <ul className="mt-2 flex flex-col gap-2">
        {results.map((result) =>
          result.article ? (
            <li key={result.article.id}>
              <Link to="/help/$slug" params={{ slug: result.article.slug || result.article.id }} className="group block rounded-md p-1 -m-1">
                <span className="text-sm font-medium text-accent group-hover:underline">{result.article.title}</span>
                {result.snippet ? (
                  <span className="mt-0.5 line-clamp-2 block text-xs text-muted">
                    <Highlighted snippet={result.snippet} />
                  </span>
                ) : null}
              </Link>
            </li>
          ) : null,
        )}
      </ul>
    </section>
  );
}
