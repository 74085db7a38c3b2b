"""What the deployment tests (test_deploy, test_deploy_tls) share: the tools they need, and `nginx -t` on a
configuration rendered by tools/deploy."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def need(what: str, found) -> None:
    """A tool the deployment test needs: missing, the test fails in CI, else skips."""
    if found:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} not found; CI must run the deployment test")
    pytest.skip(f"{what} not installed (allowed outside CI only)")


def nginx_t(out: Path) -> subprocess.CompletedProcess:
    """`nginx -t` on the configuration rendered into `out` (tools/deploy render --standalone out)."""
    need("nginx", os.path.exists(NGINX))
    conf = out / "nginx" / "nginx.conf"
    if os.geteuid() == 0:  # as root nginx -t checks that the workers' user exists: name this one
        conf.write_text("user root;\n" + conf.read_text(encoding="utf-8"), encoding="utf-8")
    return subprocess.run([NGINX, "-t", "-p", str(out), "-c", str(conf), "-e", str(out / "error.log")],
                          capture_output=True, text=True, timeout=60)
