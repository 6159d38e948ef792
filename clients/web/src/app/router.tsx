// The route tree: typed paths and search params, one lazily loaded chunk per page.

import { createRootRoute, createRoute, createRouter, lazyRouteComponent, redirect } from "@tanstack/react-router";
import { parseMacroListSearch } from "@/features/admin-macros/search";
import { parseUserListSearch } from "@/features/admin-users/search";
import { parseAuthSearch } from "@/features/auth/search";
import { parseArticleListSearch } from "@/features/knowledge-editor/search";
import { parseHelpSearch } from "@/features/help-center/search";
import { parseReportSearch } from "@/features/reports/search";
import { parseTicketListSearch } from "@/features/tickets/search";
import { parseWorkspaceSearch } from "@/features/workspace/search-params";
import { Role } from "@helpdesk/client";
import { sessionReady } from "@/lib/client";
import { HomePage } from "./HomePage";
import { AppShell } from "./layouts/AppShell";
import { NotFoundPage } from "./NotFoundPage";
import { RouteError } from "./RouteError";

/** Pages behind sign-in send signed-out visitors to /sign-in and back afterwards. */
async function requireSignIn({ location }: { location: { href: string } }): Promise<void> {
  const state = await sessionReady();
  if (state.status !== "signedIn") {
    throw redirect({ to: "/sign-in", search: { redirect: location.href } });
  }
}

/** Whether the signed-in user is an agent or admin (the customer pages send them to their workspace). */
async function isStaff(): Promise<boolean> {
  const state = await sessionReady();
  return state.status === "signedIn" && (state.user.role === Role.AGENT || state.user.role === Role.ADMIN);
}

/** Pages for some roles only: signed-out visitors sign in first; other roles go home. */
function requireRole(...roles: Role[]) {
  return async ({ location }: { location: { href: string } }): Promise<void> => {
    await requireSignIn({ location });
    const state = await sessionReady();
    if (state.status === "signedIn" && !roles.includes(state.user.role)) {
      throw redirect({ to: "/" });
    }
  };
}

const rootRoute = createRootRoute({
  component: AppShell,
  notFoundComponent: NotFoundPage,
  errorComponent: RouteError,
});

const indexRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/",
  beforeLoad: () => sessionReady(),
  component: HomePage,
});

const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/sign-in",
  validateSearch: parseAuthSearch,
  component: lazyRouteComponent(() => import("@/features/auth/SignInPage"), "SignInPage"),
});

const registerRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/register",
  validateSearch: parseAuthSearch,
  component: lazyRouteComponent(() => import("@/features/auth/RegisterPage"), "RegisterPage"),
});

const settingsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/settings",
  beforeLoad: requireSignIn,
  component: lazyRouteComponent(() => import("@/features/auth/SettingsPage"), "SettingsPage"),
});

const ticketsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/tickets",
  beforeLoad: requireSignIn,
});

const ticketListRoute = createRoute({
  getParentRoute: () => ticketsRoute,
  path: "/",
  validateSearch: parseTicketListSearch,
  beforeLoad: async () => {
    if (await isStaff()) throw redirect({ to: "/agent/tickets", replace: true });
  },
  component: lazyRouteComponent(() => import("@/features/tickets/TicketListPage"), "TicketListPage"),
});

const newTicketRoute = createRoute({
  getParentRoute: () => ticketsRoute,
  path: "/new",
  component: lazyRouteComponent(() => import("@/features/tickets/NewTicketPage"), "NewTicketPage"),
});

const ticketRoute = createRoute({
  getParentRoute: () => ticketsRoute,
  path: "/$ticketId",
  beforeLoad: async ({ params }) => {
    if (await isStaff()) throw redirect({ to: "/agent/tickets/$ticketId", params, replace: true });
  },
  component: lazyRouteComponent(() => import("@/features/tickets/TicketPage"), "TicketPage"),
});

const agentRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/agent",
  beforeLoad: requireRole(Role.AGENT, Role.ADMIN),
});

const agentTicketsRoute = createRoute({
  getParentRoute: () => agentRoute,
  path: "/tickets",
});

const workspaceRoute = createRoute({
  getParentRoute: () => agentTicketsRoute,
  path: "/",
  validateSearch: parseWorkspaceSearch,
  component: lazyRouteComponent(() => import("@/features/workspace/WorkspacePage"), "WorkspacePage"),
});

const agentTicketRoute = createRoute({
  getParentRoute: () => agentTicketsRoute,
  path: "/$ticketId",
  component: lazyRouteComponent(() => import("@/features/workspace/AgentTicketPage"), "AgentTicketPage"),
});

const helpRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/help",
  validateSearch: parseHelpSearch,
  component: lazyRouteComponent(() => import("@/features/help-center/HelpCenterPage"), "HelpCenterPage"),
});

const articleRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/help/$slug",
  component: lazyRouteComponent(() => import("@/features/help-center/ArticlePage"), "ArticlePage"),
});

const chatRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/chat",
  beforeLoad: requireSignIn,
  component: lazyRouteComponent(() => import("@/features/chat/ChatPage"), "ChatPage"),
});

const agentChatsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/agent/chats",
  beforeLoad: requireSignIn,
  component: lazyRouteComponent(() => import("@/features/agent-chat/AgentChatsPage"), "AgentChatsPage"),
});

// Admin console and knowledge-base editing (features/admin-*, features/knowledge-editor).
const adminUsersRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/admin/users",
  beforeLoad: requireRole(Role.ADMIN),
  validateSearch: parseUserListSearch,
  component: lazyRouteComponent(() => import("@/features/admin-users/AdminUsersPage"), "AdminUsersPage"),
});

const adminStatusRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/admin/status",
  beforeLoad: requireRole(Role.ADMIN),
  component: lazyRouteComponent(() => import("@/features/admin-status/AdminStatusPage"), "AdminStatusPage"),
});

const editorRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/agent/articles",
  beforeLoad: requireRole(Role.AGENT, Role.ADMIN),
});

const editorListRoute = createRoute({
  getParentRoute: () => editorRoute,
  path: "/",
  validateSearch: parseArticleListSearch,
  component: lazyRouteComponent(() => import("@/features/knowledge-editor/ArticleListPage"), "ArticleListPage"),
});

const newArticleRoute = createRoute({
  getParentRoute: () => editorRoute,
  path: "/new",
  component: lazyRouteComponent(() => import("@/features/knowledge-editor/ArticleEditorPage"), "NewArticlePage"),
});

const editArticleRoute = createRoute({
  getParentRoute: () => editorRoute,
  path: "/$articleId",
  component: lazyRouteComponent(() => import("@/features/knowledge-editor/ArticleEditorPage"), "ArticleEditorPage"),
});

// Admin settings: service levels (features/admin-sla).
const adminSlaRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/admin/sla",
  beforeLoad: requireRole(Role.ADMIN),
});

const adminSlaListRoute = createRoute({
  getParentRoute: () => adminSlaRoute,
  path: "/",
  component: lazyRouteComponent(() => import("@/features/admin-sla/SlaPoliciesPage"), "SlaPoliciesPage"),
});

const adminSlaNewRoute = createRoute({
  getParentRoute: () => adminSlaRoute,
  path: "/new",
  component: lazyRouteComponent(() => import("@/features/admin-sla/SlaPolicyEditorPage"), "NewSlaPolicyPage"),
});

const adminSlaPolicyRoute = createRoute({
  getParentRoute: () => adminSlaRoute,
  path: "/$policyId",
  component: lazyRouteComponent(() => import("@/features/admin-sla/SlaPolicyEditorPage"), "SlaPolicyEditorPage"),
});

// Admin settings: automatic assignment (features/admin-assignment).
const adminAssignmentRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/admin/assignment",
  beforeLoad: requireRole(Role.ADMIN),
  component: lazyRouteComponent(() => import("@/features/admin-assignment/AssignmentPage"), "AssignmentPage"),
});

// Admin settings: macros, written by admins and applied by agents from a ticket (features/admin-macros).
const adminMacrosRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/admin/macros",
  beforeLoad: requireRole(Role.ADMIN),
});

const adminMacroListRoute = createRoute({
  getParentRoute: () => adminMacrosRoute,
  path: "/",
  validateSearch: parseMacroListSearch,
  component: lazyRouteComponent(() => import("@/features/admin-macros/MacrosPage"), "MacrosPage"),
});

const adminMacroNewRoute = createRoute({
  getParentRoute: () => adminMacrosRoute,
  path: "/new",
  component: lazyRouteComponent(() => import("@/features/admin-macros/MacroEditorPage"), "NewMacroPage"),
});

const adminMacroRoute = createRoute({
  getParentRoute: () => adminMacrosRoute,
  path: "/$macroId",
  component: lazyRouteComponent(() => import("@/features/admin-macros/MacroEditorPage"), "MacroEditorPage"),
});

// Canned responses, managed by agents (their own) and admins (the team's) (features/canned-responses).
const cannedResponsesRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/agent/canned-responses",
  beforeLoad: requireRole(Role.AGENT, Role.ADMIN),
  component: lazyRouteComponent(() => import("@/features/canned-responses/CannedResponsesPage"), "CannedResponsesPage"),
});

// Reports (features/reports): admins see everyone's figures, agents their own (the server decides).
const reportsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/reports",
  beforeLoad: requireRole(Role.AGENT, Role.ADMIN),
  validateSearch: parseReportSearch,
  component: lazyRouteComponent(() => import("@/features/reports/ReportsPage"), "ReportsPage"),
});

// Admin settings: data retention (features/admin-retention).
const adminRetentionRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/admin/retention",
  beforeLoad: requireRole(Role.ADMIN),
  component: lazyRouteComponent(() => import("@/features/admin-retention/RetentionPage"), "RetentionPage"),
});

// Reports sit beside the admin console's pages in people's minds: the admin path leads there too.
const adminReportsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/admin/reports",
  validateSearch: parseReportSearch,
  beforeLoad: ({ search }) => {
    throw redirect({ to: "/reports", search, replace: true });
  },
});

const routeTree = rootRoute.addChildren([
  indexRoute,
  signInRoute,
  registerRoute,
  settingsRoute,
  ticketsRoute.addChildren([ticketListRoute, newTicketRoute, ticketRoute]),
  agentRoute.addChildren([agentTicketsRoute.addChildren([workspaceRoute, agentTicketRoute])]),
  helpRoute,
  articleRoute,
  chatRoute,
  agentChatsRoute,
  adminUsersRoute,
  adminStatusRoute,
  editorRoute.addChildren([editorListRoute, newArticleRoute, editArticleRoute]),
  adminSlaRoute.addChildren([adminSlaListRoute, adminSlaNewRoute, adminSlaPolicyRoute]),
  adminAssignmentRoute,
  adminMacrosRoute.addChildren([adminMacroListRoute, adminMacroNewRoute, adminMacroRoute]),
  cannedResponsesRoute,
  adminRetentionRoute,
  reportsRoute,
  adminReportsRoute,
]);

export const router = createRouter({
  routeTree,
  defaultPreload: "intent",
  defaultPendingMs: 150,
  scrollRestoration: true,
});

declare module "@tanstack/react-router" {
  interface Register {
    router: typeof router;
  }
}
