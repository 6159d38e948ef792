import type { Article } from "@helpdesk/client";
import { TriangleAlert } from "lucide-react";
import { useTranslation } from "react-i18next";
import { Button } from "@/components";
import { MarkdownView } from "@/components/MarkdownView";
import { formatRelative } from "@/lib/format";
import { useStateName } from "./StateBadge";

/** "Changed by someone else": their version beside the kept edit, and the two ways out. */
export function ConflictPanel({ theirs, onKeepMine, onUseTheirs }: { theirs: Article; onKeepMine: () => void; onUseTheirs: () => void }) {
  const { t, i18n } = useTranslation("kbEditor");
  const stateName = useStateName();
  return (
    <section role="alert" aria-labelledby="conflict-title" className="rounded-xl border border-warning/40 bg-warning-soft p-4 sm:p-5">
      <h2 id="conflict-title" className="flex items-center gap-2 text-sm font-semibold text-fg">
        <TriangleAlert aria-hidden="true" className="size-4 text-warning" />
        {t("editor.conflict.title")}
      </h2>
      <p className="mt-1 text-sm text-fg">{t("editor.conflict.body")}</p>
      <details open className="mt-3 rounded-lg border border-border bg-surface">
        <summary className="cursor-pointer px-4 py-2 text-[13px] font-medium text-fg">
          {t("editor.conflict.theirs", { state: stateName(theirs.state), when: formatRelative(theirs.updateTime, i18n.language) })}
        </summary>
        <div className="max-h-72 overflow-y-auto border-t border-border px-4 py-3">
          <p className="text-base font-semibold text-fg">{theirs.title}</p>
          <MarkdownView source={theirs.body} className="mt-2 text-sm" />
        </div>
      </details>
      <div className="mt-3 flex flex-wrap items-center gap-2">
        <Button size="sm" onClick={onKeepMine}>
          {t("editor.conflict.keepMine")}
        </Button>
        <Button size="sm" variant="secondary" onClick={onUseTheirs}>
          {t("editor.conflict.useTheirs")}
        </Button>
        <span className="text-xs text-muted">{t("editor.conflict.keepMineHint")}</span>
      </div>
    </section>
  );
}
