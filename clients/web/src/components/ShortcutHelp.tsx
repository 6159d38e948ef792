import { useTranslation } from "react-i18next";
import { useShortcutList, type ShortcutInfo } from "@/lib/shortcuts";
import { Dialog } from "./Dialog";
import { Kbd } from "./Kbd";

/** The dialog `?` opens: every shortcut that works on the current page, by group (loaded on first use). */
export function ShortcutHelp({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const shortcuts = useShortcutList();
  const groups = new Map<string, ShortcutInfo[]>();
  for (const shortcut of shortcuts) {
    const list = groups.get(shortcut.group) ?? [];
    if (!list.some((item) => item.keys === shortcut.keys)) list.push(shortcut);
    groups.set(shortcut.group, list);
  }
  return (
    <Dialog open={open} onClose={onClose} title={t("shortcuts.title")}>
      <div className="flex flex-col gap-4">
        {[...groups].map(([group, items]) => (
          <section key={group}>
            <h3 className="text-xs font-semibold tracking-wide text-muted uppercase">{group}</h3>
            <dl className="mt-2 flex flex-col gap-1.5">
              {items.map((item) => (
                <div key={item.keys} className="flex items-center justify-between gap-4 text-sm">
                  <dt className="text-fg">{item.description}</dt>
                  <dd>
                    <Kbd keys={item.keys} />
                  </dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
    </Dialog>
  );
}
