import { Link } from "@tanstack/react-router";
import { AlarmClock, CheckCircle2, Clock, Inbox, Layers, UserRound } from "lucide-react";
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { cx } from "@/lib/cx";
import { formatNumber } from "@/lib/format";
import { VIEWS, type ViewName } from "../search";

const ICONS = { mine: UserRound, unassigned: Inbox, open: Layers, breached: AlarmClock, waiting: Clock, resolved: CheckCircle2 } as const;

/** The views with their counts: a column on wide screens, a scrolling row on narrow ones. */
export function ViewNav({ current, counts }: { current: ViewName; counts: Partial<Record<ViewName, number>> }) {
  const { t, i18n } = useTranslation("workspace");
  // On a phone the views are a row wider than the screen: the current one is scrolled into sight.
  const currentRef = useRef<HTMLAnchorElement>(null);
  useEffect(() => {
    currentRef.current?.scrollIntoView?.({ block: "nearest", inline: "nearest" });
  }, [current]);
  return (
    <nav aria-label={t("views.label")} className="-mx-4 overflow-x-auto px-4 lg:mx-0 lg:overflow-visible lg:px-0">
      <ul className="flex gap-1 lg:flex-col">
        {VIEWS.map((view) => {
          const Icon = ICONS[view];
          const count = counts[view];
          const active = view === current;
          return (
            <li key={view} className="shrink-0">
              <Link
                to="/agent/tickets"
                search={view === "mine" ? {} : { view }}
                ref={active ? currentRef : undefined}
                aria-current={active ? "page" : undefined}
                className={cx(
                  "flex h-9 items-center gap-2.5 rounded-lg px-3 text-sm whitespace-nowrap",
                  active ? "bg-accent-soft font-medium text-accent-soft-fg" : "text-muted hover:bg-subtle hover:text-fg",
                )}
              >
                <Icon aria-hidden="true" className="size-4 shrink-0" />
                <span className="flex-1">{t(`views.${view}`)}</span>
                <span className={cx("min-w-6 text-right text-xs tabular-nums", active ? "" : "text-muted")}>
                  {count === undefined ? "" : formatNumber(count, i18n.language)}
                </span>
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
