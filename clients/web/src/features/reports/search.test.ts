import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { DurationSummarySchema, RatingFiguresSchema, ReportBucket, ReportDimension, TicketPriority } from "@helpdesk/client";
import { averageRating, csvFileName, durationParts, measured, reportQuery } from "./model";
import { addDays, parseDay, parseReportSearch, settleRange } from "./search";

describe("parseReportSearch", () => {
  it("keeps a well-formed range, bucket, breakdown and filters", () => {
    expect(
      parseReportSearch({ from: "2026-11-08", to: "2026-12-07", bucket: "week", by: "agent", agent: "u-1", category: " Billing ", priority: "HIGH" }),
    ).toEqual({ from: "2026-11-08", to: "2026-12-07", bucket: "week", by: "agent", agent: "u-1", category: "Billing", priority: "high" });
  });

  it("drops what is malformed instead of failing the page", () => {
    expect(parseReportSearch({ from: "2026-02-30", to: "yesterday", bucket: "month", by: "team", priority: "asap", category: "  " })).toEqual({});
  });
});

describe("settleRange", () => {
  const today = new Date(2026, 11, 7, 12);

  it("defaults to the last 30 days by day", () => {
    expect(settleRange({}, today)).toEqual({ from: "2026-11-08", to: "2026-12-07", bucket: "day" });
  });

  it("fills the missing end of a half-given range", () => {
    expect(settleRange({ from: "2026-01-01" }, today)).toEqual({ from: "2026-01-01", to: "2026-01-30", bucket: "day" });
    expect(settleRange({ to: "2026-03-01", bucket: "hour" }, today)).toEqual({ from: "2026-01-31", to: "2026-03-01", bucket: "hour" });
  });
});

describe("dates", () => {
  it("moves by calendar days across month ends", () => {
    expect(addDays("2026-02-28", 1)).toBe("2026-03-01");
    expect(addDays("2026-01-01", -1)).toBe("2025-12-31");
  });

  it("parses real dates only", () => {
    expect(parseDay("2026-12-07")?.getDate()).toBe(7);
    expect(parseDay("2026-13-01")).toBeUndefined();
  });
});

describe("reportQuery", () => {
  it("covers whole local days, `to` included, with the filters", () => {
    const query = reportQuery({ from: "2026-11-08", to: "2026-12-07", bucket: "week" }, { priority: "urgent", category: "Billing", agent: "u-1" }, "America/Sao_Paulo", "category");
    expect(Number(query.startTime?.seconds) * 1000).toBe(new Date(2026, 10, 8).getTime());
    expect(Number(query.endTime?.seconds) * 1000).toBe(new Date(2026, 11, 8).getTime());
    expect(query).toMatchObject({
      timeZone: "America/Sao_Paulo",
      bucket: ReportBucket.WEEK,
      groupBy: ReportDimension.CATEGORY,
      agentId: "u-1",
      category: "Billing",
      priority: TicketPriority.URGENT,
    });
  });

  it("leaves unset filters out", () => {
    const query = reportQuery({ from: "2026-12-01", to: "2026-12-01", bucket: "hour" }, {}, "UTC");
    expect(query.groupBy).toBe(ReportDimension.UNSPECIFIED);
    expect(query.agentId).toBe("");
    expect("category" in query).toBe(false);
    expect("priority" in query).toBe(false);
  });
});

describe("formatting helpers", () => {
  it("reads durations in the unit that suits them", () => {
    expect(durationParts(42.4)).toEqual({ unit: "seconds", value: 42 });
    expect(durationParts(90)).toEqual({ unit: "minutes", value: 1.5 });
    expect(durationParts(3 * 3600 + 360)).toEqual({ unit: "hours", value: 3.1 });
  });

  it("tells nothing measured apart from zero", () => {
    expect(measured(create(DurationSummarySchema, { count: 0n }), "median")).toBeNaN();
    expect(measured(create(DurationSummarySchema, { count: 2n, p90: { seconds: 90n } }), "p90")).toBe(90);
    expect(averageRating(create(RatingFiguresSchema, { responses: 0n }))).toBeNaN();
    expect(averageRating(create(RatingFiguresSchema, { responses: 3n, average: 4.5 }))).toBe(4.5);
  });

  it("names CSV files after the report and range", () => {
    expect(csvFileName("tickets", { from: "2026-11-08", to: "2026-12-07", bucket: "day" })).toBe("helpdesk-tickets-2026-11-08-to-2026-12-07.csv");
  });
});
