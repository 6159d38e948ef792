// The phone layout's tabs: the queue, then one tab per chat. Arrow keys, Home and End move between
// tabs (the ARIA tabs pattern); the queue tab shows how many wait, each chat tab its unread count.

import type { KeyboardEvent, ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { cx } from "@/lib/cx";
import { AGENT_CHAT_NAMESPACE } from "../i18n";
import { CountBadge } from "./MyChatsList";

export interface ConsoleTab {
  id: string;
  label: string;
  /** A count beside the label (waiting chats, unread messages), and what it means for screen readers. */
  count: number;
  countLabel: string;
}

export const tabId = (id: string): string => `console-tab-${id}`;
export const panelId = "console-panel";

export function ConsoleTabs({ tabs, selected, onSelect, children }: { tabs: readonly ConsoleTab[]; selected: string; onSelect: (id: string) => void; children: ReactNode }) {
  const { t } = useTranslation(AGENT_CHAT_NAMESPACE);
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const index = tabs.findIndex((tab) => tab.id === selected);
    const moves: Record<string, number> = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 };
    const target = moves[event.key];
    if (target === undefined) {
      return;
    }
    event.preventDefault();
    const next = tabs[(target + tabs.length) % tabs.length];
    if (next) {
      onSelect(next.id);
      document.getElementById(tabId(next.id))?.focus();
    }
  };
  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <div role="tablist" aria-label={t("mine.tabs")} onKeyDown={onKeyDown} className="flex shrink-0 gap-1 overflow-x-auto border-b border-border px-2">
        {tabs.map((tab) => {
          const active = tab.id === selected;
          return (
            <button
              key={tab.id}
              id={tabId(tab.id)}
              type="button"
              role="tab"
              aria-selected={active}
              aria-controls={panelId}
              tabIndex={active ? 0 : -1}
              onClick={() => onSelect(tab.id)}
              className={cx(
                "-mb-px flex shrink-0 items-center gap-1.5 border-b-2 px-3 py-2.5 text-sm font-medium whitespace-nowrap",
                active ? "border-accent text-fg" : "border-transparent text-muted hover:text-fg",
              )}
            >
              <span className="max-w-40 truncate">{tab.label}</span>
              {tab.count > 0 ? <CountBadge count={tab.count} label={tab.countLabel} /> : null}
            </button>
          );
        })}
      </div>
      <div id={panelId} role="tabpanel" aria-labelledby={tabId(selected)} className="flex min-h-0 flex-1 flex-col">
        {children}
      </div>
    </div>
  );
}
