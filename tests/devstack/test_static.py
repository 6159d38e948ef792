"""The web app's file server: SPA fallback, caching, gzip, and nothing outside its directory, ever.

Requests go over real HTTP to the real process `helpdesk dev` starts (`StaticSite`), with raw
paths (no client-side normalisation), next to a secret file that must never come out.
"""

from __future__ import annotations

import gzip
import http.client
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.static import IMMUTABLE, REVALIDATE, SiteRoute, StaticSite, app_routes, resolve
from tests.support import running_site

INDEX = b"<!doctype html><title>Helpdesk</title><div id=root></div>"
SCRIPT = b"export const greeting = 'hello';\n" * 100
SECRET = b"do-not-serve-this-secret"


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built app (index.html, a hashed asset, a favicon) with a secret file beside its directory."""
    top = tmp_path_factory.mktemp("site")
    (top / "secret.txt").write_bytes(SECRET)
    dist = top / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_bytes(INDEX)
    (dist / "assets" / "index-3f9a8c1d.js").write_bytes(SCRIPT)
    (dist / "favicon.svg").write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    (dist / ".env").write_bytes(SECRET)
    (dist / "assets" / "escape.js").symlink_to(top / "secret.txt")
    return dist


@pytest.fixture(scope="module")
def site(site_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticSite]:
    """The file server process over `site_dir`."""
    with running_site(app_routes(site_dir), tmp_path_factory.mktemp("log")) as static:
        yield static


def get(
    site: StaticSite, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    """One raw request (the path is sent exactly as given)."""
    connection = http.client.HTTPConnection(*site.address, timeout=5)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_app_pages_fall_back_to_index_html_which_is_revalidated(site: StaticSite) -> None:
    for path in ("/", "/tickets", "/tickets/0b8e2c6a-5a1f-4b7e-9d61-1c2b3a4d5e6f", "/help/articles/reset?q=x"):
        status, headers, body = get(site, path)
        assert (status, body) == (200, INDEX), path
        assert headers["cache-control"] == REVALIDATE
        assert headers["content-type"] == "text/html; charset=utf-8"


def test_hashed_assets_are_immutable_and_gzipped_when_accepted(site: StaticSite) -> None:
    status, headers, body = get(site, "/assets/index-3f9a8c1d.js", {"Accept-Encoding": "gzip, br"})
    assert status == 200
    assert headers["cache-control"] == IMMUTABLE
    assert headers["content-encoding"] == "gzip"
    assert headers["vary"] == "Accept-Encoding"
    assert headers["content-type"] == "text/javascript; charset=utf-8"
    assert gzip.decompress(body) == SCRIPT
    assert len(body) < len(SCRIPT) / 5

    plain_status, plain_headers, plain = get(site, "/assets/index-3f9a8c1d.js")
    assert (plain_status, plain) == (200, SCRIPT)
    assert "content-encoding" not in plain_headers


def test_unchanged_files_answer_304_to_their_etag(site: StaticSite) -> None:
    _, headers, _ = get(site, "/")
    status, _, body = get(site, "/", {"If-None-Match": headers["etag"]})
    assert (status, body) == (304, b"")


def test_a_missing_file_with_an_extension_is_404_not_the_app(site: StaticSite) -> None:
    for path in ("/assets/index-00000000.js", "/favicon.ico", "/robots.txt"):
        status, _, body = get(site, path)
        assert status == 404, path
        assert body != INDEX


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/assets/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/assets/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/%2e%2e%5c%2e%2e%5csecret.txt",
        "/.env",
        "/%2eenv",
        "/assets/escape.js",
        "/secret.txt%00.js",
        "//secret.txt",
        "/%ff%fe",
    ],
)
def test_nothing_outside_the_directory_is_served(site: StaticSite, path: str) -> None:
    status, _, body = get(site, path)
    assert SECRET not in body
    assert status in (200, 404)
    if status == 200:  # an extension-less page of the app: index.html, nothing else
        assert body == INDEX


def test_only_get_and_head(site: StaticSite) -> None:
    status, headers, _ = get(site, "/", method="POST")
    assert status == 405
    assert headers["allow"] == "GET, HEAD"
    head_status, head_headers, head_body = get(site, "/", method="HEAD")
    assert (head_status, head_body) == (200, b"")
    assert head_headers["content-length"] == str(len(INDEX))


def test_an_unbuilt_app_says_how_to_build_it(tmp_path: Path) -> None:
    with running_site(app_routes(tmp_path / "dist"), tmp_path) as static:
        status, _, body = get(static, "/tickets")
    assert status == 503
    assert b"make web" in body


def test_longest_prefix_wins_and_other_routes_have_no_fallback(site_dir: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.html").write_text("reference")
    routes = (SiteRoute("/docs", docs), *app_routes(site_dir))

    assert resolve(routes, "/docs").path == (docs / "index.html").resolve()
    assert resolve(routes, "/docs/").path == (docs / "index.html").resolve()
    assert resolve(routes, "/docs/missing").path is None
    assert resolve(routes, "/docsx").path == (site_dir / "index.html").resolve()
