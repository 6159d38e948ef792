import { Role, type CannedResponse } from "@helpdesk/client";
import { MessageSquareText, Plus } from "lucide-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { AdminTabs } from "@/components/AdminTabs";
import { ItemList, ItemRow, ListStates } from "@/components/admin/ItemList";
import { useDeleteConfirm } from "@/components/admin/useDeleteConfirm";
import { Badge, Button, ConfirmDialog, ErrorBanner, Page, PageHeader, SearchInput } from "@/components";
import { useSession } from "@/lib/client";
import { useDebounced } from "@/lib/debounce";
import { useDocumentTitle } from "@/lib/title";
import { CannedResponseScope, useDeleteResponse, useManagedResponses } from "./api";
import { ResponseDialog } from "./components/ResponseDialog";
import "./i18n";

/**
 * `/agent/canned-responses`: the team's responses (admins write them) and one's own. Agents edit
 * their personal ones; admins edit every shared one as well.
 */
export function CannedResponsesPage() {
  const { t } = useTranslation("manageResponses");
  const { t: tc } = useTranslation();
  useDocumentTitle(t("title"));
  const { user: me } = useSession();
  const admin = me?.role === Role.ADMIN;
  const [query, setQuery] = useState("");
  const settled = useDebounced(query.trim(), 300);
  const responses = useManagedResponses(settled);
  const remove = useDeleteResponse();
  const deletion = useDeleteConfirm({ remove: remove.mutateAsync, onDeleted: (item) => setNotice({ tone: "info", text: t("deleted", { title: item.title }) }) });
  const [editing, setEditing] = useState<{ existing?: CannedResponse }>();
  const [notice, setNotice] = useState<{ tone: "info" | "danger"; text: string }>();

  const editable = (response: CannedResponse) => (response.scope === CannedResponseScope.SHARED ? admin : response.ownerId === me?.id);
  const rows = responses.data ?? [];
  return (
    <Page width="wide">
      {admin ? <AdminTabs /> : null}
      <PageHeader
        title={t("title")}
        description={t("subtitle")}
        actions={
          <Button icon={<Plus aria-hidden="true" className="size-4" />} onClick={() => setEditing({})}>
            {t("add")}
          </Button>
        }
      />
      {/* Nothing to search until there is a response. A search on keeps its box, matching nothing or
          cleared and still loading the whole list (the cleared search's empty answer shows meanwhile). */}
      {rows.length > 0 || query || settled || responses.isPlaceholderData ? (
        <SearchInput className="mb-4" label={t("search")} value={query} onChange={setQuery} placeholder={t("searchPlaceholder")} />
      ) : null}
      {notice ? (
        <ErrorBanner tone={notice.tone} className="mb-4" onDismiss={() => setNotice(undefined)}>
          {notice.text}
        </ErrorBanner>
      ) : null}
      <ListStates query={responses} items={rows} loadFailed={t("loadFailed")} empty={settled ? { noMatch: t("noMatch") } : { icon: MessageSquareText, title: t("emptyTitle"), body: t("emptyBody") }}>
        {(items) => (
          <ItemList label={t("listLabel")} busy={responses.isFetching}>
            {items.map((response) => (
              <ItemRow
                key={response.id}
                title={
                  <>
                    <span className="min-w-0 font-medium wrap-anywhere text-fg">{response.title}</span>
                    <Badge tone={response.scope === CannedResponseScope.SHARED ? "accent" : "neutral"}>
                      {response.scope === CannedResponseScope.SHARED ? t("shared") : t("personal")}
                    </Badge>
                    <span className="text-xs text-muted">{t("by", { name: response.authorDisplayName })}</span>
                  </>
                }
                about={<p className="mt-1 line-clamp-2 text-sm wrap-anywhere text-muted">{response.body}</p>}
                actions={
                  editable(response) ? (
                    <>
                      <Button variant="secondary" size="sm" aria-label={t("editNamed", { title: response.title })} onClick={() => setEditing({ existing: response })}>
                        {t("edit")}
                      </Button>
                      <Button
                        variant="ghost"
                        size="sm"
                        aria-label={t("deleteNamed", { title: response.title })}
                        onClick={() => deletion.ask(response)}
                      >
                        {t("delete")}
                      </Button>
                    </>
                  ) : undefined
                }
              />
            ))}
          </ItemList>
        )}
      </ListStates>
      <ResponseDialog
        open={editing !== undefined}
        existing={editing?.existing}
        canShare={admin}
        onClose={() => setEditing(undefined)}
        onSaved={(response, created) => {
          setEditing(undefined);
          setNotice({ tone: "info", text: t(created ? "created" : "saved", { title: response.title }) });
        }}
        onConflict={(title) => {
          setEditing(undefined);
          setNotice({ tone: "danger", text: t("conflict", { title }) });
        }}
      />
      <ConfirmDialog
        {...deletion.dialog}
        title={t("confirmDeleteTitle", { title: deletion.doomed?.title ?? "" })}
        description={t("confirmDeleteBody")}
        cancelLabel={tc("common.cancel")}
        confirmLabel={t("delete")}
        pendingLabel={t("deleting")}
      />
    </Page>
  );
}
