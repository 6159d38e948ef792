"""The web app's static files behind Envoy: a small HTTP server for `helpdesk dev` and the tests.

Envoy sends every request that is not an API call here (see envoy/envoy.yaml.template); in
production nginx plays this part (nginx/nginx.conf) with the same rules:

- a table of `SiteRoute`s maps URL prefixes to directories (the app at `/`; more, such as a
  reference page, are one more entry, longest prefix first);
- a path that names no file and has no file extension is a page of the single-page app: it gets
  the route's `index.html` (the app's router reads the URL); a missing file with an extension
  (`/assets/gone.js`) is a 404, so a stale script is never answered with HTML;
- files under the route's hashed-asset directory (Vite's `assets/`, names carry a content hash)
  are cached for a year, `immutable`; everything else (index.html first) is `no-cache`, revalidated
  by ETag;
- gzip for text types when the client accepts it: a pre-compressed `FILE.gz` when the build wrote
  one, else compressed once and kept in memory (keyed by size and modification time);
- nothing outside a route's directory is ever served: `..`, encoded slashes, NUL bytes, hidden
  files and symlinks leading out are refused.

The security headers (CSP and friends) are set by Envoy on the route, so dev and production agree.

It runs as its own process (`python -m devstack.static`), not as a thread of `helpdesk dev`:
reading and compressing files then never competes with the gRPC server for the GIL or its event
loop, a crash here cannot take the API down, and it is the same shape as production, where a
separate web server sits behind the same Envoy route.
"""

from __future__ import annotations

import argparse
import contextlib
import email.utils
import functools
import gzip
import http.server
import mimetypes
import os
import posixpath
import select
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_WEB_ROOT = REPO_ROOT / "clients" / "web" / "dist"
# The API reference page (`make docs`): Swagger UI beside the generated OpenAPI document.
DEFAULT_DOCS_ROOT = REPO_ROOT / "clients" / "docs" / "dist"

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Worth compressing; images and fonts are compressed already.
_COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/manifest+json")
_MIN_GZIP_BYTES = 512
_NOT_BUILT = (
    "The web app is not built yet ({root} has no index.html).\n"
    "Build it with `make web` (or `cd clients/web && npm ci && npm run build`), then reload.\n"
)


@dataclass(frozen=True, slots=True)
class SiteRoute:
    """One URL prefix served from one directory."""

    prefix: str
    root: Path
    # Unknown extension-less paths answer the route's index.html (a single-page app).
    spa_fallback: bool = False
    # Files below this directory (relative to root) have content-hashed names: cached forever.
    immutable_dir: str | None = None

    def __post_init__(self) -> None:
        if not self.prefix.startswith("/"):
            raise ValueError(f"route prefix {self.prefix!r} must start with /")


def app_routes(web_root: Path = DEFAULT_WEB_ROOT, docs_root: Path = DEFAULT_DOCS_ROOT) -> tuple[SiteRoute, ...]:
    """The site `helpdesk dev` serves: the API reference at `/docs`, the web app at `/`."""
    return (
        SiteRoute("/docs", docs_root),
        SiteRoute("/", web_root, spa_fallback=True, immutable_dir="assets"),
    )


@dataclass(frozen=True, slots=True)
class Resolved:
    """A request path resolved to a file, or to nothing (`path` None: 404)."""

    path: Path | None
    route: SiteRoute | None
    cache_control: str = REVALIDATE


