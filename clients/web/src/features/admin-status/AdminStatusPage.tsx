import { Activity, CircleCheck, CircleX, ExternalLink, RefreshCw, TriangleAlert } from "lucide-react";
import { useTranslation } from "react-i18next";
import { AdminPage } from "@/components/AdminTabs";
import { Badge, Button, Card, ErrorBanner, PageHeader, PageSpinner, type BadgeTone } from "@/components";
import { describeError } from "@/lib/errors";
import { useDocumentTitle } from "@/lib/title";
import { useHealth } from "./api";
import { shortName, verdict, type HealthState } from "./model/health";
import "./i18n";

const TONE: Record<HealthState, BadgeTone> = { serving: "success", notServing: "danger", unknown: "neutral", unreachable: "warning" };

/** `/admin/status`: the server's health per service (grpc.health.v1 through the gateway) and where the metrics are. */
export function AdminStatusPage() {
  const { t, i18n } = useTranslation("adminStatus");
  const { t: tc } = useTranslation();
  useDocumentTitle(t("title"));
  const health = useHealth();
  if (health.isPending) return <PageSpinner />;

  const result = health.data;
  const headline = result ? verdict(result.services) : "down";
  const Icon = headline === "operational" ? CircleCheck : headline === "degraded" ? TriangleAlert : CircleX;
  const iconTone = headline === "operational" ? "text-success" : headline === "degraded" ? "text-warning" : "text-danger";
  const host = window.location.hostname;
  return (
    <AdminPage narrow>
      <PageHeader
        title={t("title")}
        description={t("subtitle")}
        actions={
          <Button variant="secondary" icon={<RefreshCw aria-hidden="true" className="size-4" />} loading={health.isFetching} onClick={() => void health.refetch()}>
            {t("refresh")}
          </Button>
        }
      />
      {health.isError ? <ErrorBanner className="mb-4">{describeError(health.error, tc)}</ErrorBanner> : null}
      {result ? (
        <>
          <Card className="mb-6 flex items-start gap-4 p-5">
            <Icon aria-hidden="true" className={`mt-0.5 size-6 shrink-0 ${iconTone}`} />
            <div role="status" className="min-w-0">
              <h2 className="text-base font-semibold text-fg">{t(`verdict.${headline}`)}</h2>
              <p className="mt-1 text-sm text-muted">{t(`verdictBody.${headline}`)}</p>
              <p className="mt-2 text-xs text-muted">{t("checkedAt", { time: result.checkedAt.toLocaleTimeString(i18n.language) })}</p>
            </div>
          </Card>
          <h2 className="mb-3 text-sm font-semibold text-fg">{t("servicesLabel")}</h2>
          <ul aria-label={t("servicesLabel")} className="divide-y divide-border rounded-xl border border-border bg-surface shadow-xs">
            {result.services.map((entry) => (
              <li key={entry.service || "overall"} className="flex items-center justify-between gap-4 px-4 py-3 sm:px-5">
                <div className="min-w-0">
                  <span className="block font-medium text-fg">{t(`service.${shortName(entry.service)}`)}</span>
                  <span className="block truncate font-mono text-xs text-muted">{entry.service || "grpc.health.v1 (\"\")"}</span>
                </div>
                <Badge tone={TONE[entry.status]} dot>
                  {t(`state.${entry.status}`)}
                </Badge>
              </li>
            ))}
          </ul>
          <p className="mt-2 text-xs text-muted">{t("replicas")}</p>
        </>
      ) : null}
      <Card className="mt-8 p-5">
        <h2 className="flex items-center gap-2 text-base font-semibold text-fg">
          <Activity aria-hidden="true" className="size-4 text-accent" />
          {t("metrics.title")}
        </h2>
        <p className="mt-1 text-sm text-muted">
          {/* `…` in the text marks a name to type (a port's variable, a command): shown as code. */}
          {t("metrics.body")
            .split("`")
            .map((part, index) => (index % 2 ? <code key={index} className="font-mono text-[13px] text-fg">{part}</code> : part))}
        </p>
        <ul className="mt-3 flex flex-col gap-2 text-sm">
          {[
            { href: `http://${host}:9901/stats/prometheus`, label: t("metrics.gateway") },
            { href: "/docs/", label: t("metrics.api") },
          ].map((link) => (
            <li key={link.href}>
              <a href={link.href} target="_blank" rel="noopener noreferrer" className="inline-flex items-center gap-1.5 rounded-md text-accent underline underline-offset-4">
                {link.label}
                <ExternalLink aria-hidden="true" className="size-3.5" />
              </a>
              <span className="ml-2 font-mono text-xs break-all text-muted">{link.href.startsWith("/") ? "" : link.href}</span>
            </li>
          ))}
        </ul>
      </Card>
    </AdminPage>
  );
}
