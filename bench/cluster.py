"""A deployment on loopback, for the deployment test (tests/test_deploy.py) and the replica benchmark
(bench/replicas.py): a throw-away PostgreSQL cluster (or a fresh schema of an existing database),
Streamlit replicas started with the systemd unit's command (tools.deploy.replica_command), and nginx
with the rendered configuration as a process of its own, with its own prefix, pid and temp folders.
Everything listens on 127.0.0.1; every wait has a deadline.
"""
from __future__ import annotations

import getpass
import glob
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psutil

from bench.load import PROJECT, Server, _free_port
from tools import deploy


def postgres_bin() -> Path | None:
    """Debian's PostgreSQL server programs (the newest installed), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: [int(x) for x in re.findall(r"\d+", p)])
    return Path(found[-1]).parent if found else None


class Postgres:
    """A throw-away cluster in a temporary folder on a free port (as the `postgres` account when run as
    root, since initdb refuses root), with one database `rehab`; stop() removes it."""

    def __init__(self):
        self.bin = postgres_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL server not installed (apt-get install postgresql)")
        self.folder = Path(tempfile.mkdtemp(prefix="rehab-pg-"))
        self.port = _free_port()
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        data = self.folder / "data"
        self._as_owner([str(self.bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"])
        self._as_owner([str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.folder / "log"), "-w", "-t", "60",
                        "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=200",
                        "start"])
        self._as_owner([str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "rehab"])
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/rehab"

    def _as_owner(self, argv: list[str]) -> None:
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)

    def stop(self) -> None:
        try:
            self._as_owner([str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop"])
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def fresh_schema(url: str) -> str:
    """A new schema in the database at `url`, and the URL that uses it (search_path), so a run never
    sees another's tables."""
    from sqlalchemy import create_engine, text

    schema = f"d_{uuid.uuid4().hex[:12]}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def replica(port: int, env: dict, name: str) -> Server:
    """One replica, started as its systemd unit starts it (with this interpreter), waited for."""
    settings = deploy.Settings(app_dir=PROJECT)
    return Server(PROJECT / "app.py", env, f"rehab-{name}-{port}.log", cwd=PROJECT, port=port,
                  command=lambda p: deploy.replica_command(settings, p, python=sys.executable))


def replicas(ports: list[int], env: dict, name: str) -> list[Server]:
    """Several replicas started at the same time (each takes seconds to import Streamlit and pandas)."""
    started: dict[int, Server] = {}
    errors: list[BaseException] = []

    def start(port: int) -> None:
        try:
            started[port] = replica(port, env, name)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=start, args=(port,)) for port in ports]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    if errors or len(started) != len(ports):
        for server in started.values():
            server.stop()
        raise RuntimeError(f"replicas did not start: {errors}")
    return [started[port] for port in ports]


class Nginx:
    """nginx in front of `upstreams` (host:port), with the site rendered by tools.deploy into `prefix`
    and the standalone configuration around it; run in the foreground as a child of this process."""

    def __init__(self, prefix: Path, upstreams: list[str], port: int | None = None, **settings):
        self.prefix = Path(prefix)
        self.port = port or _free_port()
        self.settings = deploy.Settings(upstreams=tuple(upstreams), listen=f"127.0.0.1:{self.port}",
                                        access_log=str(self.prefix / "access.log"), **settings)
        # As root, the workers would otherwise run as `nobody`, who may not write the temp folders.
        user = getpass.getuser() if os.geteuid() == 0 else None
        self.files = deploy.render(self.settings, self.prefix, standalone=self.prefix, standalone_user=user)
        self.conf = self.files["nginx/nginx.conf"]
        self.process: subprocess.Popen | None = None

    def argv(self, *extra: str) -> list[str]:
        return [shutil.which("nginx") or "/usr/sbin/nginx", "-p", str(self.prefix), "-c", str(self.conf),
                "-e", str(self.prefix / "error.log"), *extra]

    def check(self) -> subprocess.CompletedProcess:
        """`nginx -t` of the rendered configuration."""
        return subprocess.run(self.argv("-t"), capture_output=True, text=True, timeout=60)

    def start(self) -> Nginx:
        self.process = subprocess.Popen(self.argv("-g", "daemon off;"), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx ended: {self.process.stderr.read()}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        raise RuntimeError("nginx did not listen")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/_stcore/stream"

    def cpu(self) -> float:
        """CPU seconds of the master and its workers so far."""
        try:
            master = psutil.Process(self.process.pid)
            total = 0.0
            for proc in [master, *master.children(recursive=True)]:
                times = proc.cpu_times()
                total += times.user + times.system
            return total
        except psutil.Error:
            return 0.0

    def access_log(self) -> list[dict]:
        """The access log's lines as {request, status, replica_cookie, upstream, served_by}."""
        path = self.prefix / "access.log"
        pattern = re.compile(r'"(?P<request>[^"]*)" (?P<status>\d+) .* replica_cookie=(?P<replica_cookie>\S*) '
                             r'upstream=(?P<upstream>.*) served_by=(?P<served_by>\S*)$')
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        return [m.groupdict() for m in map(pattern.search, lines) if m]

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None
