import type { Article, SearchArticlesResult } from "@helpdesk/client";
import { Link } from "@tanstack/react-router";
import { ChevronRight, FileText } from "lucide-react";
import { useTranslation } from "react-i18next";
import { Highlighted } from "@/components";
import { formatNumber } from "@/lib/format";

/** Search results: title, category and the highlighted snippet. */
export function SearchResults({ results }: { results: readonly SearchArticlesResult[] }) {
  return (
    <ul className="divide-y divide-border overflow-hidden rounded-xl border border-border bg-surface shadow-xs">
      {results.map((result) =>
        result.article ? (
          <li key={result.article.id}>
            <Link to="/help/$slug" params={{ slug: result.article.slug || result.article.id }} className="group flex gap-3 px-5 py-4 hover:bg-subtle">
              <FileText aria-hidden="true" className="mt-0.5 size-4 shrink-0 text-muted" />
              <div className="min-w-0 flex-1">
                <p className="font-medium text-fg group-hover:text-accent">{result.article.title}</p>
                {result.snippet ? (
                  <p className="mt-1 line-clamp-3 text-sm break-words text-muted">
                    <Highlighted snippet={result.snippet} />
                  </p>
                ) : null}
                {result.article.category ? <p className="mt-1.5 text-xs text-muted capitalize">{result.article.category}</p> : null}
              </div>
            </Link>
          </li>
        ) : null,
      )}
    </ul>
  );
}

/** A list of articles (no search): title, category and views. */
export function ArticleLinks({ articles }: { articles: readonly Article[] }) {
  const { t, i18n } = useTranslation("help");
  return (
    <ul className="divide-y divide-border overflow-hidden rounded-xl border border-border bg-surface shadow-xs">
      {articles.map((article) => (
        <li key={article.id}>
          <Link to="/help/$slug" params={{ slug: article.slug || article.id }} className="group flex items-center gap-3 px-5 py-3.5 hover:bg-subtle">
            <FileText aria-hidden="true" className="size-4 shrink-0 text-muted" />
            <div className="min-w-0 flex-1">
              <p className="truncate font-medium text-fg group-hover:text-accent">{article.title}</p>
              <p className="text-xs text-muted">
                {article.category ? <span className="capitalize">{article.category} · </span> : null}
                {t("views", { count: article.viewCount, formatted: formatNumber(article.viewCount, i18n.language) })}
              </p>
            </div>
            <ChevronRight aria-hidden="true" className="size-4 shrink-0 text-muted" />
          </Link>
        </li>
      ))}
    </ul>
  );
}
