// HelpdeskClient: the API over gRPC-Web through the Envoy gateway, in browsers and Node 20+.

import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import type { AssignmentService } from "../gen/helpdesk/v1/assignment_service_pb.js";
import { AuthService } from "../gen/helpdesk/v1/auth_service_pb.js";
import type { CannedResponseService } from "../gen/helpdesk/v1/canned_response_service_pb.js";
import type { ChatEvent } from "../gen/helpdesk/v1/chat_event_pb.js";
import type { TicketChange } from "../gen/helpdesk/v1/ticket_change_pb.js";
import { ChatService } from "../gen/helpdesk/v1/chat_service_pb.js";
import { KnowledgeService } from "../gen/helpdesk/v1/knowledge_service_pb.js";
import type { MacroService } from "../gen/helpdesk/v1/macro_service_pb.js";
import type { PrivacyService } from "../gen/helpdesk/v1/privacy_service_pb.js";
import type { SlaService } from "../gen/helpdesk/v1/sla_service_pb.js";
import { TicketService } from "../gen/helpdesk/v1/ticket_service_pb.js";
import type { User } from "../gen/helpdesk/v1/user_pb.js";
import type { UserService } from "../gen/helpdesk/v1/user_service_pb.js";
import { resumableChatEvents, type ResumeOptions } from "./chat.js";
import { lazyClient } from "./lazy.js";
import { authInterceptor, Session } from "./session.js";
import { resumableTicketChanges, type TicketWatchFilter, type WatchTicketsOptions } from "./tickets.js";

export interface HelpdeskClientOptions {
  /** The gateway, e.g. "http://localhost:8080". */
  baseUrl: string;
  /** Default deadline of every call in milliseconds (streams excepted); default 10 s. */
  timeoutMs?: number;
  /** Extra interceptors, run after the auth one. */
  interceptors?: Interceptor[];
  /** A fetch implementation (defaults to the global one). */
  fetch?: typeof globalThis.fetch;
  /** The clock (ms since the epoch), for tests. */
  now?: () => number;
}

/**
 * A signed-in view of the Helpdesk API: typed service clients plus sign-in and chat helpers.
 *
 * The services every visitor uses (auth, tickets, chat, knowledge) are built with the client; the
 * staff consoles' and rarely used ones (users, assignment, cannedResponses, macros, privacy, sla)
 * load their descriptors on their first call, so that a browser bundle does not carry them up front.
 * `service(Descriptor)` builds a client of any service whose descriptor the caller imports itself.
 */
export class HelpdeskClient {
  readonly session: Session;
  readonly transport: Transport;
  readonly auth: Client<typeof AuthService>;
  readonly users: Client<typeof UserService>;
  readonly tickets: Client<typeof TicketService>;
  readonly chat: Client<typeof ChatService>;
  readonly knowledge: Client<typeof KnowledgeService>;
  readonly assignment: Client<typeof AssignmentService>;
  readonly cannedResponses: Client<typeof CannedResponseService>;
  readonly macros: Client<typeof MacroService>;
  readonly privacy: Client<typeof PrivacyService>;
  readonly sla: Client<typeof SlaService>;
  private readonly services = new WeakMap<DescService, unknown>();

  constructor(options: HelpdeskClientOptions) {
    this.session = new Session(options.now);
    const base = {
      baseUrl: options.baseUrl,
      defaultTimeoutMs: options.timeoutMs ?? 10_000,
      fetch: options.fetch,
    };
    // Refreshing goes through a transport without the auth interceptor (no recursion).
    this.session.bind(createClient(AuthService, createGrpcWebTransport(base)));
    this.transport = createGrpcWebTransport({
      ...base,
      interceptors: [authInterceptor(this.session), ...(options.interceptors ?? [])],
    });
    this.auth = createClient(AuthService, this.transport);
    this.tickets = createClient(TicketService, this.transport);
    this.chat = createClient(ChatService, this.transport);
    this.knowledge = createClient(KnowledgeService, this.transport);
    // The import paths are literal so that bundlers see them and split each into its own chunk.
    this.users = lazyClient(
      this.transport,
      () => import("../gen/helpdesk/v1/user_service_pb.js").then((m) => m.UserService),
      {},
    );
    this.assignment = lazyClient(
      this.transport,
      () => import("../gen/helpdesk/v1/assignment_service_pb.js").then((m) => m.AssignmentService),
      {},
    );
    this.cannedResponses = lazyClient(
      this.transport,
      () => import("../gen/helpdesk/v1/canned_response_service_pb.js").then((m) => m.CannedResponseService),
      {},
    );
    this.macros = lazyClient(
      this.transport,
      () => import("../gen/helpdesk/v1/macro_service_pb.js").then((m) => m.MacroService),
      {},
    );
    this.privacy = lazyClient(
      this.transport,
      () => import("../gen/helpdesk/v1/privacy_service_pb.js").then((m) => m.PrivacyService),
      {},
    );
    this.sla = lazyClient(
      this.transport,
      () => import("../gen/helpdesk/v1/sla_service_pb.js").then((m) => m.SlaService),
      {},
    );
  }

  /**
   * A client of `service` over this client's transport (signed-in calls, same deadlines), built on
   * first use and kept: for services whose descriptor the caller imports (e.g. a lazily loaded page).
   */
  service<S extends DescService>(service: S): Client<S> {
    let client = this.services.get(service);
    if (client === undefined) {
      client = createClient(service, this.transport);
      this.services.set(service, client);
    }
    return client as Client<S>;
  }

  /** The signed-in user, undefined when signed out. */
  get user(): User | undefined {
    return this.session.user;
  }

  /** Signs in with an email and password. */
  async signIn(email: string, password: string): Promise<User | undefined> {
    this.session.accept(await this.auth.login({ email, password }));
    return this.session.user;
  }

  /** Creates a customer account and signs it in. */
  async register(email: string, password: string, displayName: string): Promise<User | undefined> {
    this.session.accept(await this.auth.register({ email, password, displayName }));
    return this.session.user;
  }

  /** Adopts tokens obtained elsewhere (e.g. kept in sessionStorage across page loads). */
  useTokens(accessToken: string, refreshToken: string): void {
    this.session.accept({ accessToken, refreshToken });
  }

  /** Ends the session on the server and forgets the tokens. */
  async signOut(allSessions = false): Promise<void> {
    if (!this.session.signedIn) {
      return;
    }
    try {
      await this.auth.logout({ allSessions });
    } finally {
      this.session.clear();
    }
  }

  /** The chat's events (StreamChat), resumed from the last seen seq after any disconnect. */
  streamChat(chatId: string, options: ResumeOptions = {}): AsyncGenerator<ChatEvent> {
    return resumableChatEvents(this.chat, this.session, chatId, options);
  }

  /** Ticket changes matching `filter` (WatchTickets), resumed from the last cursor after any disconnect. */
  watchTickets(filter: TicketWatchFilter = {}, options: WatchTicketsOptions = {}): AsyncGenerator<TicketChange> {
    return resumableTicketChanges(this.tickets, this.session, filter, options);
  }
}
