// Strings of the admin console's status page (namespace "adminStatus").
import { registerTranslations } from "@/lib/i18n";

registerTranslations("adminStatus", {
  en: {
    title: "System status",
    subtitle: "The server’s health through the gateway, checked every 10 seconds.",
    refresh: "Check now",
    checkedAt: "Checked at {{time}}",
    verdict: {
      operational: "All services are operational",
      degraded: "Some services are not serving",
      down: "The server is not serving",
    },
    verdictBody: {
      operational: "PostgreSQL and Redis are reachable and every service takes calls.",
      degraded: "A dependency may be down. The knowledge base and chat keep serving without Redis, more slowly.",
      down: "PostgreSQL or Redis is unreachable, or no server answers behind the gateway.",
    },
    servicesLabel: "Services",
    state: { serving: "Serving", notServing: "Not serving", unknown: "Not reported", unreachable: "Unreachable" },
    service: {
      overall: "Server (overall)",
      AuthService: "Sign-in and sessions",
      UserService: "Users",
      TicketService: "Tickets",
      ChatService: "Live chat",
      KnowledgeService: "Knowledge base",
    },
    replicas: "Each check reaches one server through the gateway; with several servers, checks may land on different ones.",
    metrics: {
      title: "Metrics and references",
      body: "Each server serves its Prometheus metrics (calls by method and status, latency, cache hits, pool use, live streams) at `/metrics` on its own port: `HELPDESK_METRICS_PORT`, 9464 by default; `make run` prints the address of each. The gateway’s statistics come from Envoy’s admin port, open on the gateway’s machine only.",
      gateway: "Gateway statistics, Prometheus format (Envoy admin, on the gateway’s machine)",
      api: "API reference",
    },
  },
  "pt-BR": {
    title: "Status do sistema",
    subtitle: "A saúde do servidor através do gateway, verificada a cada 10 segundos.",
    refresh: "Verificar agora",
    checkedAt: "Verificado às {{time}}",
    verdict: {
      operational: "Todos os serviços estão operando",
      degraded: "Alguns serviços não estão atendendo",
      down: "O servidor não está atendendo",
    },
    verdictBody: {
      operational: "PostgreSQL e Redis estão acessíveis e todos os serviços atendem chamadas.",
      degraded: "Uma dependência pode estar fora do ar. A base de conhecimento e o chat seguem sem o Redis, mais devagar.",
      down: "PostgreSQL ou Redis está inacessível, ou nenhum servidor responde atrás do gateway.",
    },
    servicesLabel: "Serviços",
    state: { serving: "Atendendo", notServing: "Fora do ar", unknown: "Não informado", unreachable: "Inacessível" },
    service: {
      overall: "Servidor (geral)",
      AuthService: "Acesso e sessões",
      UserService: "Usuários",
      TicketService: "Chamados",
      ChatService: "Chat ao vivo",
      KnowledgeService: "Base de conhecimento",
    },
    replicas: "Cada verificação chega a um servidor através do gateway; com vários servidores, elas podem cair em servidores diferentes.",
    metrics: {
      title: "Métricas e referências",
      body: "Cada servidor expõe suas métricas Prometheus (chamadas por método e status, latência, acertos de cache, uso do pool, streams ativos) em `/metrics` na própria porta: `HELPDESK_METRICS_PORT`, 9464 por padrão; `make run` mostra o endereço de cada um. As estatísticas do gateway vêm da porta de administração do Envoy, aberta só na máquina do gateway.",
      gateway: "Estatísticas do gateway, formato Prometheus (admin do Envoy, na máquina do gateway)",
      api: "Referência da API",
    },
  },
});
