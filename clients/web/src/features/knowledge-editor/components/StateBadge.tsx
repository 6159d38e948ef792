import { ArticleState } from "@helpdesk/client";
import { useTranslation } from "react-i18next";
import { Badge } from "@/components";

/** Draft / Published / Archived, with a dot so the state does not rest on colour alone. */
export function StateBadge({ state }: { state: ArticleState }) {
  const { t } = useTranslation("kbEditor");
  if (state === ArticleState.PUBLISHED) return <Badge tone="success" dot>{t("state.published")}</Badge>;
  if (state === ArticleState.ARCHIVED) return <Badge tone="neutral" dot>{t("state.archived")}</Badge>;
  return <Badge tone="warning" dot>{t("state.draft")}</Badge>;
}

/** The state's name, for sentences. */
export function useStateName(): (state: ArticleState) => string {
  const { t } = useTranslation("kbEditor");
  return (state) => t(state === ArticleState.PUBLISHED ? "state.published" : state === ArticleState.ARCHIVED ? "state.archived" : "state.draft");
}
