// The app's one QueryClient: cached server state, retried only when a retry can help.

import { Code } from "@connectrpc/connect";
import { HelpdeskError } from "@helpdesk/client";
import { QueryClient } from "@tanstack/react-query";

/** Codes worth retrying automatically: the server or the network may recover. */
const TRANSIENT = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.Unknown, Code.Aborted]);

export function isTransient(error: unknown): boolean {
  return error instanceof HelpdeskError ? TRANSIENT.has(error.code) : false;
}

export const queryClient = new QueryClient({
  defaultOptions: {
    // "always": a call made while offline fails at once with a human message (and typed text
    // stays in its form) instead of waiting silently for the browser to come back online.
    queries: {
      networkMode: "always",
      staleTime: 15_000,
      retry: (failures, error) => failures < 3 && isTransient(error),
      refetchOnWindowFocus: true,
    },
    mutations: { retry: false, networkMode: "always" },
  },
});
