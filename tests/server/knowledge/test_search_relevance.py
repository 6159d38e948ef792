"""Search relevance: what a user types finds the article they need among the first three results.

The help center is `relevance_corpus.py` (Portuguese and English articles on overlapping topics),
published through the API into the module's own database; each query names the one article that
must be in the top 3. Queries are written as users type them: without accents, in the singular or
the plural, with the noun where the article has the verb, with stop words left in.
"""

from __future__ import annotations

import pytest

from helpdesk.v1 import knowledge_service_pb2
from tests.server.knowledge.kb_support import KbCast, KnowledgeStub, create_article
from tests.server.knowledge.relevance_corpus import CORPUS

# (query, the title that must be among the first three results)
EXPECTED: tuple[tuple[str, str], ...] = (
    # Portuguese
    ("esqueci minha senha", "Como redefinir sua senha"),
    ("redefinição de senha", "Como redefinir sua senha"),
    ("redefinir senha", "Como redefinir sua senha"),
    ("alterar e-mail", "Alterar o e-mail da conta"),
    ("verificacao em duas etapas", "Ativar a verificação em duas etapas"),
    ("perdi o celular", "Perdi o celular com o aplicativo autenticador"),
    ("codigo de recuperacao", "Perdi o celular com o aplicativo autenticador"),
    ("formas de pagamento", "Formas de pagamento aceitas"),
    ("boleto compensação", "Pagamento por boleto: prazo de compensação"),
    ("pagar com pix", "Como pagar com Pix"),
    ("segunda via da fatura", "Segunda via da fatura"),
    ("cancelar assinatura", "Cancelar a assinatura"),
    ("reembolso", "Reembolso de cobranças indevidas"),
    ("cobrado duas vezes", "Reembolso de cobranças indevidas"),
    ("configuracoes de notificacao", "Configuração de notificações"),
    ("desativar notificações", "Configuração de notificações"),
    ("exportar relatorio", "Exportar relatórios em CSV"),
    ("convidar usuarios", "Convidar usuários para a equipe"),
    ("permissões do agente", "Permissões de agentes e administradores"),
    ("instalar app android", "Instalar o aplicativo no celular"),
    ("horario de atendimento", "Horário de atendimento do suporte"),
    ("abrir chamado", "Como abrir um chamado"),
    ("chave de api", "Integração com a API: chaves de acesso"),
    ("excluir conta lgpd", "Excluir minha conta e meus dados (LGPD)"),
    ("upgrade do plano", "Mudar de plano: upgrade e downgrade"),
    ("nota fiscal", "Nota fiscal eletrônica"),
    ("conta bloqueada", "Conta bloqueada após tentativas de login"),
    ("resposta automatica", "Respostas automáticas e macros"),
    ("atalhos de teclado", "Atalhos de teclado para agentes"),
    ("webhook", "Receber eventos por webhooks"),
    # English
    ("forgot password", "Reset your password"),
    ("password reset link", "Reset your password"),
    ("change email address", "Change the email address on your account"),
    ("two factor authentication", "Set up two-factor authentication"),
    ("lost phone", "Lost your phone? Sign in with backup codes"),
    ("backup code", "Lost your phone? Sign in with backup codes"),
    ("payment methods", "Accepted payment methods"),
    ("update credit card", "Update your credit card"),
    ("download invoice", "Download invoices and receipts"),
    ("refund", "Request a refund"),
    ("charged twice", "Request a refund"),
    ("cancel subscription", "Cancel your subscription"),
    ("downgrade plan", "Upgrade or downgrade your plan"),
    ("turn off email notifications", "Manage email notifications"),
    ("export tickets csv", "Export tickets to CSV"),
    ("invite teammates", "Invite teammates and assign roles"),
    ("user roles and permissions", "Roles and permissions explained"),
    ("iphone app", "Install the mobile app"),
    ("support hours", "Contact support: hours and channels"),
    ("api keys", "Generate an API key"),
    ("webhooks", "Configure webhooks"),
    ("delete my account", "Delete your account and personal data"),
    ("account locked", "Account locked after failed sign-in attempts"),
    ("keyboard shortcuts", "Keyboard shortcuts for agents"),
    ("forward emails to tickets", "Create tickets from your support inbox"),
    ("sso google", "Single sign-on with Google or Microsoft"),
)


@pytest.fixture(scope="module")
async def help_center(kb_stub: KnowledgeStub, cast: KbCast) -> None:
    """The whole corpus, published."""
    for article in CORPUS:
        await create_article(
            kb_stub,
            cast.agent,
            title=article.title,
            body=article.body,
            category=article.category,
            tags=article.tags,
            publish=True,
        )


def test_every_expected_article_is_in_the_corpus() -> None:
    titles = {article.title for article in CORPUS}
    assert len(titles) == len(CORPUS)
    assert {title for _, title in EXPECTED} <= titles
    assert len(EXPECTED) >= 30


@pytest.mark.parametrize(("query", "expected"), EXPECTED, ids=[query for query, _ in EXPECTED])
async def test_the_expected_article_is_in_the_top_three(
    kb_stub: KnowledgeStub, help_center: None, query: str, expected: str
) -> None:
    response = await kb_stub.SearchArticles(knowledge_service_pb2.SearchArticlesRequest(query=query, page_size=50))
    titles = [result.article.title for result in response.results]
    # 51 = not found at all (the page holds at most 50).
    rank = titles.index(expected) + 1 if expected in titles else 51
    assert rank <= 3, f"{query!r}: {expected!r} ranked {rank if rank <= 50 else 'nowhere'}; top 3: {titles[:3]}"
