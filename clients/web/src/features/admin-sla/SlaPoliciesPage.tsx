import { Clock } from "lucide-react";
import { useTranslation } from "react-i18next";
import { AdminList } from "@/components/admin/AdminList";
import { Badge } from "@/components";
import { useDeleteSlaPolicy, useSlaPolicies } from "./api";
import { priorityLabel, targetLabel } from "./labels";
import "./i18n";

/** `/admin/sla`: the SLA policies, most urgent first, with their targets and schedule. */
export function SlaPoliciesPage() {
  const { t } = useTranslation("adminSla");
  const policies = useSlaPolicies();
  const remove = useDeleteSlaPolicy();

  return (
    <AdminList
      ns="adminSla"
      query={policies}
      items={policies.data ?? []}
      icon={Clock}
      create="/admin/sla/new"
      edit={(policy) => ({ to: "/admin/sla/$policyId", params: { policyId: policy.id } })}
      remove={remove.mutateAsync}
      nameOf={(policy) => policy.displayName}
      badges={(policy) => (
        <>
          <Badge tone="accent">{priorityLabel(policy.priority, t)}</Badge>
          <Badge>{policy.category || t("anyCategory")}</Badge>
        </>
      )}
      about={(policy) => (
        <p className="mt-1 text-sm wrap-anywhere text-muted">
          {t("firstResponseShort", { target: targetLabel(policy.firstResponseTarget, t) })}
          {", "}
          {t("resolutionShort", { target: targetLabel(policy.resolutionTarget, t) })}
          {" · "}
          {policy.businessHours ? t("businessHoursIn", { zone: policy.businessHours.timeZone }) : t("aroundTheClock")}
        </p>
      )}
    />
  );
}
