import { Code } from "@connectrpc/connect";
import { HelpdeskError } from "@helpdesk/client";
import { getRouteApi, Link } from "@tanstack/react-router";
import { FileQuestion } from "lucide-react";
import { useTranslation } from "react-i18next";
import { buttonClasses, EmptyState, ErrorBanner, Page, PageSpinner } from "@/components";
import { describeError } from "@/lib/errors";
import { useEditorArticle } from "./api";
import { ArticleEditor } from "./components/ArticleEditor";
import "./i18n";

const route = getRouteApi("/agent/articles/$articleId");

/** `/agent/articles/new`: a new article, kept as a draft in this tab until saved. */
export function NewArticlePage() {
  return <ArticleEditor article={undefined} />;
}

/** `/agent/articles/{id}`: the stored article in the editor. */
export function ArticleEditorPage() {
  const { articleId } = route.useParams();
  const { t } = useTranslation("kbEditor");
  const { t: tc } = useTranslation();
  const article = useEditorArticle(articleId);
  if (article.isPending) return <PageSpinner />;
  if (article.isError) {
    const missing = HelpdeskError.from(article.error).code === Code.NotFound;
    return (
      <Page width="default">
        {missing ? (
          <EmptyState
            icon={FileQuestion}
            title={t("editor.notFound")}
            action={
              <Link to="/agent/articles" className={buttonClasses("secondary")}>
                {t("editor.back")}
              </Link>
            }
          />
        ) : (
          <ErrorBanner onRetry={() => void article.refetch()}>{describeError(article.error, tc)}</ErrorBanner>
        )}
      </Page>
    );
  }
  return <ArticleEditor key={article.data.id} article={article.data} />;
}
