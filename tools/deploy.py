"""The deployment of N replicas behind nginx (issue 21), rendered from the templates in deploy/.

    python -m tools.deploy render --replicas 4 --out build/deploy      # replicas on 127.0.0.1:8501..8504
        [--base-port 8501] [--upstream 10.0.0.5:8501 --upstream 10.0.0.6:8501 …]   # or on other machines
        [--listen 80] [--server-name dash.intranet] [--app-dir /opt/rehabdash] [--user rehab]
        [--env-file /etc/rehabdash/rehabdash.env] [--data-dir /srv/rehab] [--database-url URL]
        [--max-upload-mb 50] [--standalone PREFIX]
        [--tls-certificate /etc/ssl/rehab/fullchain.pem --tls-key /etc/ssl/rehab/key.pem [--listen-tls 443]]

writes into --out:
    nginx/rehabdash.conf           the site (http context): affinity maps, upstreams, the server; with
                                   a certificate, HTTPS on --listen-tls and --listen redirected to it
    nginx/nginx.conf               with --standalone PREFIX only: a whole configuration around it with its
                                   own pid, logs and temporary folders under PREFIX (nginx without root)
    systemd/rehabdash@.service     one replica per instance, the port as instance name
    systemd/rehabdash.target       the replicas of this machine
    rehabdash.env                  the replicas' environment with a fresh cookie secret (not overwritten
                                   when it exists, so every machine keeps the one secret)

The test (tests/test_deploy.py) renders the same files, checks nginx.conf with `nginx -t`, starts the
replicas with `replica_command` (the unit's ExecStart) and nginx in front of them.
"""
from __future__ import annotations

import argparse
import re
import secrets
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
TEMPLATES = PROJECT / "deploy"
# The app's server.maxUploadSize (.streamlit/config.toml): the largest file it reads.
STREAMLIT_MAX_UPLOAD_MB = tomllib.loads((PROJECT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))[
    "server"]["maxUploadSize"]
MULTIPART_MB = 1  # nginx counts the whole request: the form's envelope around a file of the full size
_PLACEHOLDER = re.compile(r"@([A-Z_]+)@")


@dataclass(frozen=True)
class Settings:
    replicas: int = 2
    base_port: int = 8501
    upstreams: tuple[str, ...] = ()  # host:port of replicas elsewhere; default 127.0.0.1:base_port+i
    listen: str = "80"
    server_name: str = "_"
    app_dir: Path = Path("/opt/rehabdash")
    user: str = "rehab"
    group: str = ""  # default: the user's name
    env_file: Path = Path("/etc/rehabdash/rehabdash.env")
    data_dir: Path = Path("/srv/rehab")
    database_url: str = "postgresql+psycopg://rehab:CHANGE-ME@127.0.0.1/rehab"
    instance_dir: Path = Path("/var/lib/rehabdash")
    bind: str = "127.0.0.1"  # the address the replicas of this machine listen on
    max_upload_mb: int = STREAMLIT_MAX_UPLOAD_MB
    fail_timeout_s: int = 10
    access_log: str = "/var/log/nginx/rehabdash.access.log"
    extra_streamlit_args: tuple[str, ...] = field(default=())
    tls_certificate: Path | None = None  # PEM, the server's certificate then the chain
    tls_key: Path | None = None
    listen_tls: str = "443"
    hsts_max_age_s: int = 365 * 86400

    @property
    def tls(self) -> bool:
        return self.tls_certificate is not None

    def addresses(self) -> list[str]:
        if self.upstreams:
            return list(self.upstreams)
        return [f"127.0.0.1:{self.base_port + i}" for i in range(self.replicas)]

    def ports(self) -> list[int]:
        """The ports of the replicas on this machine (the systemd instances)."""
        return [int(a.rsplit(":", 1)[1]) for a in self.addresses()]

    def names(self) -> list[str]:
        """The affinity cookie's value for each replica: r1, r2, …"""
        return [f"r{i + 1}" for i in range(len(self.addresses()))]


def replica_command(settings: Settings, port: int | str, python: str | None = None) -> list[str]:
    """The command of one replica: the unit's ExecStart with the port filled in."""
    python = python or str(settings.app_dir / ".venv" / "bin" / "python")
    return [python, "-m", "streamlit", "run", "serve.py", "--server.port", str(port),
            "--server.address", settings.bind, "--server.headless", "true",
            "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
            "--server.maxUploadSize", str(settings.max_upload_mb), *settings.extra_streamlit_args]


