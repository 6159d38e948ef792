"""docker-compose.yml and the Dockerfile, checked against the code (no Docker engine here to run them).

Every image, port, environment variable, command and file the compose file names must exist and
agree with what the server (`Settings.from_env`) and the gateway (`GatewayOptions.from_env`)
actually read; the gateway's config is rendered from the compose environment and validated by Envoy.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from devstack.static import IMMUTABLE, REVALIDATE
from server.cli import _parser
from server.gateway import GatewayOptions, validate_config
from server.settings import Settings

STRONG_SECRET = "compose-test-secret-6f1d2c9e8b7a4053-not-real"
_VARIABLE = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?:(?P<op>:-|:\?)(?P<arg>[^}]*))?\}")


class RecordingEnv(Mapping[str, str]):
    """An environment that remembers every name looked up in it."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)
        self.read: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.read.add(name)
        return self._values[name]

    def get(self, name: str, default: Any = None) -> Any:
        self.read.add(name)
        return self._values.get(name, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def interpolate(value: str, env: Mapping[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?error}` substitution."""

    def substitute(match: re.Match[str]) -> str:
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        if env.get(name):
            return env[name]
        if op == ":-":
            return arg
        if op == ":?":
            raise ValueError(f"{name}: {arg}")
        return ""

    return _VARIABLE.sub(substitute, value)


@pytest.fixture(scope="module")
def compose(repo_root: Path) -> dict[str, Any]:
    """docker-compose.yml, parsed."""
    parsed: dict[str, Any] = yaml.safe_load((repo_root / "docker-compose.yml").read_text())
    return parsed


def service_env(compose: dict[str, Any], name: str, outer: Mapping[str, str]) -> dict[str, str]:
    """A service's environment as the container sees it (anchors merged, variables substituted)."""
    raw = compose["services"][name].get("environment", {})
    assert isinstance(raw, dict), f"{name}: use the mapping form for environment"
    return {key: interpolate(str(value), outer) for key, value in raw.items()}


def test_images_and_services(compose: dict[str, Any], repo_root: Path) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "migrate", "server", "web", "gateway"}
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    redis_command = services["redis"]["command"]
    assert redis_command[redis_command.index("--appendonly") + 1] == "yes"
    assert services["server"]["deploy"]["replicas"] >= 2
    # One image for the server roles, built from the repository's Dockerfile.
    assert services["migrate"]["build"] == "."
    assert (repo_root / "Dockerfile").is_file()
    for name in ("migrate", "server", "gateway"):
        assert services[name]["image"] == services["migrate"]["image"]
    assert services["server"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_commands_are_cli_subcommands(compose: dict[str, Any]) -> None:
    parser = _parser()
    expected = {"migrate": "migrate", "server": "serve", "gateway": "gateway"}
    for service, subcommand in expected.items():
        command = compose["services"][service]["command"]
        assert command[0] == "helpdesk"
        assert command[1] == subcommand
        parser.parse_args(command[1:])  # exits (fails the test) on an unknown subcommand or flag


def test_the_jwt_secret_must_be_given(compose: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="HELPDESK_JWT_SECRET"):
        service_env(compose, "server", {})


@pytest.mark.parametrize("service", ["migrate", "server"])
def test_server_environment_is_read_by_settings(compose: dict[str, Any], service: str) -> None:
    env = RecordingEnv(service_env(compose, service, {"HELPDESK_JWT_SECRET": STRONG_SECRET}))

    settings = Settings.from_env(env, production=True)

    unknown = set(env) - env.read
    assert not unknown, f"{service} sets variables the server never reads: {sorted(unknown)}"
    assert settings.database_url.startswith("postgresql+asyncpg://")
    assert "@postgres:5432/" in settings.database_url
    assert settings.redis_url == "redis://redis:6379/0"
    postgres_env = compose["services"]["postgres"]["environment"]
    assert f"/{postgres_env['POSTGRES_DB']}" in settings.database_url
    assert f"//{postgres_env['POSTGRES_USER']}:" in settings.database_url


def test_gateway_points_at_the_server_port_and_renders_a_valid_envoy_config(
    compose: dict[str, Any], repo_root: Path, tmp_path: Path
) -> None:
    server_env = service_env(compose, "server", {"HELPDESK_JWT_SECRET": STRONG_SECRET})
    server_settings = Settings.from_env(server_env, production=True)
    env = RecordingEnv(service_env(compose, "gateway", {}))
    # The image's /app is the repository root (Dockerfile: WORKDIR /app, editable install).
    descriptor = env["HELPDESK_GATEWAY_DESCRIPTOR"]
    assert descriptor.startswith("/app/")
    local = dict(env)
    local["HELPDESK_GATEWAY_DESCRIPTOR"] = str(repo_root / descriptor.removeprefix("/app/"))
    recording = RecordingEnv(local)

    options = GatewayOptions.from_env(recording)

    unknown = {name for name in recording if name.startswith("HELPDESK_")} - recording.read
    assert not unknown, f"the gateway never reads: {sorted(unknown)}"
    assert options.upstreams == (("server", server_settings.grpc_port),)
    web_host, web_port = options.static_upstreams[0]
    assert options.static_upstreams == ((web_host, web_port),)
    assert web_host == "web"
    assert str(web_port) in compose["services"]["web"]["expose"]
    assert "web" in compose["services"]["gateway"]["depends_on"]
    assert str(server_settings.grpc_port) in compose["services"]["server"]["expose"]
    assert server_settings.grpc_host == "0.0.0.0"  # noqa: S104 - reachable by the gateway container
    assert server_settings.trusted_proxy_hops == 1
    published = compose["services"]["gateway"]["ports"]
    assert f"{options.listen_port}:{options.listen_port}" in published
    config = tmp_path / "envoy.yaml"
    config.write_text(options.render())
    validate_config(config)


def test_dockerfile_copies_files_that_exist(repo_root: Path) -> None:
    dockerfile = (repo_root / "Dockerfile").read_text()
    copies = [shlex.split(line)[1:-1] for line in dockerfile.splitlines() if line.startswith("COPY ")]
    assert copies
    for sources in copies:
        for source in sources:
            assert (repo_root / source).exists(), f"Dockerfile copies {source}, which is not in the repository"
    copied = {source for sources in copies for source in sources}
    # What the gateway renders at run time, and the migrations the one-shot service applies.
    for needed in ("envoy", "clients/descriptors", "domain", "storage", "server", "pyproject.toml"):
        assert needed in copied
    assert (repo_root / "envoy" / "envoy.yaml.template").is_file()
    assert (repo_root / "clients" / "descriptors" / "helpdesk.binpb").is_file()
    assert re.search(r"^EXPOSE .*\b50051\b.*\b8080\b", dockerfile, re.MULTILINE)


def test_web_image_builds_the_app_with_node_and_serves_it_with_nginx(compose: dict[str, Any], repo_root: Path) -> None:
    build = compose["services"]["web"]["build"]
    assert build["context"] == "."
    dockerfile = (repo_root / build["dockerfile"]).read_text()
    stages = re.findall(r"^FROM (\S+)(?: AS (\w+))?", dockerfile, re.MULTILINE)
    assert stages[0][0].startswith("node:20")
    assert stages[0][1] == "build"
    assert stages[-1][0].startswith("nginx:")
    assert "npm ci" in dockerfile
    assert "npm run build" in dockerfile
    assert "COPY --from=build /src/clients/web/dist /usr/share/nginx/html" in dockerfile
    for line in dockerfile.splitlines():
        if line.startswith("COPY ") and "--from" not in line:
            for source in shlex.split(line)[1:-1]:
                assert (repo_root / source).exists(), f"web image copies {source}, which is not in the repository"
    # Installs and builds from the host never leak into the image's context.
    ignored = (repo_root / ".dockerignore").read_text().splitlines()
    assert "**/node_modules" in ignored
    assert "clients/web/dist" in ignored


def test_nginx_applies_the_dev_file_servers_rules(compose: dict[str, Any], repo_root: Path) -> None:
    conf = (repo_root / "nginx" / "nginx.conf").read_text()
    port = compose["services"]["web"]["expose"][0]
    assert f"listen {port};" in conf
    assert "COPY nginx/nginx.conf /etc/nginx/conf.d/default.conf" in (repo_root / "nginx" / "Dockerfile").read_text()
    locations = dict(re.findall(r"location ([^{]+?) \{(.*?)\n    \}", conf, re.DOTALL))
    assert f'Cache-Control "{IMMUTABLE}"' in locations["^~ /assets/"]
    assert "try_files $uri =404;" in locations["^~ /assets/"]
    # App pages fall back to index.html, revalidated; missing files with an extension are 404s.
    assert "try_files $uri $uri/index.html /index.html;" in locations["/"]
    assert f'Cache-Control "{REVALIDATE}"' in locations["/"]
    assert "try_files $uri =404;" in locations["~ \\.[A-Za-z0-9]+$"]
    assert "return 404;" in locations["~ /\\."]
    assert "gzip_static on;" in conf
    # The API reference at /docs: its own files or 404 (no app fallback), as the dev server's /docs route.
    assert "try_files /docs/index.html =404;" in locations["= /docs"]
    assert "try_files $uri $uri/index.html =404;" in locations["^~ /docs/"]


def test_web_image_serves_the_api_reference_beside_the_app(repo_root: Path) -> None:
    dockerfile = (repo_root / "nginx" / "Dockerfile").read_text()
    assert "npm ci --ignore-scripts" in dockerfile
    assert "cp clients/openapi/helpdesk.v1.openapi.json /docs/openapi.json" in dockerfile
    assert "COPY --from=docs /docs /usr/share/nginx/html/docs" in dockerfile
    # The files `make docs` puts in clients/docs/dist/, and the same document.
    makefile = (repo_root / "Makefile").read_text()
    for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert name in makefile
        assert name in dockerfile
    assert "cp clients/openapi/helpdesk.v1.openapi.json $(DOCS)/dist/openapi.json" in makefile
