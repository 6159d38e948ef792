// What the status page says about the checks: each service's state and the one-line verdict.

export type HealthState = "serving" | "notServing" | "unknown" | "unreachable";

export interface ServiceHealth {
  /** Full service name; "" is the server overall. */
  service: string;
  status: HealthState;
}

export type Verdict = "operational" | "degraded" | "down";

/**
 * The headline: down when the server overall is not serving or cannot be reached, degraded when
 * some service is not serving or not reached, else operational. Services the server does not
 * report ("unknown") do not count against it.
 */
export function verdict(services: readonly ServiceHealth[]): Verdict {
  const overall = services.find((s) => s.service === "");
  if (overall === undefined || overall.status === "notServing" || overall.status === "unreachable") return "down";
  return services.some((s) => s.status === "notServing" || s.status === "unreachable") ? "degraded" : "operational";
}

/** "helpdesk.v1.TicketService" → "TicketService" (the i18n key of its friendly name). */
export function shortName(service: string): string {
  return service === "" ? "overall" : (service.split(".").pop() ?? service);
}
