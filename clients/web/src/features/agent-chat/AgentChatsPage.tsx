// /agent/chats: the agents' chat console. Availability, the live queue with accept, and the
// agent's chats: side by side on a tablet or desktop, in tabs on a phone.

import type { Chat, User } from "@helpdesk/client";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { MessagesSquare } from "lucide-react";
import { lazy, Suspense, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { EmptyState, Page, PageSpinner, Spinner } from "@/components";
import { chatKeys } from "@/lib/chat/queries";
import type { ChatTimeline } from "@/lib/chat/timeline";
import { useSession } from "@/lib/client";
import { useDocumentTitle } from "@/lib/title";
import { playChime } from "./api/chime";
import { agentChatKeys, myChatsQuery } from "./api/queries";
import { AlertToggles } from "./components/AlertToggles";
import type { ChatPaneProps } from "./components/ChatPane";
import { AvailabilitySwitch } from "./components/AvailabilitySwitch";
import { ConsoleTabs, type ConsoleTab } from "./components/ConsoleTabs";
import { MyChatsList } from "./components/MyChatsList";
import { QueuePanel } from "./components/QueuePanel";
import { useAccept } from "./hooks/use-accept";
import { useAlertSettings } from "./hooks/use-alert-settings";
import { useDesktop, useElementWidth } from "./hooks/use-layout";
import { useQueue } from "./hooks/use-queue";
import { AGENT_CHAT_NAMESPACE } from "./i18n";
import type { AcceptLoss } from "./model/accept";
import { titleWithBadge } from "./model/alerts";
import { closeChat, newlyMine, openChat, paneSlots, shownPanes, unreadCount, type OpenChats } from "./model/panes";
import { waitingChats } from "./model/queue";

// The conversation panes (the message list, the composer and its reply tools, the chat stream) load
// beside the queue rather than before it: the console's first paint is the queue and the agent's list.
const LazyChatPane = lazy(() => import("./components/ChatPane").then((module) => ({ default: module.ChatPane })));

function ChatPane(props: ChatPaneProps) {
  return (
    <Suspense
      fallback={
        <div className="flex h-full min-h-[22rem] items-center justify-center rounded-xl border border-border bg-surface">
          <Spinner />
        </div>
      }
    >
      <LazyChatPane {...props} />
    </Suspense>
  );
}

const QUEUE_TAB = "queue";
const GRID_COLUMNS = ["grid-cols-1", "grid-cols-1", "grid-cols-2", "grid-cols-3"];

export function AgentChatsPage() {
  const { user, isStaff } = useSession();
  if (user === undefined) {
    return <PageSpinner />;
  }
  return isStaff ? <Console viewer={user} /> : <StaffOnly />;
}

function StaffOnly() {
  const { t } = useTranslation(AGENT_CHAT_NAMESPACE);
  useDocumentTitle(t("title"));
  return (
    <Page width="narrow">
      <EmptyState icon={MessagesSquare} title={t("title")} body={t("staffOnly")} />
    </Page>
  );
}

function Console({ viewer }: { viewer: User }) {
  const { t } = useTranslation(AGENT_CHAT_NAMESPACE);
  const queryClient = useQueryClient();
  const [alerts, setAlerts] = useAlertSettings();
  const soundOn = useRef(alerts.sound);
  useEffect(() => {
    soundOn.current = alerts.sound;
  }, [alerts.sound]);
  const [open, setOpen] = useState<OpenChats>();
  const [handedOver, setHandedOver] = useState("");
  const { queue, connection } = useQueue(
    () => {
      if (soundOn.current) {
        playChime();
      }
    },
    (chats) => {
      // The stream's list is the newest: a fallback read still under way must not overwrite it.
      void queryClient.cancelQueries({ queryKey: agentChatKeys.mine }).then(() => {
        const arrived = newlyMine(queryClient.getQueryData<Chat[]>(agentChatKeys.mine), chats);
        queryClient.setQueryData(agentChatKeys.mine, chats);
        if (arrived.length > 0) {
          // Handed over or assigned to this agent: the chat opens beside the others (not focused),
          // and a screen reader says so.
          setOpen((current) => (current === undefined ? current : arrived.reduce(openChat, current)));
          const names = chats.filter((chat) => arrived.includes(chat.id)).map((chat) => chat.customerDisplayName || t("pane.customer"));
          setHandedOver(t("mine.handedOver", { names: names.join(", ") }));
        }
      });
    },
  );
  const waiting = waitingChats(queue).length;
  useDocumentTitle(titleWithBadge(t("title"), waiting, alerts));

  const mine = useQuery(myChatsQuery(connection === "live"));
  // On arrival the agent's active chats are open.
  if (open === undefined && mine.isSuccess) {
    setOpen(mine.data.reduce<OpenChats>((list, chat) => openChat(list, chat.id), []));
  }
  const openIds = (open ?? []).map((entry) => entry.id);
  const [tab, setTab] = useState(QUEUE_TAB);
  const [loss, setLoss] = useState<AcceptLoss>();
  // The chat the agent just accepted or opened: its composer takes the focus.
  const [focused, setFocused] = useState<string>();
  const accept = useAccept(
    (chat) => {
      setLoss(undefined);
      setOpen((current) => openChat(current ?? [], chat.id));
      setTab(chat.id);
      setFocused(chat.id);
    },
    setLoss,
  );

  const desktop = useDesktop();
  const [paneArea, width] = useElementWidth();
  const shown = shownPanes(open ?? [], desktop ? paneSlots(width) : 0);
  const myChats = mine.data ?? [];
  const show = (chatId: string): void => {
    setOpen((current) => openChat(current ?? [], chatId));
    setTab(chatId);
  };
  // Opened from the list: straight to writing. (A tab chosen with the arrow keys keeps the focus.)
  const focus = (chatId: string): void => {
    show(chatId);
    setFocused(chatId);
  };
  const unreadOf = (chat: Chat): number =>
    unreadCount(chat, queryClient.getQueryData<ChatTimeline>(chatKeys.timeline(chat.id)), viewer.id);
  const close = (chatId: string): void => {
    setOpen((current) => closeChat(current ?? [], chatId));
    setTab(QUEUE_TAB);
  };

  const queuePanel = (
    <QueuePanel
      queue={queue}
      connection={connection}
      viewerId={viewer.id}
      accepting={accept.isPending ? accept.variables : undefined}
      loss={loss}
      onAccept={(chatId) => {
        setLoss(undefined);
        accept.mutate(chatId);
      }}
      onDismissLoss={() => setLoss(undefined)}
    />
  );
  const settings = (
    <>
      <AvailabilitySwitch viewerId={viewer.id} />
      <AlertToggles
        settings={alerts}
        onChange={(next) => {
          if (next.sound && !alerts.sound) {
            playChime(); // a preview, and the click that lets the page play sounds later
          }
          setAlerts(next);
        }}
      />
    </>
  );

  if (desktop) {
    return (
      <div className="mx-auto flex h-[calc(100dvh-3.5rem)] w-full max-w-6xl gap-4 px-4 py-4 sm:px-6">
        <aside className="flex w-72 shrink-0 flex-col gap-6 overflow-y-auto pr-1">
          <h1 className="text-lg font-semibold text-fg">{t("title")}</h1>
          <p role="status" className="sr-only">
            {handedOver}
          </p>
          {settings}
          {queuePanel}
          <MyChatsList chats={myChats} shown={shown} unreadOf={unreadOf} onOpen={focus} />
        </aside>
        <div ref={paneArea} className={`grid min-w-0 flex-1 gap-4 ${GRID_COLUMNS[shown.length] ?? "grid-cols-3"}`}>
          {shown.length === 0 ? (
            <div className="flex items-center justify-center rounded-xl border border-dashed border-border-strong p-8 text-center text-sm text-muted">
              {t("nothingOpen")}
            </div>
          ) : (
            shown.map((chatId) => (
              <ChatPane key={chatId} chatId={chatId} viewer={viewer} focusComposer={chatId === focused} onClose={() => close(chatId)} />
            ))
          )}
        </div>
      </div>
    );
  }

  // Phone: the queue, then one tab per chat (the agent's, and any still open after it ended).
  const chatName = (chatId: string): string => {
    const chat = myChats.find((entry) => entry.id === chatId) ?? queryClient.getQueryData<Chat>(chatKeys.chat(chatId));
    return chat?.customerDisplayName || t("pane.customer");
  };
  const tabIds = [...new Set([...myChats.map((chat) => chat.id), ...openIds])];
  const tabs: ConsoleTab[] = [
    { id: QUEUE_TAB, label: t("mine.queueTab"), count: waiting, countLabel: t("queue.count", { count: waiting }) },
    ...tabIds.map((chatId) => {
      const chat = myChats.find((entry) => entry.id === chatId);
      const unread = chat === undefined || chatId === tab ? 0 : unreadOf(chat);
      return { id: chatId, label: chatName(chatId), count: unread, countLabel: t("mine.unread", { count: unread }) };
    }),
  ];
  const selected = tabs.some((entry) => entry.id === tab) ? tab : QUEUE_TAB;
  return (
    <div className="flex h-[calc(100dvh-3.5rem)] flex-col">
      <h1 className="sr-only">{t("title")}</h1>
      <p role="status" className="sr-only">
        {handedOver}
      </p>
      <ConsoleTabs tabs={tabs} selected={selected} onSelect={(id) => (id === QUEUE_TAB ? setTab(QUEUE_TAB) : show(id))}>
        {selected === QUEUE_TAB ? (
          <div className="flex w-full max-w-xl flex-col gap-6 overflow-y-auto px-4 py-4 sm:px-6">
            {settings}
            {queuePanel}
            <MyChatsList chats={myChats} shown={[]} unreadOf={unreadOf} onOpen={focus} />
          </div>
        ) : (
          <div className="min-h-0 flex-1 p-2 sm:p-4">
            <ChatPane key={selected} chatId={selected} viewer={viewer} focusComposer={selected === focused} onClose={() => close(selected)} />
          </div>
        )}
      </ConsoleTabs>
    </div>
  );
}
