"""Envoy run as a subprocess of the dev stack and the tests, serving a config rendered by `server.gateway`."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from server.gateway import GatewayOptions, envoy_binary

# Development: any page served from this machine, on any port, may call the API.
DEV_CORS_ORIGINS = (r"regex:^https?://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]+)?$",)


class EmbeddedEnvoy:
    """An Envoy process serving `options`, with its config and log under `data_dir`."""

    def __init__(self, data_dir: Path, options: GatewayOptions, *, concurrency: int = 2) -> None:
        self.data_dir = data_dir.resolve()
        self.options = options
        self.concurrency = concurrency
        self.config_path = self.data_dir / "envoy.yaml"
        self.log_path = self.data_dir / "envoy.log"
        self._admin_address_path = self.data_dir / "admin.address"
        self._process: subprocess.Popen[bytes] | None = None
        self.port = options.listen_port
        self.admin_port = options.admin_port

    @property
    def url(self) -> str:
        """http:// (or https:// with TLS) URL of the gateway listener."""
        host = "127.0.0.1" if self.options.listen_host in ("0.0.0.0", "127.0.0.1") else self.options.listen_host  # noqa: S104
        return f"{self.options.scheme}://{host}:{self.port}"

    @property
    def admin_url(self) -> str:
        """http:// URL of Envoy's admin interface (local only)."""
        return f"http://127.0.0.1:{self.admin_port}"

    @property
    def pid(self) -> int | None:
        """Process id while running."""
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        """Whether the Envoy process is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self, *, timeout: float = 30.0) -> None:
        """Renders the config, starts Envoy and waits until it is LIVE and the listener accepts."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(self.options.render())
        self._admin_address_path.unlink(missing_ok=True)
        argv = [
            str(envoy_binary()),
            "-c",
            str(self.config_path),
            # No shared memory: several Envoys (a dev stack, test runs) coexist without --base-id games.
            "--disable-hot-restart",
            "--concurrency",
            str(self.concurrency),
            "--admin-address-path",
            str(self._admin_address_path),
            "--log-level",
            "warning",
        ]
        with self.log_path.open("ab") as log:
            # Its own session: Ctrl+C in the terminal reaches only `helpdesk dev`, which then stops
            # Envoy after the server has drained, instead of Envoy dying first and cutting calls.
            self._process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def stop(self, *, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL if Envoy has not exited after `timeout` seconds."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                raise RuntimeError(f"Envoy exited during start-up:\n{self._log_tail()}")
            if self._admin_address_path.exists() and self._ready():
                self.admin_port = self._admin_address_port()
                if self.options.listen_port == 0:
                    self.port = self._bound_listener_port()
                if _accepts("127.0.0.1", self.port):
                    return
            time.sleep(0.05)
        raise RuntimeError(f"Envoy did not become ready within {timeout:.0f}s:\n{self._log_tail()}")

    def _admin_address_port(self) -> int:
        return int(self._admin_address_path.read_text().strip().rsplit(":", 1)[1])

    def _ready(self) -> bool:
        try:
            admin = f"http://127.0.0.1:{self._admin_address_port()}"
            with urllib.request.urlopen(admin + "/ready", timeout=1) as response:  # noqa: S310 - our admin URL
                return bool(response.status == 200 and response.read().strip() == b"LIVE")
        except (OSError, ValueError, IndexError, urllib.error.URLError):
            return False

    def _bound_listener_port(self) -> int:
        with urllib.request.urlopen(self.admin_url + "/listeners?format=json", timeout=2) as response:  # noqa: S310
            listeners = json.load(response)
        for listener in listeners["listener_statuses"]:
            if listener["name"] == "helpdesk_gateway":
                return int(listener["local_address"]["socket_address"]["port_value"])
        raise RuntimeError("Envoy reports no helpdesk_gateway listener")

    def _log_tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False