def _fill(template: str, values: dict[str, str]) -> str:
    def value(match: re.Match) -> str:
        if match.group(1) not in values:
            raise KeyError(f"no value for @{match.group(1)}@")
        return values[match.group(1)]
    return _PLACEHOLDER.sub(value, template)


def _template(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


def _server(address: str, settings: Settings, backup: bool = False) -> str:
    return (f"    server {address} max_fails=1 fail_timeout={settings.fail_timeout_s}s"
            f"{' backup' if backup else ''};")


def _https_port_suffix(listen_tls: str) -> str:
    """':8443' in a redirect to a TLS listener on another port than 443, else ''."""
    port = listen_tls.rsplit(":", 1)[-1]
    return "" if port == "443" else f":{port}"


def _tls_parts(settings: Settings) -> dict[str, str]:
    """The site's parts that differ behind TLS: listeners, the redirect, HSTS, Secure cookies."""
    if not settings.tls:
        return {"REDIRECT_SERVER": "", "LISTEN_LINES": f"    listen {settings.listen};", "TLS_HEADERS": "",
                "REPLICA_COOKIE_SECURE": ""}
    redirect = (
        "# Plain HTTP only sends the browser to HTTPS.\n"
        f"server {{\n    listen {settings.listen};\n    server_name {settings.server_name};\n"
        f"    access_log {settings.access_log} rehab;\n"
        f"    return 301 https://$host{_https_port_suffix(settings.listen_tls)}$request_uri;\n}}\n\n")
    listen = "\n".join([
        f"    listen {settings.listen_tls} ssl;",
        f"    ssl_certificate {settings.tls_certificate};",
        f"    ssl_certificate_key {settings.tls_key};",
        "    ssl_protocols TLSv1.2 TLSv1.3;",
        "    ssl_session_cache shared:rehab_tls:10m;",
        "    ssl_session_timeout 1d;"])
    headers = (f'        add_header Strict-Transport-Security "max-age={settings.hsts_max_age_s}" always;\n'
               "        # Streamlit's own cookies (XSRF, st.login) Secure too; the sign-in cookie is already\n"
               "        # Secure and HttpOnly (rehabdash.access.cookie, told by X-Forwarded-Proto).\n"
               "        proxy_cookie_flags ~ secure;\n")
    return {"REDIRECT_SERVER": redirect, "LISTEN_LINES": listen, "TLS_HEADERS": headers,
            "REPLICA_COOKIE_SECURE": "; Secure"}


def nginx_site(settings: Settings) -> str:
    addresses, names = settings.addresses(), settings.names()
    pinned = []
    for name, address in zip(names, addresses):
        lines = [_server(address, settings)] + [_server(other, settings, backup=True)
                                                  for other in addresses if other != address]
        pinned.append(f"\nupstream rehabdash_{name} {{\n    zone rehabdash_{name} 64k;\n" + "\n".join(lines)
                      + "\n    keepalive 16;\n}")
    return _fill(_template("nginx/rehabdash.conf.in"), {
        "REPLICAS": str(len(addresses)),
        "COOKIE_MAP": "\n".join(f"    {name} rehabdash_{name};" for name in names),
        "SERVED_BY_MAP": "\n".join(f'    "~(^|\\s){re.escape(address)}$" {name};'
                                   for name, address in zip(names, addresses)),
        "ANY_SERVERS": "\n".join(_server(address, settings) for address in addresses),
        "PINNED_UPSTREAMS": "\n".join(pinned),
        "FAIL_TIMEOUT": f"{settings.fail_timeout_s} s",
        **_tls_parts(settings),
        "SERVER_NAME": settings.server_name,
        "ACCESS_LOG": settings.access_log,
        "MAX_UPLOAD_MB": str(settings.max_upload_mb + MULTIPART_MB),
    })


def nginx_standalone(prefix: Path, site: Path, user: str | None = None) -> str:
    """A whole nginx.conf with its pid, logs and temporary folders under `prefix`, including the site
    file `site`; `user` (the workers' account) only matters when nginx starts as root."""
    return _fill(_template("nginx/standalone.conf.in"),
                 {"PREFIX": str(prefix), "SITE": str(site), "USER_LINE": f"user {user};\n" if user else ""})


def systemd_unit(settings: Settings) -> str:
    command = replica_command(settings, "%i")
    return _fill(_template("systemd/rehabdash@.service.in"), {
        "APP_DIR": str(settings.app_dir), "USER": settings.user, "GROUP": settings.group or settings.user,
        "ENV_FILE": str(settings.env_file), "EXEC_START": shlex.join(command),
    })


def systemd_target(settings: Settings) -> str:
    return _fill(_template("systemd/rehabdash.target.in"), {
        "REPLICAS": str(len(settings.ports())),
        "UNITS": " ".join(f"rehabdash@{port}.service" for port in settings.ports()),
    })


def environment(settings: Settings, cookie_secret: str | None = None) -> str:
    return _fill(_template("rehabdash.env.in"), {
        "GROUP": settings.group or settings.user, "DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.database_url, "INSTANCE_DIR": str(settings.instance_dir),
        "COOKIE_SECRET": cookie_secret or secrets.token_hex(32),
        "COOKIE_SECURE": "1" if settings.tls else "0",
    })


def render(settings: Settings, out: Path, standalone: Path | None = None,
           standalone_user: str | None = None) -> dict[str, Path]:
    """Write the deployment's files into `out`; returns them by name. With `standalone`, also a whole
    nginx.conf whose pid, logs and temporary folders are under that prefix."""
    files = {
        "nginx/rehabdash.conf": nginx_site(settings),
        "systemd/rehabdash@.service": systemd_unit(settings),
        "systemd/rehabdash.target": systemd_target(settings),
    }
    if standalone is not None:
        files["nginx/nginx.conf"] = nginx_standalone(standalone, out / "nginx" / "rehabdash.conf",
                                                     standalone_user)
        for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (standalone / "temp" / folder).mkdir(parents=True, exist_ok=True)
    written = {}
    for name, text in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written[name] = path
    env = out / "rehabdash.env"
    if not env.exists():  # one secret for every machine: render once, copy the same file everywhere
        env.write_text(environment(settings), encoding="utf-8")
        env.chmod(0o640)
    written["rehabdash.env"] = env
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.deploy", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("render", help="write the nginx site, the systemd units and the environment file")
    defaults = Settings()
    cmd.add_argument("--replicas", type=int, default=defaults.replicas, help="replicas on this machine")
    cmd.add_argument("--base-port", type=int, default=defaults.base_port)
    cmd.add_argument("--upstream", action="append", default=[], metavar="HOST:PORT",
                     help="a replica on another machine (repeat; replaces --replicas/--base-port)")
    cmd.add_argument("--bind", default=defaults.bind, help="address the replicas listen on")
    cmd.add_argument("--listen", default=defaults.listen, help="nginx listen (port or address:port)")
    cmd.add_argument("--server-name", default=defaults.server_name)
    cmd.add_argument("--app-dir", type=Path, default=defaults.app_dir, help="the checkout with .venv/")
    cmd.add_argument("--user", default=defaults.user, help="the service account")
    cmd.add_argument("--group", default="")
    cmd.add_argument("--env-file", type=Path, default=defaults.env_file)
    cmd.add_argument("--data-dir", type=Path, default=defaults.data_dir)
    cmd.add_argument("--database-url", default=defaults.database_url)
    cmd.add_argument("--instance-dir", type=Path, default=defaults.instance_dir)
    cmd.add_argument("--max-upload-mb", type=int, default=defaults.max_upload_mb)
    cmd.add_argument("--access-log", default=defaults.access_log)
    cmd.add_argument("--standalone", type=Path, metavar="PREFIX",
                     help="also a whole nginx.conf with pid, logs and temp folders under PREFIX")
    cmd.add_argument("--tls-certificate", type=Path, metavar="PEM",
                     help="serve HTTPS with this certificate (and its chain); HTTP is redirected to it")
    cmd.add_argument("--tls-key", type=Path, metavar="PEM", help="the certificate's private key")
    cmd.add_argument("--listen-tls", default=defaults.listen_tls, help="nginx listen for HTTPS")
    cmd.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if not args.upstream and not 1 <= args.replicas <= 64:
        parser.error("--replicas must be 1..64")
    if (args.tls_certificate is None) != (args.tls_key is None):
        parser.error("--tls-certificate and --tls-key go together")
    settings = Settings(
        replicas=args.replicas, base_port=args.base_port, upstreams=tuple(args.upstream), bind=args.bind,
        listen=args.listen, server_name=args.server_name, app_dir=args.app_dir, user=args.user,
        group=args.group, env_file=args.env_file, data_dir=args.data_dir, database_url=args.database_url,
        instance_dir=args.instance_dir, max_upload_mb=args.max_upload_mb, access_log=args.access_log,
        tls_certificate=args.tls_certificate, tls_key=args.tls_key, listen_tls=args.listen_tls)
    for name, path in render(settings, args.out, args.standalone).items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
