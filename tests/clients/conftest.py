"""Client tests run against the real server and, for the gateway paths, a real Envoy in front of it.

The gateway fixtures are the ones of tests/gateway (imported, not copied); the TypeScript package
is installed and built once per session for the Node and browser tests.
"""

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from server.app import HelpdeskApp
from server.core.context import Role
from tests.gateway.conftest import allowed_origin, descriptor_path, gateway

__all__ = ["allowed_origin", "descriptor_path", "gateway"]


@pytest.fixture(scope="session")
def typescript_package(repo_root: Path) -> Path:
    """clients/typescript, installed (`npm ci` from the committed lock file) and built (`npm run build`)."""
    package = repo_root / "clients" / "typescript"
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is not installed: the TypeScript client cannot be built")
    if not (package / "node_modules" / ".bin" / "esbuild").exists():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=package, check=True, timeout=600)
    subprocess.run([npm, "run", "--silent", "build"], cwd=package, check=True, timeout=300)
    return package


@pytest.fixture(scope="module")
async def agent_account(app: HelpdeskApp) -> tuple[str, str]:
    """Email and password of an agent of the module's server (created as the CLI would)."""
    email, password = f"agent-{uuid.uuid4().hex[:10]}@example.com", "agent pass 123"
    await app.users.create_user(
        email=email, password=password, display_name="Test Agent", role=Role.AGENT, active=True, request_id=None
    )
    return email, password
