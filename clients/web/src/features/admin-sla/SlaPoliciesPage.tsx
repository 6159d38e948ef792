import { Link } from "@tanstack/react-router";
import { Clock, Plus } from "lucide-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { AdminTabs } from "@/components/AdminTabs";
import { ItemList, ItemRow, ListStates } from "@/components/admin/ItemList";
import { useDeleteConfirm } from "@/components/admin/useDeleteConfirm";
import { Badge, buttonClasses, Button, ConfirmDialog, ErrorBanner, Page, PageHeader } from "@/components";
import { useDocumentTitle } from "@/lib/title";
import { useDeleteSlaPolicy, useSlaPolicies } from "./api";
import { priorityLabel, targetLabel } from "./labels";
import "./i18n";

/** `/admin/sla`: the SLA policies, most urgent first, with their targets and schedule. */
export function SlaPoliciesPage() {
  const { t } = useTranslation("adminSla");
  const { t: tc } = useTranslation();
  useDocumentTitle(t("title"));
  const policies = useSlaPolicies();
  const remove = useDeleteSlaPolicy();
  const deletion = useDeleteConfirm({ remove: remove.mutateAsync, onDeleted: (item) => setNotice({ tone: "info", text: t("deleted", { name: item.displayName }) }) });
  const [notice, setNotice] = useState<{ tone: "info" | "danger"; text: string }>();

  return (
    <Page width="wide">
      <AdminTabs />
      <PageHeader
        title={t("title")}
        description={t("subtitle")}
        actions={
          <Link to="/admin/sla/new" className={buttonClasses("primary")}>
            <Plus aria-hidden="true" className="size-4" />
            {t("add")}
          </Link>
        }
      />
      {notice ? (
        <ErrorBanner tone={notice.tone} className="mb-4" onDismiss={() => setNotice(undefined)}>
          {notice.text}
        </ErrorBanner>
      ) : null}
      <ListStates query={policies} items={policies.data ?? []} loadFailed={t("loadFailed")} empty={{ icon: Clock, title: t("emptyTitle"), body: t("emptyBody") }}>
        {(items) => (
          <ItemList label={t("listLabel")}>
            {items.map((policy) => (
              <ItemRow
                key={policy.id}
                title={
                  <>
                    <span className="font-medium text-fg">{policy.displayName}</span>
                    <Badge tone="accent">{priorityLabel(policy.priority, t)}</Badge>
                    <Badge>{policy.category || t("anyCategory")}</Badge>
                  </>
                }
                about={
                  <p className="mt-1 text-sm text-muted">
                    {t("firstResponseShort", { target: targetLabel(policy.firstResponseTarget, t) })}
                    {", "}
                    {t("resolutionShort", { target: targetLabel(policy.resolutionTarget, t) })}
                    {" · "}
                    {policy.businessHours ? t("businessHoursIn", { zone: policy.businessHours.timeZone }) : t("aroundTheClock")}
                  </p>
                }
                actions={
                  <>
                    <Link to="/admin/sla/$policyId" params={{ policyId: policy.id }} aria-label={t("editNamed", { name: policy.displayName })} className={buttonClasses("secondary", "sm")}>
                      {t("edit")}
                    </Link>
                    <Button
                      variant="ghost"
                      size="sm"
                      aria-label={t("deleteNamed", { name: policy.displayName })}
                      onClick={() => deletion.ask(policy)}
                    >
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
        title={t("confirmDeleteTitle", { name: deletion.doomed?.displayName ?? "" })}
        description={t("confirmDeleteBody")}
        cancelLabel={tc("common.cancel")}
        confirmLabel={t("delete")}
        pendingLabel={t("deleting")}
      />
    </Page>
  );
}
