import { ArticleVote, type Article } from "@helpdesk/client";
import { Link } from "@tanstack/react-router";
import { ThumbsDown, ThumbsUp } from "lucide-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Button, ErrorBanner } from "@/components";
import { useSession } from "@/lib/client";
import { readDraft, writeDraft } from "@/lib/drafts";
import { describeError } from "@/lib/errors";
import { useVote } from "../api";

/** "Was this helpful?": signed-in readers vote once per article (remembered for this tab). */
export function VoteBox({ article, slug }: { article: Article; slug: string }) {
  const { t } = useTranslation("help");
  const { t: tc } = useTranslation();
  const { state } = useSession();
  const vote = useVote(slug);
  const key = `vote.${article.id}`;
  const [voted, setVoted] = useState<boolean>(() => readDraft(key, false));

  const cast = (value: ArticleVote) =>
    vote.mutate(
      { id: article.id, vote: value },
      {
        onSuccess: () => {
          writeDraft(key, true);
          setVoted(true);
        },
      },
    );

  return (
    <section aria-labelledby="vote-question" className="flex flex-col gap-3 rounded-xl border border-border bg-surface p-5 sm:flex-row sm:items-center sm:justify-between">
      <h2 id="vote-question" className="font-medium text-fg">
        {t("helpfulQuestion")}
      </h2>
      {voted ? (
        <p role="status" className="text-sm text-success">
          {t("thanks")}
        </p>
      ) : state.status === "signedIn" ? (
        <div className="flex gap-2">
          <Button variant="secondary" size="sm" disabled={vote.isPending} onClick={() => cast(ArticleVote.HELPFUL)} icon={<ThumbsUp aria-hidden="true" className="size-4" />}>
            {t("helpful")}
          </Button>
          <Button variant="secondary" size="sm" disabled={vote.isPending} onClick={() => cast(ArticleVote.NOT_HELPFUL)} icon={<ThumbsDown aria-hidden="true" className="size-4" />}>
            {t("notHelpful")}
          </Button>
        </div>
      ) : (
        <Link to="/sign-in" search={{ redirect: `/help/${slug}` }} className="text-sm font-medium text-accent hover:underline">
          {t("signInToVote")}
        </Link>
      )}
      {vote.isError ? <ErrorBanner className="sm:basis-full">{describeError(vote.error, tc)}</ErrorBanner> : null}
    </section>
  );
}
