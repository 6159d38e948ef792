// Tokens of the signed-in user: attached to every call by an interceptor, refreshed shortly before
// the access token expires and once when the server answers UNAUTHENTICATED.

import { timestampMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type Client, type Interceptor } from "@connectrpc/connect";
import type { AuthService } from "../gen/helpdesk/v1/auth_service_pb.js";
import type { User } from "../gen/helpdesk/v1/user_pb.js";
import { HelpdeskError } from "./errors.js";

/** Methods that carry their credential in the request and never trigger a refresh. */
const ANONYMOUS_METHODS = new Set(["Register", "Login", "RefreshToken"]);
/** The access token is refreshed when less than this share of its lifetime is left (capped). */
const REFRESH_FRACTION = 0.2;
const MAX_REFRESH_MARGIN_MS = 60_000;

/** What Register, Login and RefreshToken answer alike. */
export interface TokenAnswer {
  user?: User;
  accessToken: string;
  refreshToken: string;
  accessTokenExpireTime?: Timestamp;
}

/** One token pair and when the session will refresh it. */
export interface Tokens {
  accessToken: string;
  refreshToken: string;
  /** When the access token expires (ms since the epoch), if the server said. */
  accessExpiresAt: number | undefined;
  /** When the session refreshes the pair (ms since the epoch). */
  refreshAt: number | undefined;
}

export type RefreshReason = "expiring" | "rejected";

/** The signed-in user's tokens, refreshed one refresh at a time. */
export class Session {
  private current: Tokens | undefined;
  private refreshing: Promise<void> | undefined;
  private auth: Client<typeof AuthService> | undefined;
  /** The signed-in user, undefined when signed out. */
  user: User | undefined;
  /** Called after every refresh: for logs, metrics and tests. */
  onRefresh: ((reason: RefreshReason) => void) | undefined;
  /** Called whenever the tokens change (for example to keep them in sessionStorage). */
  onTokens: ((tokens: Tokens | undefined) => void) | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  /** The AuthService client used for refreshing (one without the auth interceptor). */
  bind(auth: Client<typeof AuthService>): void {
    this.auth = auth;
  }

  get tokens(): Tokens | undefined {
    return this.current;
  }

  get signedIn(): boolean {
    return this.current !== undefined;
  }

  /** Stores the token pair of a Register, Login or RefreshToken answer. */
  accept(answer: TokenAnswer): void {
    const issuedAt = this.now();
    const expiresAt = answer.accessTokenExpireTime ? timestampMs(answer.accessTokenExpireTime) : undefined;
    const margin =
      expiresAt === undefined ? 0 : Math.min(Math.max(expiresAt - issuedAt, 0) * REFRESH_FRACTION, MAX_REFRESH_MARGIN_MS);
    this.current = {
      accessToken: answer.accessToken,
      refreshToken: answer.refreshToken,
      accessExpiresAt: expiresAt,
      refreshAt: expiresAt === undefined ? undefined : expiresAt - margin,
    };
    if (answer.user) {
      this.user = answer.user;
    }
    this.onTokens?.(this.current);
  }

  /** Forgets the tokens. */
  clear(): void {
    this.current = undefined;
    this.user = undefined;
    this.onTokens?.(undefined);
  }

  /** A usable access token (refreshed first when about to expire), or undefined when signed out. */
  async accessToken(): Promise<string | undefined> {
    const tokens = this.current;
    if (tokens === undefined) {
      return undefined;
    }
    if (tokens.refreshAt !== undefined && this.now() >= tokens.refreshAt) {
      await this.refresh("expiring", tokens);
    }
    return this.current?.accessToken;
  }

  /** Exchanges the refresh token for a new pair, unless a concurrent caller already replaced `stale`. */
  async refresh(reason: RefreshReason, stale: Tokens | undefined = this.current): Promise<void> {
    while (this.refreshing) {
      await this.refreshing.catch(() => undefined);
    }
    const current = this.current;
    if (current === undefined) {
      throw new HelpdeskError(new ConnectError("not signed in", Code.Unauthenticated));
    }
    if (stale !== undefined && current !== stale) {
      return;
    }
    if (this.auth === undefined) {
      throw new Error("Session.bind() was not called");
    }
    const auth = this.auth;
    this.refreshing = (async () => {
      try {
        this.accept(await auth.refreshToken({ refreshToken: current.refreshToken }));
      } catch (reason) {
        const error = HelpdeskError.from(reason);
        if (error.code === Code.Unauthenticated) {
          this.clear(); // the session is over: sign in again
        }
        throw error;
      }
    })();
    try {
      await this.refreshing;
    } finally {
      this.refreshing = undefined;
    }
    this.onRefresh?.(reason);
  }
}

/**
 * The interceptor: bearer token on every call but sign-in ones; on UNAUTHENTICATED a unary call is
 * retried once after a refresh; every failure surfaces as a HelpdeskError.
 */
export function authInterceptor(session: Session): Interceptor {
  return (next) => async (req) => {
    const anonymous = ANONYMOUS_METHODS.has(req.method.name) && req.service.typeName === "helpdesk.v1.AuthService";
    const attach = async (): Promise<boolean> => {
      const token = anonymous ? undefined : await session.accessToken();
      if (token === undefined) {
        req.header.delete("authorization");
        return false;
      }
      req.header.set("authorization", `Bearer ${token}`);
      return true;
    };
    const authenticated = await attach();
    const sentWith = session.tokens;
    try {
      return await next(req);
    } catch (reason) {
      const error = HelpdeskError.from(reason);
      if (!(authenticated && !req.stream && error.code === Code.Unauthenticated)) {
        throw error;
      }
    }
    // If a concurrent call already replaced the refused pair, its new pair is used as is.
    await session.refresh("rejected", sentWith);
    await attach();
    try {
      return await next(req);
    } catch (reason) {
      throw HelpdeskError.from(reason);
    }
  };
}
