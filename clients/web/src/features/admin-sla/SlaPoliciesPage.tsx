import type { SlaPolicy } from "@helpdesk/client";
import { Link } from "@tanstack/react-router";
import { Clock, Plus } from "lucide-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { AdminTabs } from "@/components/AdminTabs";
import { ItemList, ItemRow, ListStates } from "@/components/admin/ItemList";
import { Badge, buttonClasses, Button, ConfirmDialog, ErrorBanner, Page, PageHeader } from "@/components";
import { describeError } from "@/lib/errors";
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
  const [doomed, setDoomed] = useState<SlaPolicy>();
  const [notice, setNotice] = useState<{ tone: "info" | "danger"; text: string }>();
  const [deleteError, setDeleteError] = useState<string>();

  const confirmDelete = async () => {
    if (!doomed) return;
    setDeleteError(undefined);
    try {
      await remove.mutateAsync(doomed);
      setNotice({ tone: "info", text: t("deleted", { name: doomed.displayName }) });
      setDoomed(undefined);
    } catch (error) {
      setDeleteError(describeError(error, tc));
    }
  };

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
                      onClick={() => {
                        setDeleteError(undefined);
                        setDoomed(policy);
                      }}
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
        open={doomed !== undefined}
        onClose={() => setDoomed(undefined)}
        onConfirm={() => void confirmDelete()}
        title={t("confirmDeleteTitle", { name: doomed?.displayName ?? "" })}
        description={t("confirmDeleteBody")}
        cancelLabel={tc("common.cancel")}
        confirmLabel={t("delete")}
        pendingLabel={t("deleting")}
        pending={remove.isPending}
        error={deleteError}
      />
    </Page>
  );
}