def resolve(routes: Sequence[SiteRoute], url_path: str) -> Resolved:
    """Which file answers `url_path` (already split from its query), under the rules above."""
    decoded = urllib.parse.unquote(url_path, errors="strict")
    # An encoded slash or backslash would let a segment check pass and the file system disagree.
    if "\x00" in decoded or "\\" in decoded or decoded.count("/") != url_path.count("/"):
        return Resolved(None, None)
    route = _route_for(routes, decoded)
    if route is None:
        return Resolved(None, None)
    relative = decoded[len(route.prefix) :].lstrip("/")
    segments = [s for s in relative.split("/") if s]
    if any(s in (".", "..") or s.startswith(".") for s in segments):
        return Resolved(None, route)
    root = route.root.resolve()
    candidate = root.joinpath(*segments) if segments else root
    if candidate.is_dir():
        candidate = candidate / "index.html"
    found = _inside(root, candidate)
    if found is not None:
        immutable = route.immutable_dir is not None and segments[:1] == [route.immutable_dir] and len(segments) > 1
        return Resolved(found, route, IMMUTABLE if immutable else REVALIDATE)
    if route.spa_fallback and not posixpath.splitext(relative)[1]:
        return Resolved(_inside(root, root / "index.html"), route)
    return Resolved(None, route)


def _route_for(routes: Sequence[SiteRoute], path: str) -> SiteRoute | None:
    for route in sorted(routes, key=lambda r: len(r.prefix), reverse=True):
        prefix = route.prefix.rstrip("/")
        if path == prefix or path.startswith(prefix + "/"):
            return route
    return None


def _inside(root: Path, candidate: Path) -> Path | None:
    """`candidate` if it is a regular file whose real path is inside `root`."""
    try:
        real = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    return real if real.is_relative_to(root) and real.is_file() else None


@functools.lru_cache(maxsize=256)
def _gzipped(path: Path, size: int, mtime_ns: int) -> bytes:
    """The file compressed (cached per size and mtime: a rebuild changes both keys)."""
    del size, mtime_ns  # cache key only
    return gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)


def content_type(path: Path) -> str:
    """The Content-Type of a served file (text types in UTF-8)."""
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix in (".js", ".mjs"):
        kind = "text/javascript"
    return f"{kind}; charset=utf-8" if kind.startswith("text/") or kind.endswith("+xml") else kind


class SiteHandler(http.server.BaseHTTPRequestHandler):
    """GET and HEAD over the site's routes; every other method is 405."""

    protocol_version = "HTTP/1.1"
    server_version = "helpdesk-static"
    sys_version = ""
    routes: tuple[SiteRoute, ...] = ()

    def do_GET(self) -> None:
        """Serves a file, index.html for an app page, or 404."""
        self._serve(body=True)

    def do_HEAD(self) -> None:
        """As GET, without the body."""
        self._serve(body=False)

    def _not_allowed(self) -> None:
        self._plain(405, "method not allowed\n", extra={"Allow": "GET, HEAD"})

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _not_allowed  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:
        """Access logs belong to Envoy; only errors are written (to stderr)."""

    def _serve(self, *, body: bool) -> None:
        url_path = urllib.parse.urlsplit(self.path).path
        try:
            resolved = resolve(self.routes, url_path)
        except UnicodeDecodeError:
            resolved = Resolved(None, None)
        if resolved.path is None:
            route = resolved.route
            if route is not None and route.spa_fallback and not (route.root / "index.html").is_file():
                self._plain(503, _NOT_BUILT.format(root=route.root), body=body)
            else:
                self._plain(404, "not found\n", body=body)
            return
        path = resolved.path
        stat = path.stat()
        etag = f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'
        headers = {
            "Content-Type": content_type(path),
            "Cache-Control": resolved.cache_control,
            "ETag": etag,
            "Last-Modified": email.utils.formatdate(stat.st_mtime, usegmt=True),
        }
        compressible = headers["Content-Type"].startswith(_COMPRESSIBLE) and stat.st_size >= _MIN_GZIP_BYTES
        if compressible:
            headers["Vary"] = "Accept-Encoding"
        if etag in (self.headers.get("If-None-Match") or ""):
            self._respond(304, headers, b"", body=False)
            return
        if compressible and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            pre = path.with_name(path.name + ".gz")
            fresh = pre.is_file() and pre.stat().st_mtime_ns >= stat.st_mtime_ns
            payload = pre.read_bytes() if fresh else _gzipped(path, stat.st_size, stat.st_mtime_ns)
            headers["Content-Encoding"] = "gzip"
        else:
            payload = path.read_bytes()
        self._respond(200, headers, payload, body=body)

    def _plain(self, status: int, text: str, *, body: bool = True, extra: dict[str, str] | None = None) -> None:
        headers = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": REVALIDATE, **(extra or {})}
        self._respond(status, headers, text.encode(), body=body)

    def _respond(self, status: int, headers: dict[str, str], payload: bytes, *, body: bool) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if body and payload:
            self.wfile.write(payload)


