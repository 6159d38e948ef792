// Strings of the shared conversation UI (namespace "chat-ui"): the customer's chat and the agents'
// chat console both show their messages and composer with these.
import { registerTranslations } from "@/lib/i18n";

const en = {
  messages: {
    region: "Conversation",
    label: "Messages",
    empty: "No messages yet.",
    you: "You",
    someone: "Support",
    sending: "Sending…",
    sent: "Sent",
    read: "Read",
    waiting: "Not sent yet",
    failed: "Not sent",
    retry: "Retry",
    discard: "Discard",
    retryLabel: "Retry sending “{{preview}}”",
    discardLabel: "Discard “{{preview}}”",
    newMessages: "New messages",
  },
  failure: {
    offline: "No connection. It will be sent as soon as you are back online.",
    rateLimited: "Too many messages at once. Retrying shortly.",
    chatEnded: "The chat ended before this message was sent.",
    rejected: "The message was refused.",
    signedOut: "Sign in again to send this message.",
  },
  typing: "{{name}} is typing…",
  composer: {
    label: "Message",
    placeholder: "Write a message…",
    hint: "Enter sends, Shift+Enter adds a line.",
    send: "Send",
    tooLong: "Messages can be at most {{max}} characters ({{count}} now).",
  },
};

const ptBR: typeof en = {
  messages: {
    region: "Conversa",
    label: "Mensagens",
    empty: "Nenhuma mensagem ainda.",
    you: "Você",
    someone: "Suporte",
    sending: "Enviando…",
    sent: "Enviada",
    read: "Lida",
    waiting: "Ainda não enviada",
    failed: "Não enviada",
    retry: "Tentar de novo",
    discard: "Descartar",
    retryLabel: "Tentar de novo o envio de “{{preview}}”",
    discardLabel: "Descartar “{{preview}}”",
    newMessages: "Novas mensagens",
  },
  failure: {
    offline: "Sem conexão. Ela será enviada assim que você voltar a ficar online.",
    rateLimited: "Muitas mensagens de uma vez. Tentando de novo em instantes.",
    chatEnded: "O chat foi encerrado antes de esta mensagem ser enviada.",
    rejected: "A mensagem foi recusada.",
    signedOut: "Entre novamente para enviar esta mensagem.",
  },
  typing: "{{name}} está digitando…",
  composer: {
    label: "Mensagem",
    placeholder: "Escreva uma mensagem…",
    hint: "Enter envia, Shift+Enter quebra a linha.",
    send: "Enviar",
    tooLong: "As mensagens podem ter no máximo {{max}} caracteres ({{count}} agora).",
  },
};

export const CHAT_UI_NAMESPACE = "chat-ui";

registerTranslations(CHAT_UI_NAMESPACE, { en, "pt-BR": ptBR });
