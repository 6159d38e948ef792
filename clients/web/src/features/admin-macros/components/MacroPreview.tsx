import type { Agent } from "@helpdesk/client";
import { useTranslation } from "react-i18next";
import { Card } from "@/components";
import { cx } from "@/lib/cx";
import { previewSteps } from "../describe";
import type { ActionDraft } from "../model";

/** What the macro will do, in order, in plain words; replies and notes as an example ticket would get them (as text). */
export function MacroPreview({ steps, agents }: { steps: readonly ActionDraft[]; agents: readonly Agent[] }) {
  const { t } = useTranslation("adminMacros");
  const lines = previewSteps(steps, t, agents);
  return (
    <Card className="flex flex-col gap-3 p-5">
      <div>
        <h2 id="macro-preview" className="text-base font-semibold text-fg">
          {t("editor.preview")}
        </h2>
        <p className="mt-1 text-xs text-muted">{t("editor.previewHint")}</p>
      </div>
      {lines.length === 0 ? (
        <p className="text-sm text-muted">{t("does.nothing")}</p>
      ) : (
        <ol aria-labelledby="macro-preview" className="flex list-decimal flex-col gap-2.5 pl-5 text-sm text-fg marker:text-muted">
          {lines.map((line) => (
            <li key={line.key}>
              <p>{line.sentence}</p>
              {line.text !== undefined ? (
                <p className={cx("mt-1 rounded-lg border px-3 py-2 break-words whitespace-pre-wrap", line.internal ? "border-warning/40 bg-warning-soft" : "border-border bg-subtle")}>{line.text}</p>
              ) : null}
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}
