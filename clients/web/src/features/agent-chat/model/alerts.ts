// How the console announces a new waiting chat: a chime (WebAudio), a count in the tab's title, or
// both; a choice kept in localStorage.

export interface AlertSettings {
  /** Play a short chime when a chat starts waiting. */
  readonly sound: boolean;
  /** Show how many chats wait in the tab's title, e.g. "(2) Chats · Helpdesk". */
  readonly titleBadge: boolean;
}

export const DEFAULT_ALERTS: AlertSettings = { sound: false, titleBadge: true };

export const ALERTS_KEY = "helpdesk.agentChat.alerts";

/** The stored settings, or the defaults for anything missing or malformed. */
export function parseAlerts(raw: string | null): AlertSettings {
  if (raw === null) {
    return DEFAULT_ALERTS;
  }
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== "object" || value === null) {
      return DEFAULT_ALERTS;
    }
    const record = value as Record<string, unknown>;
    return {
      sound: typeof record.sound === "boolean" ? record.sound : DEFAULT_ALERTS.sound,
      titleBadge: typeof record.titleBadge === "boolean" ? record.titleBadge : DEFAULT_ALERTS.titleBadge,
    };
  } catch {
    return DEFAULT_ALERTS;
  }
}

/** The tab title: the page's name, prefixed with the waiting count when the badge is on and any wait. */
export function titleWithBadge(page: string, waiting: number, settings: AlertSettings): string {
  return settings.titleBadge && waiting > 0 ? `(${waiting}) ${page}` : page;
}
