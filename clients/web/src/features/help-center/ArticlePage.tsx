import { Code } from "@connectrpc/connect";
import { HelpdeskError } from "@helpdesk/client";
import { getRouteApi, Link } from "@tanstack/react-router";
import { ArrowLeft, FileQuestion } from "lucide-react";
import { useTranslation } from "react-i18next";
import { buttonClasses, EmptyState, ErrorBanner, Page, PageSpinner } from "@/components";
import { MarkdownView } from "@/components/MarkdownView";
import { useDocumentTitle } from "@/lib/title";
import { describeError } from "@/lib/errors";
import { formatDate } from "@/lib/format";
import { useArticle } from "./api";
import { ContactCallout } from "./components/ContactCallout";
import { VoteBox } from "./components/VoteBox";
import "./i18n";

const route = getRouteApi("/help/$slug");

/** `/help/$slug`: one published article (by slug or id), readable without signing in. */
export function ArticlePage() {
  const { t, i18n } = useTranslation("help");
  const { t: tc } = useTranslation();
  const { slug } = route.useParams();
  const article = useArticle(slug);
  useDocumentTitle(article.data?.title ?? t("title"));

  if (article.isPending) return <PageSpinner />;
  if (article.isError) {
    const code = HelpdeskError.from(article.error).code;
    return (
      <Page>
        {code === Code.NotFound || code === Code.InvalidArgument ? (
          <EmptyState
            icon={FileQuestion}
            title={t("notFoundTitle")}
            body={t("notFoundBody")}
            action={
              <Link to="/help" className={buttonClasses("secondary")}>
                {t("back")}
              </Link>
            }
          />
        ) : (
          <ErrorBanner onRetry={() => void article.refetch()}>{describeError(article.error, tc)}</ErrorBanner>
        )}
      </Page>
    );
  }
  const data = article.data;
  return (
    <Page width="default">
      <nav aria-label={t("back")} className="mb-5 flex items-center gap-1.5 text-sm text-muted">
        <Link to="/help" className="inline-flex items-center gap-1.5 rounded-md hover:text-fg">
          <ArrowLeft aria-hidden="true" className="size-4" />
          {t("back")}
        </Link>
        {data.category ? (
          <>
            <span aria-hidden="true">/</span>
            <Link to="/help" search={{ category: data.category }} className="rounded-md capitalize hover:text-fg">
              {data.category}
            </Link>
          </>
        ) : null}
      </nav>
      <article className="rounded-xl border border-border bg-surface px-5 py-6 shadow-xs sm:px-10 sm:py-10">
        <h1 className="text-2xl font-semibold tracking-tight break-words text-fg sm:text-3xl">{data.title}</h1>
        <p className="mt-2 text-sm text-muted">
          {t("updated", { date: formatDate(data.updateTime ?? data.publishTime, i18n.language) })} · {t("views", { count: data.viewCount })}
        </p>
        <div className="mt-6 border-t border-border pt-6">
          <MarkdownView source={data.body} />
        </div>
        {data.tags.length > 0 ? (
          <ul className="mt-8 flex flex-wrap gap-2">
            {data.tags.map((tag) => (
              <li key={tag} className="rounded-full bg-subtle px-2.5 py-0.5 text-xs text-muted">
                #{tag}
              </li>
            ))}
          </ul>
        ) : null}
      </article>
      <div className="mt-6 flex flex-col gap-4">
        <VoteBox article={data} slug={slug} />
        <ContactCallout />
      </div>
    </Page>
  );
}
