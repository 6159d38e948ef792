// A floating "Chat with us" button for pages where a customer may want help right away (the help
// center). The app shell decides where it appears; it is a link to /chat, nothing more.

import { Link } from "@tanstack/react-router";
import { MessageCircle } from "lucide-react";
import { useTranslation } from "react-i18next";
import { CHAT_NAMESPACE } from "./i18n";

export function ChatLauncher() {
  const { t } = useTranslation(CHAT_NAMESPACE);
  return (
    <Link
      to="/chat"
      className="fixed right-4 bottom-4 z-30 inline-flex h-12 items-center gap-2 rounded-full bg-accent px-5 text-sm font-medium text-accent-fg shadow-lg hover:bg-accent-hover sm:right-6 sm:bottom-6"
    >
      <MessageCircle aria-hidden="true" className="size-5" />
      {t("launcher")}
    </Link>
  );
}
