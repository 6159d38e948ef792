import { Plus, X } from "lucide-react";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Button, Select, TextField } from "@/components";
import { LABEL } from "@/components/Field";
import { WEEKDAYS, type PolicyDraft, type Span } from "../model";

type Errors = Record<string, string | undefined>;
// The columns of a span's row (from tablet width up), shared by the row of column labels above them.
const SPAN_COLUMNS = "gap-2 sm:grid-cols-[1.4fr_1fr_1fr_2.5rem]";

/** The business-hours part of the editor: time zone, the weekly spans, and the holidays. */
export function ScheduleFields({
  draft,
  errors,
  onChange,
}: {
  draft: PolicyDraft;
  errors: Errors;
  onChange: (change: Partial<PolicyDraft>, cleared: string[]) => void;
}) {
  const { t } = useTranslation("adminSla");
  const [holiday, setHoliday] = useState("");
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  const dayOptions = WEEKDAYS.map((day) => ({ value: String(day), label: t(`weekday.${day}`) }));

  const setSpan = (index: number, change: Partial<Span>, field: string) =>
    onChange({ spans: draft.spans.map((span, at) => (at === index ? { ...span, ...change } : span)) }, [`span.${index}.${field}`, "spans"]);
  const addHoliday = () => {
    if (!holiday || draft.holidays.includes(holiday)) return;
    onChange({ holidays: [...draft.holidays, holiday].sort() }, ["holidays"]);
    setHoliday("");
  };

  return (
    <div className="flex flex-col gap-5">
      <TextField
        id="sla-timeZone"
        label={t("editor.timeZone")}
        hint={t("editor.timeZoneHint")}
        list="sla-time-zones"
        autoComplete="off"
        value={draft.timeZone}
        error={errors.timeZone}
        onChange={(event) => onChange({ timeZone: event.target.value }, ["timeZone"])}
      />
      <datalist id="sla-time-zones">
        {zones.map((zone) => (
          <option key={zone} value={zone} />
        ))}
      </datalist>
      <fieldset className="flex flex-col gap-3">
        <legend className="mb-2 text-sm font-medium text-fg">{t("editor.hours")}</legend>
        {errors.spans ? (
          <p id="sla-spans" tabIndex={-1} className="text-sm text-danger">
            {errors.spans}
          </p>
        ) : null}
        {/* From tablet width up the spans are rows of a table: their labels once, over the columns, and
            each row's own labels for screen readers only (every control is named with its span's
            number). On a phone each span is a card of its own, labelled. */}
        <div aria-hidden="true" className={`hidden ${SPAN_COLUMNS} ${LABEL} sm:grid`}>
          <span>{t("editor.day")}</span>
          <span>{t("editor.start")}</span>
          <span>{t("editor.end")}</span>
        </div>
        <ol className="flex flex-col gap-3">
          {draft.spans.map((span, index) => {
            const n = index + 1;
            return (
              <li key={index} className={`grid grid-cols-2 items-start rounded-lg border border-border p-3 sm:border-0 sm:p-0 sm:[&_label]:sr-only ${SPAN_COLUMNS}`}>
                <div className="col-span-2 sm:col-span-1">
                  <Select
                    id={`sla-span-${index}-day`}
                    label={t("editor.day")}
                    aria-label={t("editor.dayOf", { n })}
                    value={String(span.day)}
                    options={dayOptions}
                    error={errors[`span.${index}.day`]}
                    onChange={(event) => setSpan(index, { day: Number(event.target.value) as Span["day"] }, "day")}
                  />
                </div>
                <TextField
                  id={`sla-span-${index}-start`}
                  type="time"
                  label={t("editor.start")}
                  aria-label={t("editor.startOf", { n })}
                  value={span.start}
                  error={errors[`span.${index}.start`]}
                  onChange={(event) => setSpan(index, { start: event.target.value }, "start")}
                />
                <TextField
                  id={`sla-span-${index}-end`}
                  type="time"
                  label={t("editor.end")}
                  aria-label={t("editor.endOf", { n })}
                  value={span.end}
                  error={errors[`span.${index}.end`]}
                  onChange={(event) => setSpan(index, { end: event.target.value }, "end")}
                />
                <div className="col-span-2 flex justify-end sm:col-span-1 sm:h-10 sm:items-center">
                  <Button
                    variant="ghost"
                    size="sm"
                    aria-label={t("editor.removeSpan", { n })}
                    icon={<X aria-hidden="true" className="size-4" />}
                    onClick={() => onChange({ spans: draft.spans.filter((_, at) => at !== index) }, Object.keys(errors).filter((key) => key.startsWith("span.")))}
                  />
                </div>
              </li>
            );
          })}
        </ol>
        <div>
          <Button
            variant="secondary"
            size="sm"
            icon={<Plus aria-hidden="true" className="size-4" />}
            onClick={() => onChange({ spans: [...draft.spans, { day: WEEKDAYS[5], start: "09:00", end: "13:00" }] }, ["spans"])}
          >
            {t("editor.addSpan")}
          </Button>
        </div>
      </fieldset>
      <fieldset className="flex flex-col gap-3">
        <legend className="mb-1 text-sm font-medium text-fg">{t("editor.holidays")}</legend>
        <p className="text-sm text-muted">{t("editor.holidaysHint")}</p>
        {errors.holidays ? <p className="text-sm text-danger">{errors.holidays}</p> : null}
        {draft.holidays.length === 0 ? (
          <p className="text-sm text-muted">{t("editor.noHolidays")}</p>
        ) : (
          <ul aria-label={t("editor.holidays")} className="flex flex-wrap gap-2">
            {draft.holidays.map((date, index) => (
              <li key={date} className="flex flex-col gap-1">
                <span className="inline-flex h-8 items-center gap-1 rounded-full border border-border bg-subtle pr-1 pl-3 text-sm text-fg">
                  {date}
                  <button
                    type="button"
                    aria-label={t("editor.removeHoliday", { date })}
                    className="rounded-full p-1 text-muted hover:bg-surface hover:text-fg"
                    onClick={() => onChange({ holidays: draft.holidays.filter((day) => day !== date) }, ["holidays"])}
                  >
                    <X aria-hidden="true" className="size-3.5" />
                  </button>
                </span>
                {errors[`holiday.${index}`] ? <span className="text-xs text-danger">{errors[`holiday.${index}`]}</span> : null}
              </li>
            ))}
          </ul>
        )}
        <div className="flex items-end gap-2">
          <TextField
            id="sla-holiday"
            type="date"
            label={t("editor.holiday")}
            value={holiday}
            onChange={(event) => setHoliday(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === "Enter") {
                event.preventDefault();
                addHoliday();
              }
            }}
          />
          <Button variant="secondary" className="mb-px h-10" onClick={addHoliday} disabled={!holiday}>
            {t("editor.addHoliday")}
          </Button>
        </div>
      </fieldset>
    </div>
  );
}
