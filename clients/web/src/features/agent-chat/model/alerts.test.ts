import { describe, expect, it } from "vitest";
import { DEFAULT_ALERTS, parseAlerts, titleWithBadge } from "./alerts";

describe("alert settings", () => {
  it("reads what was stored, with defaults for anything missing or broken", () => {
    expect(parseAlerts(null)).toEqual(DEFAULT_ALERTS);
    expect(parseAlerts("{not json")).toEqual(DEFAULT_ALERTS);
    expect(parseAlerts('{"sound": true}')).toEqual({ sound: true, titleBadge: DEFAULT_ALERTS.titleBadge });
    expect(parseAlerts('{"sound": "yes", "titleBadge": false}')).toEqual({ sound: DEFAULT_ALERTS.sound, titleBadge: false });
  });

  it("puts the waiting count in the title only when asked and when someone waits", () => {
    expect(titleWithBadge("Chats", 2, { sound: false, titleBadge: true })).toBe("(2) Chats");
    expect(titleWithBadge("Chats", 0, { sound: false, titleBadge: true })).toBe("Chats");
    expect(titleWithBadge("Chats", 2, { sound: true, titleBadge: false })).toBe("Chats");
  });
});
