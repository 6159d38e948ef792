// The chat feature's strings, registered with the app's i18next under the "chat" namespace.
import { registerTranslations } from "@/lib/i18n";
import en from "./en";
import ptBR from "./pt-BR";

export const CHAT_NAMESPACE = "chat";

registerTranslations(CHAT_NAMESPACE, { en, "pt-BR": ptBR });
