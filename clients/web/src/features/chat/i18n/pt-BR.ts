// Strings do chat ao vivo em português do Brasil (namespace "chat").
import type en from "./en";

const ptBR: typeof en = {
  title: "Chat ao vivo",
  subtitle: "Fale com nossa equipe de suporte em tempo real.",
  staffOnly: "O chat ao vivo é onde os clientes falam com o suporte. Agentes atendem os chats pela fila.",
  loadFailed: "Não foi possível carregar seus chats.",
  start: {
    heading: "Iniciar um chat",
    intro: "Conte sobre o que é e um agente vai atender você em instantes.",
    topic: "Assunto",
    topicHint: "Opcional, por exemplo “Cobrança” ou “Acesso à conta”.",
    message: "Mensagem",
    messageHint: "Sua primeira mensagem. Enter envia, Shift+Enter quebra a linha.",
    submit: "Iniciar chat",
    submitting: "Iniciando…",
    messageRequired: "Escreva uma mensagem para iniciar o chat.",
  },
  status: {
    label: "Status do chat",
    connecting: "Conectando…",
    reconnecting: "Conexão perdida. Reconectando… Suas mensagens estão guardadas e serão enviadas.",
    waiting: "Aguardando um agente. Você é o número {{position}} na fila.",
    waitingNext: "Aguardando um agente. Você é o próximo da fila.",
    waitingUnknown: "Aguardando um agente…",
    active: "Você está conversando com {{name}}.",
    ended: "Este chat foi encerrado.",
    failed: "Não é possível acompanhar este chat agora.",
  },
  header: {
    waiting: "Aguardando agente",
    withAgent: "{{name}}",
    agentRole: "Agente de suporte",
    topic: "Assunto: {{topic}}",
    noTopic: "Chat ao vivo",
  },
  messages: {
    support: "Suporte",
  },
  composer: {
    tooLong: "As mensagens podem ter no máximo {{max}} caracteres ({{count}} agora).",
  },
  end: {
    button: "Encerrar chat",
    confirm: "Encerrar este chat? Você poderá avaliá-lo em seguida.",
    yes: "Sim, encerrar",
    no: "Continuar conversando",
    ending: "Encerrando…",
  },
  rating: {
    heading: "Como foi o seu atendimento?",
    legend: "Sua avaliação",
    star_one: "{{count}} estrela",
    star_other: "{{count}} estrelas",
    feedback: "Comentário",
    submit: "Enviar avaliação",
    submitting: "Enviando…",
    required: "Escolha de 1 a 5 estrelas.",
    thanks: "Obrigado pela sua avaliação!",
    yourRating: "Você avaliou este chat com {{count}} de 5.",
    alreadyRated: "Este chat já foi avaliado.",
  },
  launcher: "Fale conosco",
  newChat: "Iniciar um novo chat",
  endedBy: {
    you: "Você encerrou o chat.",
    other: "O chat foi encerrado por {{name}}.",
  },
};

export default ptBR;
