import { TicketPriority, Weekday, type SlaPolicy } from "@helpdesk/client";
import { describe, expect, it } from "vitest";
import { emptyDraft, fieldOfPath, fromPolicy, targetSeconds, toPolicyFields, toTarget } from "./model";

describe("SLA policy drafts", () => {
  it("shows a duration in the largest unit that divides it", () => {
    expect(toTarget({ seconds: 172800n, nanos: 0 } as never)).toEqual({ amount: "2", unit: "days" });
    expect(toTarget({ seconds: 5400n, nanos: 0 } as never)).toEqual({ amount: "90", unit: "minutes" });
    expect(toTarget(undefined, "minutes")).toEqual({ amount: "", unit: "minutes" });
  });

  it("reads typed amounts with a comma or a point, and empty as unset", () => {
    expect(targetSeconds({ amount: "1,5", unit: "hours" })).toBe(5400);
    expect(targetSeconds({ amount: " ", unit: "hours" })).toBeUndefined();
    expect(targetSeconds({ amount: "abc", unit: "hours" })).toBeNaN();
  });

  it("sends business hours only when chosen", () => {
    const draft = { ...emptyDraft("America/Sao_Paulo"), displayName: " Urgent ", priority: TicketPriority.URGENT };
    expect(toPolicyFields(draft).businessHours).toBeUndefined();
    const fields = toPolicyFields({ ...draft, businessHours: true, holidays: ["2026-12-25"] });
    expect(fields.displayName).toBe("Urgent");
    expect(fields.firstResponseTarget).toEqual({ seconds: 14400n });
    expect(fields.businessHours?.timeZone).toBe("America/Sao_Paulo");
    expect(fields.businessHours?.workingHours[0]).toEqual({ day: Weekday.MONDAY, startTime: "09:00", endTime: "18:00" });
    expect(fields.businessHours?.holidays).toEqual(["2026-12-25"]);
  });

  it("round-trips a stored policy", () => {
    const policy = {
      displayName: "High",
      priority: TicketPriority.HIGH,
      category: "billing",
      firstResponseTarget: { seconds: 3600n, nanos: 0 },
      resolutionTarget: { seconds: 86400n, nanos: 0 },
      businessHours: { timeZone: "Europe/Lisbon", workingHours: [{ day: Weekday.SATURDAY, startTime: "10:00", endTime: "14:00" }], holidays: [] },
    } as unknown as SlaPolicy;
    const draft = fromPolicy(policy);
    expect(draft.businessHours).toBe(true);
    expect(draft.spans).toEqual([{ day: Weekday.SATURDAY, start: "10:00", end: "14:00" }]);
    expect(draft.firstResponse).toEqual({ amount: "1", unit: "hours" });
  });

  it("places the server's paths on the editor's fields", () => {
    expect(fieldOfPath("sla_policy.business_hours.working_hours[1].end_time")).toBe("span.1.end");
    expect(fieldOfPath("sla_policy.business_hours.working_hours[0]")).toBe("span.0.end");
    expect(fieldOfPath("sla_policy.business_hours.holidays[2]")).toBe("holiday.2");
    expect(fieldOfPath("sla_policy.resolution_target")).toBe("resolution");
    expect(fieldOfPath("sla_policy.business_hours.time_zone")).toBe("timeZone");
    expect(fieldOfPath("update_mask")).toBe("form");
  });
});
