// The report's range, bucket, breakdown and filters. Every change goes to the URL (replacing the
// history entry), which the page reads: the URL is the only state.
import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Button, Card, Select, TextField } from "@/components";
import { PRIORITY_NAMES, type PriorityName } from "@/lib/ticket-names";
import { BUCKET_NAMES, DIMENSION_NAMES, parseDay, type BucketName, type DimensionName, type ReportRange, type ReportSearch } from "../search";

export interface AgentOption {
  id: string;
  name: string;
}

interface Props {
  search: ReportSearch;
  range: ReportRange;
  /** Agents for the agent filter; undefined hides it (agents only ever see themselves). */
  agents: AgentOption[] | undefined;
  /** Field errors from the server (query.start_time and query.end_time land on the dates). */
  serverErrors: Partial<Record<"from" | "to" | "agent" | "category", string>>;
  onChange: (next: ReportSearch) => void;
}

export function ReportFilters({ search, range, agents, serverErrors, onChange }: Props) {
  const { t } = useTranslation("reports");
  const [from, setFrom] = useState(range.from);
  const [to, setTo] = useState(range.to);
  const [category, setCategory] = useState(search.category ?? "");
  useEffect(() => setFrom(range.from), [range.from]);
  useEffect(() => setTo(range.to), [range.to]);
  useEffect(() => setCategory(search.category ?? ""), [search.category]);

  const fromError = parseDay(from) ? undefined : t("filters.invalidDate");
  const toError = !parseDay(to) ? t("filters.invalidDate") : parseDay(from) && to < from ? t("filters.toBeforeFrom") : undefined;

  const apply = (event?: FormEvent) => {
    event?.preventDefault();
    if (fromError || toError) return;
    const trimmed = category.trim();
    onChange({ ...search, from, to, category: trimmed === "" ? undefined : trimmed });
  };

  return (
    <Card className="mb-6 p-4 sm:p-5">
      <form aria-label={t("filters.label")} onSubmit={apply} className="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <TextField
          type="date"
          label={t("filters.from")}
          name="from"
          value={from}
          max={to}
          onChange={(event) => setFrom(event.target.value)}
          onBlur={() => apply()}
          error={from !== range.from ? fromError : (serverErrors.from ?? fromError)}
        />
        <TextField
          type="date"
          label={t("filters.to")}
          name="to"
          value={to}
          min={from}
          onChange={(event) => setTo(event.target.value)}
          onBlur={() => apply()}
          error={to !== range.to ? toError : (serverErrors.to ?? toError)}
        />
        <Select
          label={t("filters.bucket")}
          name="bucket"
          value={range.bucket}
          options={BUCKET_NAMES.map((name) => ({ value: name, label: t(`bucket.${name}`) }))}
          onChange={(event) => onChange({ ...search, bucket: event.target.value as BucketName })}
        />
        <Select
          label={t("filters.by")}
          name="by"
          value={search.by ?? ""}
          options={[{ value: "", label: t("filters.byNone") }, ...DIMENSION_NAMES.map((name) => ({ value: name, label: t(`dimension.${name}`) }))]}
          onChange={(event) => onChange({ ...search, by: (event.target.value || undefined) as DimensionName | undefined })}
        />
        <Select
          label={t("filters.priority")}
          name="priority"
          value={search.priority ?? ""}
          options={[{ value: "", label: t("filters.anyPriority") }, ...PRIORITY_NAMES.map((name) => ({ value: name, label: t(`priority.${name}`) }))]}
          onChange={(event) => onChange({ ...search, priority: (event.target.value || undefined) as PriorityName | undefined })}
        />
        <TextField
          label={t("filters.category")}
          name="category"
          value={category}
          hint={t("filters.categoryHint")}
          maxLength={100}
          onChange={(event) => setCategory(event.target.value)}
          onBlur={() => apply()}
          error={serverErrors.category}
        />
        {agents !== undefined ? (
          <Select
            label={t("filters.agent")}
            name="agent"
            value={search.agent ?? ""}
            options={[{ value: "", label: t("filters.anyAgent") }, ...agents.map((agent) => ({ value: agent.id, label: agent.name }))]}
            onChange={(event) => onChange({ ...search, agent: event.target.value || undefined })}
            error={serverErrors.agent}
          />
        ) : null}
        <div className="flex items-end">
          <Button type="submit" variant="secondary">
            {t("filters.apply")}
          </Button>
        </div>
      </form>
    </Card>
  );
}
