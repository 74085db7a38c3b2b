"""./dev after an interrupted first run (issue 35): a first `./dev run` stopped while `python -m venv`
created .venv leaves one without pip; the next run must notice and rebuild it, not fail on "No module
named pip". Run on a copy of ./dev in a temporary folder, with empty requirements and a stub npm, so
nothing is downloaded: the copy stops at the asset step (there is no rehabdash there), after .venv."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv

import pytest

from .conftest import PROJECT


@pytest.fixture
def checkout(tmp_path):
    shutil.copy(PROJECT / "dev", tmp_path / "dev")
    (tmp_path / "requirements.txt").write_text("", encoding="utf-8")
    (tmp_path / "requirements-dev.txt").write_text("", encoding="utf-8")
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    (stubs / "npm").write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    (stubs / "npm").chmod(0o755)
    return tmp_path


# Stands in for python3 where only ./dev's own logic is tested: `-m venv DIR` makes a venv whose python
# succeeds at everything (pip, the asset step, pytest).
STUB_PYTHON = """#!/bin/sh
[ "$1" = --version ] && { echo "Python (stub)"; exit 0; }
if [ "$1" = -m ] && [ "$2" = venv ]; then
  mkdir -p "$3/bin" && printf '#!/bin/sh\\nexit 0\\n' > "$3/bin/python" && chmod +x "$3/bin/python"; exit 0
fi
exit 1
"""


def dev(checkout, *args, python: str | None = None, timeout=300) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{checkout / 'stubs'}{os.pathsep}{os.environ['PATH']}",
           "PYTHON": python or (sys.executable if sys.prefix == sys.base_prefix else shutil.which("python3"))}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(["bash", str(checkout / "dev"), *args], cwd=checkout, env=env, capture_output=True,
                          text=True, timeout=timeout)


def pip_works(checkout) -> bool:
    return subprocess.run([str(checkout / ".venv" / "bin" / "python"), "-m", "pip", "--version"],
                          capture_output=True).returncode == 0


def test_a_venv_left_without_pip_is_noticed_and_rebuilt(checkout):
    venv.EnvBuilder(with_pip=False).create(checkout / ".venv")  # what an interrupted `python -m venv` leaves
    assert not pip_works(checkout)
    checked = dev(checkout, "check-venv")
    assert checked.returncode == 1 and checked.stdout.strip() == "incomplete"

    ran = dev(checkout, "run")
    assert "No module named pip" not in ran.stderr + ran.stdout
    assert "rebuilding .venv: it is incomplete" in ran.stdout
    assert "installing Python packages" in ran.stdout  # got past the venv to pip
    assert pip_works(checkout)
    checked = dev(checkout, "check-venv")
    assert checked.returncode == 0 and checked.stdout.strip() == "ready"


def test_a_venv_without_python_is_rebuilt_and_a_complete_one_kept(checkout):
    stub = checkout / "stubs" / "python-stub"
    stub.write_text(STUB_PYTHON, encoding="utf-8")
    stub.chmod(0o755)
    (checkout / ".venv" / "bin").mkdir(parents=True)  # stopped before the interpreter was linked
    assert dev(checkout, "check-venv").returncode == 1
    ran = dev(checkout, "test", "--version", python=str(stub))
    assert ran.returncode == 0, ran.stderr
    assert "rebuilding .venv" in ran.stdout and pip_works(checkout)
    marker = checkout / ".venv" / "kept"
    marker.write_text("", encoding="utf-8")
    again = dev(checkout, "test", "--version", python=str(stub))
    assert again.returncode == 0, again.stderr
    assert "rebuilding" not in again.stdout and "creating .venv" not in again.stdout and marker.exists()
