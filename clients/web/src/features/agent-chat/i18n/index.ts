// The chat console's strings, registered with the app's i18next under the "agent-chat" namespace.
import { registerTranslations } from "@/lib/i18n";
import en from "./en";
import ptBR from "./pt-BR";

export const AGENT_CHAT_NAMESPACE = "agent-chat";

registerTranslations(AGENT_CHAT_NAMESPACE, { en, "pt-BR": ptBR });
