"""The gateway config: one template, rendered for dev and from the environment, accepted by Envoy itself."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2

from devstack.envoy import DEV_CORS_ORIGINS
from server.core.errors import ConfigurationError
from server.gateway import (
    TEMPLATE_PATH,
    TRANSCODED_SERVICES,
    GatewayOptions,
    render_envoy_config,
    validate_config,
)


@pytest.fixture(scope="session")
def descriptor_path(repo_root: Path) -> Path:
    """The descriptor set `make generate` builds for Envoy's JSON transcoder."""
    path = repo_root / "clients" / "descriptors" / "helpdesk.binpb"
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make generate`")
    return path


def _options(descriptor_path: Path, **changes: object) -> GatewayOptions:
    values: dict[str, object] = {
        "listen_port": 8080,
        "admin_port": 9901,
        "upstreams": (("server-1", 50051), ("10.0.0.7", 50052)),
        "descriptor_path": descriptor_path,
        "cors_origins": ("https://support.example.com", r"regex:^https://[a-z]+\.example\.org$"),
    }
    values.update(changes)
    return GatewayOptions(**values)  # type: ignore[arg-type]


def test_rendered_config_is_accepted_by_envoy(descriptor_path: Path, tmp_path: Path) -> None:
    config = tmp_path / "envoy.yaml"
    config.write_text(_options(descriptor_path).render())

    validate_config(config)


def test_dev_rendering_is_accepted_by_envoy(descriptor_path: Path, tmp_path: Path) -> None:
    config = tmp_path / "envoy.yaml"
    config.write_text(
        render_envoy_config(
            listen_port=0,
            upstreams=[("127.0.0.1", 50051)],
            descriptor_path=descriptor_path,
            cors_origins=DEV_CORS_ORIGINS,
            admin_port=0,
            listen_host="127.0.0.1",
        )
    )

    validate_config(config)


def test_envoy_rejects_a_broken_config(descriptor_path: Path, tmp_path: Path) -> None:
    config = tmp_path / "envoy.yaml"
    config.write_text(_options(descriptor_path, services=("helpdesk.v1.NoSuchService",)).render())

    with pytest.raises(ConfigurationError, match="NoSuchService"):
        validate_config(config)


def test_upstreams_cors_origins_and_limits_appear(descriptor_path: Path) -> None:
    rendered = _options(descriptor_path).render()

    for host, port in (("server-1", 50051), ("10.0.0.7", 50052)):
        assert json.dumps({"address": host, "port_value": port}) in rendered
    assert '{"exact": "https://support.example.com"}' in rendered
    assert json.dumps({"safe_regex": {"regex": r"^https://[a-z]+\.example\.org$"}}) in rendered
    assert f'"{descriptor_path.resolve()}"' in rendered
    assert json.dumps(list(TRANSCODED_SERVICES)) in rendered
    assert 'stream_idle_timeout: "600s"' in rendered
    assert "timeout: 0s" in rendered
    assert "grpc_health_check" in rendered
    assert "ROUND_ROBIN" in rendered
    assert "max_request_body_size: 4194304" in rendered


def test_filters_run_in_order_cors_grpc_web_connect_rate_limit_transcoder_router(descriptor_path: Path) -> None:
    rendered = _options(descriptor_path).render()
    filters = re.findall(r"- name: (envoy\.filters\.http\.\w+)", rendered)

    assert filters == [
        "envoy.filters.http.cors",
        "envoy.filters.http.grpc_web",
        "envoy.filters.http.connect_grpc_bridge",
        "envoy.filters.http.local_ratelimit",
        "envoy.filters.http.grpc_json_transcoder",
        "envoy.filters.http.router",
    ]


def test_admin_listens_on_loopback_only(descriptor_path: Path) -> None:
    rendered = _options(descriptor_path, listen_host="0.0.0.0").render()  # noqa: S104

    admin = rendered[rendered.index("\nadmin:") : rendered.index("\nstatic_resources:")]
    assert "address: 127.0.0.1, port_value: 9901" in admin


def test_every_placeholder_of_the_template_is_filled() -> None:
    rendered = _options(Path("/x.binpb")).render()

    assert TEMPLATE_PATH.read_text().count("${") > 10
    assert "${" not in rendered


def test_descriptor_set_contains_every_transcoded_service_and_error_details(descriptor_path: Path) -> None:
    descriptors = descriptor_pb2.FileDescriptorSet.FromString(descriptor_path.read_bytes())
    services = {f"{f.package}.{s.name}" for f in descriptors.file for s in f.service}
    messages = {f"{f.package}.{m.name}" for f in descriptors.file for m in f.message_type}

    assert set(TRANSCODED_SERVICES) <= services
    # The transcoder can print JSON error details only for message types it knows.
    assert {"google.rpc.BadRequest", "google.rpc.ErrorInfo", "google.rpc.RetryInfo"} <= messages
    # Built with --include_source_info, as Envoy's transcoder documentation asks.
    assert all(f.HasField("source_code_info") for f in descriptors.file if f.package == "helpdesk.v1")


def test_from_env_builds_the_production_options() -> None:
    options = GatewayOptions.from_env(
        {
            "HELPDESK_GATEWAY_UPSTREAMS": "server:50051, server-2:50051",
            "HELPDESK_GATEWAY_PORT": "8443",
            "HELPDESK_GATEWAY_CORS_ORIGINS": "https://a.example.com,https://b.example.com",
            "HELPDESK_GATEWAY_DESCRIPTOR": "/srv/helpdesk.binpb",
            "HELPDESK_GATEWAY_STREAM_IDLE_TIMEOUT": "900",
        }
    )

    assert options.upstreams == (("server", 50051), ("server-2", 50051))
    assert options.listen_port == 8443
    assert options.listen_host == "0.0.0.0"  # noqa: S104
    assert options.admin_port == 9901
    assert options.cors_origins == ("https://a.example.com", "https://b.example.com")
    assert options.descriptor_path == Path("/srv/helpdesk.binpb")
    assert options.stream_idle_timeout_seconds == 900


def test_from_env_names_the_missing_upstreams_variable() -> None:
    with pytest.raises(ConfigurationError, match="HELPDESK_GATEWAY_UPSTREAMS"):
        GatewayOptions.from_env({})


@pytest.mark.parametrize(
    "origin",
    ["https://support.example.com/", "support.example.com", "regex:(unclosed"],
    ids=["trailing-slash", "no-scheme", "bad-regex"],
)
def test_malformed_cors_origins_are_refused(origin: str) -> None:
    with pytest.raises(ConfigurationError, match="CORS origin"):
        GatewayOptions(listen_port=8080, upstreams=(("s", 1),), cors_origins=(origin,))


def test_short_stream_idle_timeout_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="idle timeout"):
        GatewayOptions(listen_port=8080, upstreams=(("s", 1),), stream_idle_timeout_seconds=60)


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://localhost:5173", True),
        ("http://127.0.0.1:3000", True),
        ("http://localhost", True),
        ("https://localhost.evil.example", False),
        ("http://evil.example", False),
    ],
)
def test_dev_cors_origins_are_this_machine_only(origin: str, allowed: bool) -> None:
    pattern = DEV_CORS_ORIGINS[0].removeprefix("regex:")

    assert bool(re.fullmatch(pattern, origin)) is allowed
