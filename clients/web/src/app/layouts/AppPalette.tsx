import { useNavigate } from "@tanstack/react-router";
import { useTranslation } from "react-i18next";
import { CommandPalette, type PaletteRequest } from "@/components/CommandPalette";
import { client, useSession } from "@/lib/client";
import { describeError } from "@/lib/errors";

/** The Ctrl/Cmd+K palette wired to the app: tickets by number, search in the user's ticket list. */
export function AppPalette({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const { t: tp } = useTranslation("palette");
  const navigate = useNavigate();
  const { isStaff } = useSession();
  const onRequest = async (request: PaletteRequest): Promise<string | undefined> => {
    if (request.kind === "search") {
      if (isStaff) await navigate({ to: "/agent/tickets", search: { view: "open", q: request.text } });
      else await navigate({ to: "/tickets", search: { q: request.text } });
      return undefined;
    }
    try {
      const page = await client.tickets.listTickets({ number: request.number, pageSize: 1 });
      const ticket = page.tickets[0];
      if (ticket === undefined) return tp("noTicket", { number: request.number });
      if (isStaff) await navigate({ to: "/agent/tickets/$ticketId", params: { ticketId: ticket.id } });
      else await navigate({ to: "/tickets/$ticketId", params: { ticketId: ticket.id } });
      return undefined;
    } catch (error) {
      return describeError(error, t);
    }
  };
  return <CommandPalette open onClose={onClose} onRequest={onRequest} />;
}
