// The configured HelpdeskClient (gRPC-Web, same origin) and the session built on it: sign-in,
// registration, sign-out, a refresh token kept in sessionStorage across reloads, and the
// refresh timer. React reads the session with useSession().

import { Code } from "@connectrpc/connect";
import { HelpdeskClient, HelpdeskError, Role, type TokenAnswer, type User } from "@helpdesk/client";
import { useSyncExternalStore } from "react";
import { queryClient } from "./query";
import {
  persistRefreshToken,
  RefreshScheduler,
  SessionStore,
  storedRefreshToken,
  type SessionState,
} from "./session";

/** This tab's id, kept in window.name: it survives reloads but is not copied into new tabs. */
const TAB_PREFIX = "helpdesk-tab:";
function tabId(): string {
  if (!window.name.startsWith(TAB_PREFIX)) {
    window.name = TAB_PREFIX + Math.random().toString(36).slice(2) + Date.now().toString(36);
  }
  return window.name;
}
const TAB = tabId();

/** The API, at the page's own origin (Envoy serves the app and gRPC-Web side by side). */
export const client = new HelpdeskClient({ baseUrl: window.location.origin });

const sessionStore = new SessionStore(
  storedRefreshToken(window.sessionStorage, TAB) === undefined ? { status: "signedOut" } : { status: "restoring" },
);
const scheduler = new RefreshScheduler(client.session);
/** Set while the user signs out on purpose, so that clearing the tokens is not reported as an expiry. */
let leaving = false;

client.session.onTokens = (tokens) => {
  persistRefreshToken(window.sessionStorage, tokens, TAB);
  scheduler.update(tokens);
  const user = client.session.user;
  if (tokens !== undefined && user !== undefined) {
    sessionStore.set({ status: "signedIn", user });
  } else if (tokens === undefined) {
    const wasSignedIn = sessionStore.get().status !== "signedOut";
    sessionStore.set({ status: "signedOut", notice: leaving ? "signedOut" : wasSignedIn ? "expired" : undefined });
    queryClient.clear();
  }
};

let restoring: Promise<void> | undefined;

/**
 * Resumes the session of this tab after a reload by exchanging the stored refresh token (once,
 * however often it is called: refresh tokens are single-use).
 */
export function restoreSession(): Promise<void> {
  restoring ??= (async () => {
    const refreshToken = storedRefreshToken(window.sessionStorage, TAB);
    if (refreshToken === undefined) {
      sessionStore.set({ status: "signedOut" });
      return;
    }
    try {
      client.session.accept(await client.auth.refreshToken({ refreshToken }));
    } catch (reason) {
      const error = HelpdeskError.from(reason);
      if (error.code === Code.Unauthenticated || error.code === Code.InvalidArgument) {
        persistRefreshToken(window.sessionStorage, undefined, TAB);
        sessionStore.set({ status: "signedOut", notice: "expired" });
      } else {
        // Offline or server trouble: keep the token for the next load, show the signed-out pages.
        restoring = undefined;
        sessionStore.set({ status: "signedOut" });
      }
    }
  })();
  return restoring;
}

/** Resolves once the session is known (restored or not): route guards wait on it. */
export async function sessionReady(): Promise<SessionState> {
  if (sessionStore.get().status === "restoring") {
    await restoreSession();
  }
  return sessionStore.get();
}

export function currentSession(): SessionState {
  return sessionStore.get();
}

function adopt(answer: TokenAnswer): User | undefined {
  leaving = false;
  client.session.accept(answer);
  return client.session.user;
}

export async function signIn(email: string, password: string): Promise<User | undefined> {
  return adopt(await client.auth.login({ email, password }));
}

export async function register(email: string, password: string, displayName: string): Promise<User | undefined> {
  return adopt(await client.auth.register({ email, password, displayName }));
}

/** Changes the password; the server answers with a new session, which replaces this one. */
export async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
  adopt(await client.auth.changePassword({ currentPassword, newPassword }));
}

/** Ends the session on the server (best effort) and forgets it here. */
export async function signOut(): Promise<void> {
  leaving = true;
  try {
    await client.signOut();
  } catch {
    // The tokens are gone locally either way; an unreachable server only keeps them until expiry.
  } finally {
    if (client.session.signedIn) {
      client.session.clear();
    }
  }
}

/** Forgets a notice (expired / signed out) once it has been shown. */
export function dismissSessionNotice(): void {
  const state = sessionStore.get();
  if (state.status === "signedOut" && state.notice !== undefined) {
    sessionStore.set({ status: "signedOut" });
  }
}

export interface SessionView {
  state: SessionState;
  user: User | undefined;
  role: Role;
  isStaff: boolean;
  signIn: typeof signIn;
  signOut: typeof signOut;
}

/** The current session, re-rendering on every change. */
export function useSession(): SessionView {
  const state = useSyncExternalStore(sessionStore.subscribe, sessionStore.get);
  const user = state.status === "signedIn" ? state.user : undefined;
  const role = user?.role ?? Role.UNSPECIFIED;
  return { state, user, role, isStaff: role === Role.AGENT || role === Role.ADMIN, signIn, signOut };
}
