"""A help center written for the relevance tests: Portuguese and English articles on overlapping topics.

Topics overlap on purpose (passwords, sign-in, security, billing, plans, notifications, teams,
integrations), every article uses the everyday words of its language (conta, clique, página,
account, click, settings), and accents, plurals and noun/verb pairs (redefinição / redefinir)
appear as a real help center writes them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CorpusArticle:
    """One article of the test help center."""

    title: str
    body: str
    category: str
    tags: tuple[str, ...] = ()


CORPUS: tuple[CorpusArticle, ...] = (
    # Portuguese
    CorpusArticle(
        "Como redefinir sua senha",
        "Se você esqueceu a senha, clique em Esqueci minha senha na página de login. Enviaremos um link de "
        "redefinição para o e-mail cadastrado na sua conta. O link vale por 30 minutos; depois disso, peça outro. "
        "Escolha uma senha nova com pelo menos 8 caracteres.",
        "conta",
        ("senha", "login"),
    ),
    CorpusArticle(
        "Alterar o e-mail da conta",
        "Acesse Minha conta > Perfil e informe o novo endereço de e-mail. Para confirmar a alteração, clique no "
        "link que enviaremos ao endereço novo. Sua senha e seus chamados continuam os mesmos.",
        "conta",
        ("perfil",),
    ),
    CorpusArticle(
        "Ativar a verificação em duas etapas",
        "A verificação em duas etapas protege sua conta mesmo que alguém descubra sua senha. Na página Segurança, "
        "clique em Ativar e leia o QR code com um aplicativo autenticador. A cada login pediremos o código de seis "
        "dígitos do aplicativo. Guarde os códigos de recuperação em um lugar seguro.",
        "seguranca",
        ("seguranca", "2fa"),
    ),
    CorpusArticle(
        "Perdi o celular com o aplicativo autenticador",
        "Sem o celular, entre com um dos códigos de recuperação que você guardou ao ativar a verificação em duas "
        "etapas. Depois, na página Segurança, configure o aplicativo autenticador no aparelho novo. Se não tiver os "
        "códigos, abra um chamado: confirmaremos sua identidade antes de liberar o acesso.",
        "seguranca",
        ("seguranca", "2fa"),
    ),
    CorpusArticle(
        "Formas de pagamento aceitas",
        "Aceitamos cartão de crédito, boleto bancário e Pix. Planos anuais também podem ser pagos por "
        "transferência. A forma de pagamento pode ser trocada a qualquer momento na página Cobrança.",
        "cobranca",
        ("pagamento", "cobranca"),
    ),
    CorpusArticle(
        "Pagamento por boleto: prazo de compensação",
        "O boleto leva até três dias úteis para compensar. Sua conta continua ativa enquanto aguardamos a "
        "compensação. Se o boleto vencer, gere um novo na página Cobrança: o valor não muda.",
        "cobranca",
        ("pagamento", "boleto"),
    ),
    CorpusArticle(
        "Como pagar com Pix",
        "Na página Cobrança, escolha Pix e leia o QR code no aplicativo do seu banco, ou copie o código. O "
        "pagamento é confirmado em poucos segundos e a fatura fica quitada na hora.",
        "cobranca",
        ("pagamento", "pix"),
    ),
    CorpusArticle(
        "Segunda via da fatura",
        "Todas as faturas ficam em Cobrança > Faturas. Clique em Baixar PDF para obter a segunda via. Faturas em "
        "aberto também mostram o boleto e o código Pix para pagamento.",
        "cobranca",
        ("fatura", "cobranca"),
    ),
    CorpusArticle(
        "Cancelar a assinatura",
        "Você pode cancelar a qualquer momento em Plano > Cancelar assinatura. O acesso continua até o fim do "
        "período já pago e não há multa. Seus dados ficam disponíveis para exportação por 30 dias.",
        "conta",
        ("assinatura", "plano"),
    ),
    CorpusArticle(
        "Reembolso de cobranças indevidas",
        "Se você foi cobrado duas vezes ou depois de cancelar o plano, peça o reembolso em até 30 dias pela "
        "página Cobrança ou por um chamado. O estorno no cartão aparece em até duas faturas.",
        "cobranca",
        ("reembolso", "cobranca"),
    ),
    CorpusArticle(
        "Configuração de notificações",
        "Em Preferências > Notificações, escolha quais alertas receber por e-mail e no aplicativo. Para desativar "
        "todas as notificações de um tipo, desmarque a caixa correspondente. As mudanças valem na hora.",
        "conta",
        ("notificacoes", "preferencias"),
    ),
    CorpusArticle(
        "Exportar relatórios em CSV",
        "Na tela Relatórios, escolha o período e clique em Exportar. O arquivo sai em CSV, que abre em qualquer "
        "planilha (Excel, Google Sheets). Relatórios grandes chegam por e-mail quando ficam prontos.",
        "relatorios",
        ("relatorios", "exportacao"),
    ),
    CorpusArticle(
        "Convidar usuários para a equipe",
        "Administradores convidam pessoas em Equipe > Convidar. Informe o e-mail e escolha o papel: agente ou "
        "administrador. O convite vale por sete dias e cada usuário convidado ocupa uma licença do plano.",
        "equipe",
        ("equipe", "convite"),
    ),
    CorpusArticle(
        "Permissões de agentes e administradores",
        "Agentes respondem chamados e chats e editam artigos. Administradores também gerenciam a equipe, o plano, "
        "a cobrança e as integrações. Mude o papel de um usuário em Equipe > Usuários.",
        "equipe",
        ("permissoes", "equipe"),
    ),
    CorpusArticle(
        "Instalar o aplicativo no celular",
        "Baixe o app na Google Play (Android) ou na App Store (iPhone) e entre com a mesma conta da versão web. "
        "Ative as notificações do aparelho para saber de novos chamados e mensagens de chat.",
        "mobile",
        ("aplicativo", "celular"),
    ),
    CorpusArticle(
        "Horário de atendimento do suporte",
        "Nosso suporte atende de segunda a sexta, das 8h às 18h (horário de Brasília), por chat e por chamado. "
        "Fora desse horário, deixe sua mensagem: respondemos no próximo dia útil.",
        "suporte",
        ("suporte", "atendimento"),
    ),
    CorpusArticle(
        "Como abrir um chamado",
        "Clique em Novo chamado, descreva o problema e anexe prints se puder. Você recebe um número e acompanha "
        "as respostas da equipe de suporte na página Meus chamados.",
        "suporte",
        ("chamado", "suporte"),
    ),
    CorpusArticle(
        "Integração com a API: chaves de acesso",
        "Gere uma chave de API em Configurações > Integrações. Envie a chave no cabeçalho Authorization de cada "
        "requisição. Guarde-a como uma senha: quem tem a chave acessa os dados da sua conta.",
        "integracoes",
        ("api", "integracao"),
    ),
    CorpusArticle(
        "Excluir minha conta e meus dados (LGPD)",
        "Pela LGPD você pode pedir a exclusão dos seus dados pessoais. Em Minha conta > Privacidade, clique em "
        "Excluir conta. A exclusão é definitiva depois de 30 dias; notas fiscais são guardadas pelo prazo legal.",
        "conta",
        ("privacidade", "lgpd"),
    ),
    CorpusArticle(
        "Mudar de plano: upgrade e downgrade",
        "Em Plano > Mudar de plano, escolha o novo plano. No upgrade, cobramos a diferença proporcional na hora; "
        "no downgrade, o valor menor vale a partir da próxima renovação da assinatura.",
        "conta",
        ("plano", "assinatura"),
    ),
    CorpusArticle(
        "Nota fiscal eletrônica",
        "A nota fiscal é emitida automaticamente depois da confirmação do pagamento e enviada ao e-mail de "
        "cobrança. Para incluir CNPJ ou razão social, atualize os dados em Cobrança > Dados fiscais.",
        "cobranca",
        ("fatura", "nota-fiscal"),
    ),
    CorpusArticle(
        "Conta bloqueada após tentativas de login",
        "Depois de cinco tentativas com a senha errada, a conta fica bloqueada por 15 minutos, para proteger "
        "você. Espere e tente de novo, ou redefina a senha pelo link Esqueci minha senha.",
        "seguranca",
        ("login", "senha"),
    ),
    CorpusArticle(
        "Respostas automáticas e macros",
        "Macros preenchem respostas prontas com um clique. Em Configurações > Macros, crie uma resposta, use "
        "variáveis como o nome do cliente e defina se o chamado muda de status ao enviar.",
        "atendimento",
        ("macros", "respostas"),
    ),
    CorpusArticle(
        "Atalhos de teclado para agentes",
        "Pressione ? em qualquer tela para ver todos os atalhos. J e K navegam pela fila de chamados, R abre a "
        "resposta e Ctrl+Enter envia.",
        "atendimento",
        ("atalhos", "produtividade"),
    ),
    CorpusArticle(
        "Receber eventos por webhooks",
        "Cadastre a URL do seu sistema em Configurações > Integrações > Webhooks e escolha os eventos: chamado "
        "criado, chamado resolvido, chat encerrado. Cada envio é assinado para você verificar a origem.",
        "integracoes",
        ("webhooks", "integracao"),
    ),
    # English
    CorpusArticle(
        "Reset your password",
        "Forgot your password? On the sign-in page, click Forgot password and we will email you a reset link. "
        "The link is valid for 30 minutes. Choose a new password of at least 8 characters.",
        "account",
        ("password", "sign-in"),
    ),
    CorpusArticle(
        "Change the email address on your account",
        "Open Account settings > Profile and enter your new email address. We send a confirmation link to the "
        "new address; the change applies once you click it. Your password does not change.",
        "account",
        ("profile", "email"),
    ),
    CorpusArticle(
        "Set up two-factor authentication",
        "Two-factor authentication protects your account even if someone learns your password. In Security "
        "settings, click Enable and scan the QR code with an authenticator app. Each sign-in then asks for a "
        "six-digit verification code. Save your backup codes somewhere safe.",
        "security",
        ("security", "2fa"),
    ),
    CorpusArticle(
        "Lost your phone? Sign in with backup codes",
        "Without your phone, sign in with one of the backup codes you saved when you set up two-factor "
        "authentication, then set up the authenticator app on your new device. No backup codes? Open a ticket "
        "and we will verify your identity.",
        "security",
        ("security", "2fa"),
    ),
    CorpusArticle(
        "Accepted payment methods",
        "We accept credit and debit cards (Visa, Mastercard, American Express) and PayPal. Annual plans can also "
        "be paid by bank transfer. You can change your payment method at any time on the Billing page.",
        "billing",
        ("billing", "payment"),
    ),
    CorpusArticle(
        "Update your credit card",
        "Go to Billing > Payment method and click Replace card. Your next invoice is charged to the new card. "
        "If a charge fails, we retry three times over a week before pausing the account.",
        "billing",
        ("billing", "card"),
    ),
    CorpusArticle(
        "Download invoices and receipts",
        "Every invoice is listed under Billing > Invoices. Click Download PDF to save it. Receipts are emailed "
        "to the billing contact after each payment; add your VAT number there to show it on invoices.",
        "billing",
        ("billing", "invoice"),
    ),
    CorpusArticle(
        "Request a refund",
        "If you were charged twice or after cancelling, ask for a refund within 30 days from the Billing page or "
        "in a ticket. Refunds go back to the card you paid with and take 5 to 10 business days.",
        "billing",
        ("billing", "refund"),
    ),
    CorpusArticle(
        "Cancel your subscription",
        "You can cancel at any time under Plan > Cancel subscription. You keep access until the end of the "
        "period you paid for, with no fee. Your data stays available for export for 30 days.",
        "account",
        ("subscription", "plan"),
    ),
    CorpusArticle(
        "Upgrade or downgrade your plan",
        "Under Plan > Change plan, pick the new plan. An upgrade charges the prorated difference right away; "
        "a downgrade takes effect when your subscription renews.",
        "account",
        ("plan", "subscription"),
    ),
    CorpusArticle(
        "Manage email notifications",
        "Under Preferences > Notifications, choose which alerts you receive by email and in the app. To turn off "
        "a kind of notification entirely, clear its checkbox. Changes apply immediately.",
        "account",
        ("notifications", "preferences"),
    ),
    CorpusArticle(
        "Export tickets to CSV",
        "On the Tickets page, filter the tickets you need and click Export. The CSV file opens in any "
        "spreadsheet. Large exports are emailed to you when they are ready.",
        "reports",
        ("export", "tickets"),
    ),
    CorpusArticle(
        "Invite teammates and assign roles",
        "Admins invite people under Team > Invite. Enter their email and pick a role: agent or admin. "
        "Invitations expire after seven days, and each invited user takes one seat of your plan.",
        "team",
        ("team", "invite"),
    ),
    CorpusArticle(
        "Roles and permissions explained",
        "Agents answer tickets and chats and edit articles. Admins also manage the team, the plan, billing and "
        "integrations. Change a user's role under Team > Users.",
        "team",
        ("permissions", "team"),
    ),
    CorpusArticle(
        "Install the mobile app",
        "Download the app from Google Play (Android) or the App Store (iPhone) and sign in with the same account "
        "as on the web. Allow notifications to hear about new tickets and chat messages.",
        "mobile",
        ("mobile", "app"),
    ),
    CorpusArticle(
        "Contact support: hours and channels",
        "Our support team is available Monday to Friday, 8 am to 6 pm, by chat and by ticket. Outside those "
        "hours, leave a message and we reply on the next business day.",
        "support",
        ("support", "contact"),
    ),
    CorpusArticle(
        "Generate an API key",
        "Create an API key under Settings > Integrations. Send the key in the Authorization header of each "
        "request. Treat it like a password: anyone with the key can read your account's data.",
        "integrations",
        ("api", "integrations"),
    ),
    CorpusArticle(
        "Configure webhooks",
        "Add your endpoint URL under Settings > Integrations > Webhooks and choose the events: ticket created, "
        "ticket resolved, chat ended. Every delivery is signed so that you can verify where it came from.",
        "integrations",
        ("webhooks", "integrations"),
    ),
    CorpusArticle(
        "Delete your account and personal data",
        "Under Account settings > Privacy, click Delete account. Deletion becomes permanent after 30 days; "
        "invoices are kept for as long as tax law requires.",
        "account",
        ("privacy", "gdpr"),
    ),
    CorpusArticle(
        "Account locked after failed sign-in attempts",
        "After five sign-in attempts with a wrong password, the account is locked for 15 minutes to protect you. "
        "Wait and try again, or reset your password with the Forgot password link.",
        "security",
        ("sign-in", "password"),
    ),
    CorpusArticle(
        "Keyboard shortcuts for agents",
        "Press ? on any screen to see every shortcut. J and K move through the ticket queue, R opens the reply "
        "box and Ctrl+Enter sends.",
        "agents",
        ("shortcuts", "productivity"),
    ),
    CorpusArticle(
        "Create tickets from your support inbox",
        "Forward the emails of your support address to your helpdesk address and every new email becomes a "
        "ticket; replies in the ticket are sent back by email to the customer.",
        "integrations",
        ("email", "tickets"),
    ),
    CorpusArticle(
        "Single sign-on with Google or Microsoft",
        "Admins can turn on single sign-on (SSO) under Security settings. Your team then signs in with their "
        "Google or Microsoft account, and passwords are no longer used.",
        "security",
        ("sso", "sign-in"),
    ),
)
