"""Demo articles for `helpdesk dev`: a small help centre in Portuguese and English, some drafts."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from server.knowledge.slugs import first_free_slug, slugify
from storage.db import Database
from storage.models import ArticleState

_log = logging.getLogger(__name__)

DEMO_AUTHOR_EMAIL = "agent1@example.com"


@dataclass(frozen=True, slots=True)
class DemoArticle:
    """One demo article."""

    title: str
    body: str
    category: str
    tags: tuple[str, ...]
    state: ArticleState = ArticleState.PUBLISHED


DEMO_ARTICLES = (
    DemoArticle(
        "Como redefinir sua senha",
        "Esqueceu a senha? Na página de login, clique em **Esqueci minha senha** e informe o e-mail da sua "
        "conta. Enviaremos um link de redefinição válido por 30 minutos.\n\nSe o e-mail não chegar, "
        "verifique a caixa de spam ou fale com o suporte.",
        "conta",
        ("senha", "login"),
    ),
    DemoArticle(
        "How to reset your password",
        "Forgot your password? On the sign-in page choose **Forgot password** and enter your account email. "
        "We send a reset link that stays valid for 30 minutes.\n\nNo email? Check your spam folder.",
        "account",
        ("password", "login"),
    ),
    DemoArticle(
        "Configuração de notificações por e-mail",
        "Em **Configurações > Notificações** você escolhe quais avisos recebe: respostas em chamados, "
        "novidades do produto e lembretes de pagamento.",
        "conta",
        ("notificacoes", "email"),
    ),
    DemoArticle(
        "Two-factor authentication",
        "Turn on two-factor authentication under **Security**. You will need an authenticator app; "
        "keep the recovery codes somewhere safe.",
        "account",
        ("security", "2fa"),
    ),
    DemoArticle(
        "Formas de pagamento aceitas",
        "Aceitamos cartão de crédito, boleto bancário e Pix. O Pix é confirmado em poucos minutos; "
        "o boleto, em até dois dias úteis.",
        "cobranca",
        ("pagamento", "pix", "boleto"),
    ),
    DemoArticle(
        "Downloading your invoices",
        "Invoices for every payment are under **Billing > Invoices**. Each one can be downloaded as a PDF.",
        "billing",
        ("invoice", "pdf"),
    ),
    DemoArticle(
        "Como cancelar sua assinatura",
        "Você pode cancelar a assinatura a qualquer momento em **Cobrança > Plano**. O acesso continua "
        "até o fim do período já pago.",
        "cobranca",
        ("assinatura", "cancelamento"),
    ),
    DemoArticle(
        "Changing your plan",
        "Upgrade or downgrade under **Billing > Plan**. Upgrades apply at once and are prorated.",
        "billing",
        ("plan", "upgrade"),
    ),
    DemoArticle(
        "Falando com um atendente pelo chat",
        "Clique no balão de chat no canto da tela. Em horário comercial um atendente responde em poucos "
        "minutos; fora dele, abra um chamado.",
        "atendimento",
        ("chat", "suporte"),
    ),
    DemoArticle(
        "Opening a support ticket",
        "Describe the problem, add screenshots and pick a category. You will get an email for every reply.",
        "support",
        ("ticket", "support"),
    ),
    DemoArticle(
        "Exportação de dados (rascunho)",
        "Em breve: como exportar seus dados em CSV.",
        "conta",
        ("exportacao",),
        ArticleState.DRAFT,
    ),
    DemoArticle(
        "Single sign-on with SAML (draft)",
        "Work in progress: configuring SAML single sign-on for business plans.",
        "account",
        ("sso", "saml"),
        ArticleState.DRAFT,
    ),
)


async def seed_demo_articles(database: Database) -> int:
    """Creates the demo articles by the demo agent (skipping titles already present); returns how many."""
    created = 0
    async with database.unit_of_work() as uow:
        author = await uow.users.get_by_email(email=DEMO_AUTHOR_EMAIL)
        if author is None:
            _log.warning("demo author %s missing: no demo articles", DEMO_AUTHOR_EMAIL)
            return 0
        for demo in DEMO_ARTICLES:
            base = slugify(demo.title)
            taken = await uow.articles.slugs_starting_with(base=base)
            if base in taken:
                continue
            article = await uow.articles.add(
                article_id=uuid.uuid4(),
                slug=first_free_slug(base, taken),
                title=demo.title,
                body=demo.body,
                category=demo.category,
                tags=sorted(demo.tags),
                author_id=author.id,
            )
            if article is not None and demo.state is not ArticleState.DRAFT:
                await uow.articles.set_state(article_id=article.id, state=demo.state)
            created += article is not None
    return created