def make_server(routes: Sequence[SiteRoute], host: str = "127.0.0.1", port: int = 0) -> http.server.HTTPServer:
    """A threading HTTP server over `routes` (not started)."""
    handler = type("BoundSiteHandler", (SiteHandler,), {"routes": tuple(routes)})
    server = http.server.ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


class StaticSite:
    """`python -m devstack.static` as a child process; `start` returns once it listens."""

    def __init__(self, routes: Sequence[SiteRoute], *, log_path: Path, host: str = "127.0.0.1") -> None:
        self.routes = tuple(routes)
        self.host = host
        self.log_path = log_path
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) it listens on, for Envoy's static upstream."""
        assert self.port is not None, "not started"
        return (self.host, self.port)

    def start(self, *, timeout: float = 20.0) -> None:
        """Starts the process and reads the port it bound from its first line of output."""
        argv = [sys.executable, "-m", "devstack.static", "--host", self.host, "--parent-pid", str(os.getpid())]
        # The log's path names the data dir on the command line, where leftover checks look for it.
        argv += ["--log-file", str(self.log_path)]
        for route in self.routes:
            argv += ["--route", _route_arg(route)]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            # Its own session, like Envoy: Ctrl+C reaches `helpdesk dev`, which stops it in order.
            self._process = subprocess.Popen(
                argv,
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,
            )
        assert self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], timeout)
        line = self._process.stdout.readline().decode() if ready else ""
        if not line.startswith("listening "):
            self.stop()
            raise RuntimeError(f"the static file server did not start; see {self.log_path}")
        self.port = int(line.split()[1])

    def stop(self, *, timeout: float = 5.0) -> None:
        """SIGTERM, then SIGKILL; safe to call twice."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _route_arg(route: SiteRoute) -> str:
    flags = ",".join(
        [
            *(["spa"] if route.spa_fallback else []),
            *([f"immutable={route.immutable_dir}"] if route.immutable_dir else []),
        ]
    )
    return f"{route.prefix}={route.root}" + (f";{flags}" if flags else "")


def _parse_route(raw: str) -> SiteRoute:
    """`/=DIR;spa,immutable=assets` → SiteRoute."""
    spec, _, flags = raw.partition(";")
    prefix, sep, root = spec.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"bad route {raw!r}: expected PREFIX=DIR[;spa,immutable=SUBDIR]")
    options = dict(flag.partition("=")[::2] for flag in flags.split(",") if flag)
    return SiteRoute(prefix, Path(root), spa_fallback="spa" in options, immutable_dir=options.get("immutable") or None)


def _exit_with_parent(parent_pid: int) -> None:
    """Exits when the process that started this one is gone (even killed with SIGKILL)."""
    while os.getppid() == parent_pid:
        time.sleep(1.0)
    os._exit(0)


def main(argv: Sequence[str] | None = None) -> None:
    """Serves the routes until SIGTERM; prints `listening PORT` once bound."""
    parser = argparse.ArgumentParser(prog="python -m devstack.static")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--route", type=_parse_route, action="append", required=True)
    parser.add_argument("--parent-pid", type=int)
    parser.add_argument("--log-file", type=Path, help="where errors go (default: stderr)")
    args = parser.parse_args(argv)
    if args.log_file is not None:
        sys.stderr = args.log_file.open("a", buffering=1)
    server = make_server(args.route, args.host, args.port)
    if args.parent_pid:
        threading.Thread(target=_exit_with_parent, args=(args.parent_pid,), daemon=True).start()
    print(f"listening {server.server_address[1]}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
