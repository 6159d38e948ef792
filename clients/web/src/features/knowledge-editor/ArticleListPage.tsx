import { getRouteApi, Link } from "@tanstack/react-router";
import { FilePlus2, FileText, SearchX } from "lucide-react";
import { useTranslation } from "react-i18next";
import { Button, buttonClasses, EmptyState, ErrorBanner, Page, PageHeader, SearchInput, Select, Spinner } from "@/components";
import { cx } from "@/lib/cx";
import { describeError } from "@/lib/errors";
import { formatRelative } from "@/lib/format";
import { useSearchText } from "@/lib/search-text";
import { useDocumentTitle } from "@/lib/title";
import { useEditorArticles, useKnownCategories } from "./api";
import { StateBadge } from "./components/StateBadge";
import { STATE_NAMES, type StateName } from "./search";
import "./i18n";

const route = getRouteApi("/agent/articles/");

/** `/agent/articles`: every article (drafts too) for agents and admins, filtered in the URL. */
export function ArticleListPage() {
  const { t, i18n } = useTranslation("kbEditor");
  const { t: tc } = useTranslation();
  useDocumentTitle(t("list.title"));
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const [text, setText] = useSearchText(search.q, (q) => void navigate({ search: (previous) => ({ ...previous, q }), replace: true }));
  const articles = useEditorArticles(search);
  const categories = useKnownCategories();
  const rows = articles.data?.pages.flatMap((page) => page.articles) ?? [];
  const filtered = Boolean(search.q || search.state || search.category);
  const categoryNames = [...new Set([...(categories.data ?? []), ...(search.category ? [search.category] : [])])].sort();

  const stateChip = (name: StateName | undefined) => {
    const selected = search.state === name;
    return (
      <Link
        key={name ?? "all"}
        from="/agent/articles/"
        search={(previous) => ({ ...previous, state: name })}
        replace
        aria-current={selected ? "true" : undefined}
        className={cx(
          "inline-flex h-8 items-center rounded-full border px-3 text-[13px] font-medium transition-colors",
          selected ? "border-accent bg-accent-soft text-accent-soft-fg" : "border-border bg-surface text-muted hover:text-fg",
        )}
      >
        {name ? t(`state.${name}`) : t("list.anyState")}
      </Link>
    );
  };

  return (
    <Page width="wide">
      <PageHeader
        title={t("list.title")}
        description={t("list.subtitle")}
        actions={
          <Link to="/agent/articles/new" className={buttonClasses("primary")}>
            <FilePlus2 aria-hidden="true" className="size-4" />
            {t("list.new")}
          </Link>
        }
      />
      <div className="mb-4 flex flex-col gap-3 sm:flex-row sm:items-end">
        <SearchInput className="flex-1" label={t("list.searchLabel")} value={text} onChange={setText} placeholder={t("list.searchPlaceholder")} />
        <div className="sm:w-56">
          <Select
            label={t("list.categoryFilter")}
            value={search.category ?? ""}
            options={[{ value: "", label: t("list.anyCategory") }, ...categoryNames.map((name) => ({ value: name, label: name }))]}
            onChange={(event) => void navigate({ search: (previous) => ({ ...previous, category: event.target.value || undefined }), replace: true })}
          />
        </div>
      </div>
      <nav aria-label={t("list.stateFilter")} className="mb-4 flex flex-wrap gap-2">
        {[undefined, ...STATE_NAMES].map(stateChip)}
      </nav>
      {articles.isPending ? (
        <div className="flex justify-center py-16">
          <Spinner size="lg" label={tc("app.loading")} />
        </div>
      ) : articles.isError ? (
        <ErrorBanner onRetry={() => void articles.refetch()}>{describeError(articles.error, tc)}</ErrorBanner>
      ) : rows.length === 0 ? (
        filtered ? (
          <EmptyState icon={SearchX} title={t("list.noMatchTitle")} body={t("list.noMatchBody")} />
        ) : (
          <EmptyState icon={FileText} title={t("list.emptyTitle")} body={t("list.emptyBody")} />
        )
      ) : (
        <>
          <ul aria-label={t("list.listLabel")} aria-busy={articles.isFetching || undefined} className="divide-y divide-border rounded-xl border border-border bg-surface shadow-xs">
            {rows.map((article) => (
              <li key={article.id}>
                <Link
                  to="/agent/articles/$articleId"
                  params={{ articleId: article.id }}
                  className="flex flex-col gap-2 px-4 py-3.5 hover:bg-subtle sm:flex-row sm:items-center sm:gap-4 sm:px-5"
                >
                  <div className="min-w-0 flex-1">
                    <span className="block truncate font-medium text-fg">{article.title}</span>
                    <span className="mt-0.5 flex flex-wrap gap-x-3 gap-y-1 text-xs text-muted">
                      {article.category ? <span>{article.category}</span> : null}
                      <span>
                        {t("list.updated", { when: formatRelative(article.updateTime ?? article.createTime, i18n.language) })}
                        {article.authorDisplayName ? ` ${t("list.by", { name: article.authorDisplayName })}` : ""}
                      </span>
                      {article.tags.length > 0 ? <span>{article.tags.map((tag) => `#${tag}`).join(" ")}</span> : null}
                    </span>
                  </div>
                  <span className="shrink-0 self-start sm:self-auto">
                    <StateBadge state={article.state} />
                  </span>
                </Link>
              </li>
            ))}
          </ul>
          {articles.hasNextPage ? (
            <div className="mt-4 flex justify-center">
              <Button variant="secondary" loading={articles.isFetchingNextPage} onClick={() => void articles.fetchNextPage()}>
                {tc("common.loadMore")}
              </Button>
            </div>
          ) : null}
        </>
      )}
    </Page>
  );
}
