import { getRouteApi, Link, useNavigate } from "@tanstack/react-router";
import { BookOpen, SearchX } from "lucide-react";
import { useTranslation } from "react-i18next";
import { Button, EmptyState, ErrorBanner, Page, SearchInput } from "@/components";
import { useDocumentTitle } from "@/lib/title";
import { cx } from "@/lib/cx";
import { useSearchText } from "@/lib/search-text";
import { describeError } from "@/lib/errors";
import { useArticleList, useArticleSearch, useCategories } from "./api";
import { ArticleLinks, SearchResults } from "./components/ArticleCards";
import { ContactCallout } from "./components/ContactCallout";
import "./i18n";

const route = getRouteApi("/help");

function ListSkeleton() {
  return (
    <ul aria-hidden="true" className="divide-y divide-border rounded-xl border border-border bg-surface">
      {[0, 1, 2].map((row) => (
        <li key={row} className="space-y-2 px-5 py-4">
          <div className="h-3.5 w-1/2 animate-pulse rounded bg-subtle" />
          <div className="h-3 w-3/4 animate-pulse rounded bg-subtle" />
        </li>
      ))}
    </ul>
  );
}

/** `/help`: search with highlighted snippets, categories, popular articles. Open to everyone. */
export function HelpCenterPage() {
  const { t } = useTranslation("help");
  const { t: tc } = useTranslation();
  useDocumentTitle(t("title"));
  const search = route.useSearch();
  const navigate = useNavigate({ from: "/help" });
  const [text, setText] = useSearchText(search.q, (q) => void navigate({ search: (prev) => ({ ...prev, q }), replace: true }));
  const query = search.q ?? "";
  const category = search.category ?? "";

  const results = useArticleSearch(query, category);
  const list = useArticleList(category);
  const categories = useCategories();

  const active = query ? results : list;
  let body;
  if (query) {
    const found = results.data?.pages.flatMap((page) => page.results) ?? [];
    body = results.isPending ? (
      <ListSkeleton />
    ) : results.isError ? (
      <ErrorBanner onRetry={() => void results.refetch()}>{describeError(results.error, tc)}</ErrorBanner>
    ) : found.length === 0 ? (
      <EmptyState icon={SearchX} title={t("noResultsTitle", { query })} body={t("noResultsBody")} />
    ) : (
      <>
        <h2 className="mb-3 text-sm font-medium text-muted" aria-live="polite">
          {results.hasNextPage ? t("moreResults", { query }) : t("results", { count: found.length, query })}
        </h2>
        <SearchResults results={found} />
      </>
    );
  } else {
    const articles = list.data?.pages.flatMap((page) => page.articles) ?? [];
    body = list.isPending ? (
      <ListSkeleton />
    ) : list.isError ? (
      <ErrorBanner onRetry={() => void list.refetch()}>{describeError(list.error, tc)}</ErrorBanner>
    ) : articles.length === 0 ? (
      <EmptyState icon={BookOpen} title={t("emptyTitle")} body={t("emptyBody")} />
    ) : (
      <>
        <h2 className="mb-3 text-sm font-semibold text-fg">{category ? t("inCategory", { category }) : t("popular")}</h2>
        <ArticleLinks articles={articles} />
      </>
    );
  }

  const chip = (selected: boolean) =>
    cx(
      "inline-flex h-8 items-center gap-1.5 rounded-full border px-3 text-[13px] font-medium capitalize transition-colors",
      selected ? "border-accent bg-accent-soft text-accent-soft-fg" : "border-border bg-surface text-muted hover:text-fg",
    );

  return (
    <div>
      <div className="border-b border-border bg-surface">
        <div className="mx-auto max-w-4xl px-4 py-10 text-center sm:px-6 sm:py-14">
          <h1 className="text-2xl font-semibold tracking-tight text-fg sm:text-3xl">{t("title")}</h1>
          <p className="mt-2 text-sm text-muted sm:text-base">{t("subtitle")}</p>
          <form role="search" className="mx-auto mt-6 max-w-xl" onSubmit={(event) => event.preventDefault()}>
            <SearchInput size="lg" label={t("searchLabel")} value={text} onChange={setText} placeholder={t("searchPlaceholder")} />
          </form>
        </div>
      </div>
      <Page width="default" className="pt-6 sm:pt-8">
        {categories.data && categories.data.categories.length > 0 ? (
          <nav aria-label={t("categories")} className="mb-6 flex flex-wrap gap-2">
            <Link to="/help" search={(prev) => ({ ...prev, category: undefined })} className={chip(category === "")} aria-current={category === "" ? "page" : undefined}>
              {t("allCategories")}
            </Link>
            {categories.data.categories.map((item) => (
              <Link
                key={item.name}
                to="/help"
                search={(prev) => ({ ...prev, category: item.name })}
                className={chip(category === item.name)}
                aria-current={category === item.name ? "page" : undefined}
              >
                {item.name}
                <span className="text-xs font-normal opacity-80">{item.publishedArticleCount}</span>
              </Link>
            ))}
          </nav>
        ) : null}
        <div aria-busy={active.isFetching}>{body}</div>
        {active.hasNextPage ? (
          <div className="mt-4 flex justify-center">
            <Button variant="secondary" loading={active.isFetchingNextPage} onClick={() => void active.fetchNextPage()}>
              {tc("common.loadMore")}
            </Button>
          </div>
        ) : null}
        <div className="mt-10">
          <ContactCallout />
        </div>
      </Page>
    </div>
  );
}
