// An admin page listing stored things that each have an editor page (macros, SLA policies): the admin
// tabs, the header with its "New" link, the list with each row's Edit link and Delete button, the
// "Delete X?" dialog, and a notice once one is deleted. The page gives its rows' content, where its
// links lead, and its strings: the i18n namespace `ns` holds title, subtitle, add, listLabel,
// loadFailed, emptyTitle, emptyBody, edit, editNamed, delete, deleteNamed, deleting, deleted,
// confirmDeleteTitle and confirmDeleteBody (`{{name}}` is the item's name in those that name it).
import type { UseQueryResult } from "@tanstack/react-query";
import { Link, type LinkOptions } from "@tanstack/react-router";
import { Plus, type LucideIcon } from "lucide-react";
import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useDocumentTitle } from "@/lib/title";
import { AdminPage } from "../AdminTabs";
import { Button, buttonClasses } from "../Button";
import { ConfirmDialog } from "../ConfirmDialog";
import { ErrorBanner } from "../ErrorBanner";
import { PageHeader } from "../Page";
import { ItemList, ItemRow, ListStates } from "./ItemList";
import { useDeleteConfirm } from "./useDeleteConfirm";

export function AdminList<T extends { id: string }>({
  ns,
  query,
  items,
  icon,
  search,
  noMatch,
  create,
  edit,
  remove,
  nameOf,
  badges,
  about,
}: {
  ns: string;
  query: Pick<UseQueryResult<unknown>, "isPending" | "isError" | "error" | "refetch">;
  /** The items shown (those matching the search, if there is one). */
  items: readonly T[];
  /** The empty state's icon. */
  icon: LucideIcon;
  /** A search box above the list, if the page has one. */
  search?: ReactNode;
  /** While a search is on: the line that says nothing matches it (instead of the empty state). */
  noMatch?: string;
  /** Where the "New" link leads. */
  create: LinkOptions["to"];
  /** Where an item's Edit link leads. */
  edit: (item: T) => LinkOptions;
  /** Deletes the item (a rejection is shown in the dialog). */
  remove: (item: T) => Promise<unknown>;
  nameOf: (item: T) => string;
  /** A row's badges, after its name on the title line, and what is said under it. */
  badges: (item: T) => ReactNode;
  about: (item: T) => ReactNode;
}) {
  const { t } = useTranslation(ns);
  const { t: tc } = useTranslation();
  useDocumentTitle(t("title"));
  const [notice, setNotice] = useState<string>();
  const deletion = useDeleteConfirm({ remove, onDeleted: (item) => setNotice(t("deleted", { name: nameOf(item) })) });

  return (
    <AdminPage>
      <PageHeader
        title={t("title")}
        description={t("subtitle")}
        actions={
          <Link to={create} className={buttonClasses("primary")}>
            <Plus aria-hidden="true" className="size-4" />
            {t("add")}
          </Link>
        }
      />
      {search}
      {notice ? (
        <ErrorBanner tone="info" className="mb-4" onDismiss={() => setNotice(undefined)}>
          {notice}
        </ErrorBanner>
      ) : null}
      <ListStates query={query} items={items} loadFailed={t("loadFailed")} empty={noMatch ? { noMatch } : { icon, title: t("emptyTitle"), body: t("emptyBody") }}>
        {(shown) => (
          <ItemList label={t("listLabel")}>
            {shown.map((item) => (
              <ItemRow
                key={item.id}
                title={
                  <>
                    {/* A name of one long word wraps rather than pushing the page sideways on a phone. */}
                    <span className="min-w-0 font-medium wrap-anywhere text-fg">{nameOf(item)}</span>
                    {badges(item)}
                  </>
                }
                about={about(item)}
                actions={
                  <>
                    <Link {...edit(item)} aria-label={t("editNamed", { name: nameOf(item) })} className={buttonClasses("secondary", "sm")}>
                      {t("edit")}
                    </Link>
                    <Button variant="ghost" size="sm" aria-label={t("deleteNamed", { name: nameOf(item) })} onClick={() => deletion.ask(item)}>
                      {t("delete")}
                    </Button>
                  </>
                }
              />
            ))}
          </ItemList>
        )}
      </ListStates>
      <ConfirmDialog
        {...deletion.dialog}
        title={t("confirmDeleteTitle", { name: deletion.doomed ? nameOf(deletion.doomed) : "" })}
        description={t("confirmDeleteBody")}
        cancelLabel={tc("common.cancel")}
        confirmLabel={t("delete")}
        pendingLabel={t("deleting")}
      />
    </AdminPage>
  );
}
