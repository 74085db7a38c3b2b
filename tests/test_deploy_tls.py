"""The deployment behind TLS (issue 35): `python -m tools.deploy render --tls-certificate … --tls-key …`
writes a site that passes `nginx -t` with a certificate made here, serves HTTPS, sends plain HTTP there,
and sends the security headers (also without TLS). In real Chromium through that nginx, in front of a
replica started with the systemd unit's command (`streamlit run serve.py`), a local sign-in leaves the
`rehab_session` cookie Secure and HttpOnly, and logging out removes it.

Needs nginx, openssl and Chromium; outside CI a missing one skips.
"""
from __future__ import annotations

import http.client
import os
import re
import shutil
import ssl
import subprocess
import urllib.request

import pytest

from bench import cluster
from bench.load import _free_port
from rehabdash.access.accounts import AccountStore
from tools import deploy

from .conftest import RecordedPage, _require_chromium, assert_clean, sign_in, wait_for_app
from .deploying import NGINX, need, nginx_t
from .seed import QINGSHAN
from .workbooks import data_copy

pytestmark = pytest.mark.deploy
PASSWORD = "青山 correct horse"
SECURITY_HEADERS = {"x-frame-options": "SAMEORIGIN", "x-content-type-options": "nosniff",
                    "referrer-policy": "same-origin"}


def self_signed(folder) -> tuple:
    """A certificate for 127.0.0.1 and its key, as the organisation's CA would issue (deploy/README.md)."""
    need("openssl", shutil.which("openssl"))
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    return cert, key


def location(site: str) -> str:
    return re.search(r"location / \{(.*?)\n    \}", site, re.S).group(1)


def test_the_tls_site_passes_nginx_t_with_a_tls_server_a_redirect_and_the_headers(tmp_path):
    need("nginx", os.path.exists(NGINX))
    cert, key = self_signed(tmp_path)
    out = tmp_path / "deploy"
    assert deploy.main(["render", "--out", str(out), "--standalone", str(out), "--access-log",
                        str(out / "access.log"), "--listen", "127.0.0.1:8080", "--listen-tls", "127.0.0.1:8443",
                        "--tls-certificate", str(cert), "--tls-key", str(key)]) == 0
    checked = nginx_t(out)
    assert checked.returncode == 0 and "syntax is ok" in checked.stderr, checked.stderr

    site = (out / "nginx" / "rehabdash.conf").read_text(encoding="utf-8")
    servers = re.split(r"\n(?=server \{)", site)[1:]
    plain, secure = servers
    assert "listen 127.0.0.1:8080;" in plain and "return 301 https://$host:8443$request_uri;" in plain
    assert "proxy_pass" not in plain  # plain HTTP reaches no replica
    assert "listen 127.0.0.1:8443 ssl;" in secure
    assert f"ssl_certificate {cert};" in secure and f"ssl_certificate_key {key};" in secure
    headers = location(secure)
    for name, value in SECURITY_HEADERS.items():
        assert re.search(rf"add_header {name} {value} always;", headers, re.I), name
    assert re.search(r'add_header Strict-Transport-Security "max-age=\d{7,}" always;', headers)
    assert "proxy_cookie_flags ~ secure;" in headers
    assert "HttpOnly; SameSite=Lax; Secure" in site  # the affinity cookie
    assert re.search(r"^REHAB_COOKIE_SECURE=1$", (out / "rehabdash.env").read_text(encoding="utf-8"), re.M)

    # Without a certificate: the headers still, no TLS, no HSTS, no redirect.
    out = tmp_path / "plain"
    assert deploy.main(["render", "--out", str(out), "--standalone", str(out), "--access-log",
                        str(out / "access.log"), "--listen", "127.0.0.1:8080"]) == 0
    assert nginx_t(out).returncode == 0
    site = (out / "nginx" / "rehabdash.conf").read_text(encoding="utf-8")
    for name, value in SECURITY_HEADERS.items():
        assert re.search(rf"add_header {name} {value} always;", location(site), re.I), name
    assert "ssl" not in site and "Strict-Transport-Security" not in site and "return 301" not in site
    assert re.search(r"^REHAB_COOKIE_SECURE=0$", (out / "rehabdash.env").read_text(encoding="utf-8"), re.M)


def test_a_certificate_without_its_key_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        deploy.main(["render", "--out", str(tmp_path), "--tls-certificate", str(tmp_path / "c.pem")])
    assert "--tls-key" in capsys.readouterr().err


@pytest.fixture
def tls_deployment(tmp_path):
    need("nginx", os.path.exists(NGINX))
    _require_chromium()
    cert, key = self_signed(tmp_path)
    data = data_copy(tmp_path)
    url = f"sqlite:///{tmp_path / 'instance' / 'rehab.db'}"
    AccountStore(url).add("qingshan", PASSWORD, "viewer", [QINGSHAN])
    env = {"REHAB_AUTH": "local", "REHAB_DATA_DIR": str(data), "REHAB_DATABASE_URL": url,
           "REHAB_INSTANCE_DIR": str(tmp_path / "instance")}  # no REHAB_COOKIE_SECURE: nginx's header says TLS
    replica = cluster.replica(_free_port(), env, "tls")
    tls_port = _free_port()
    nginx = cluster.Nginx(tmp_path / "nginx", [f"127.0.0.1:{replica.port}"], tls_certificate=cert,
                          tls_key=key, listen_tls=f"127.0.0.1:{tls_port}")
    try:
        checked = nginx.check()
        assert checked.returncode == 0, checked.stderr
        nginx.start()
        yield {"http": nginx.url, "https": f"https://127.0.0.1:{tls_port}", "cert": cert}
    finally:
        nginx.stop()
        replica.stop()


@pytest.mark.browser
def test_through_tls_the_sign_in_cookie_is_secure_and_httponly(tls_deployment, browser, screenshots_dir):
    https = tls_deployment["https"]
    # Plain HTTP is sent to HTTPS, path and query kept.
    connection = http.client.HTTPConnection(tls_deployment["http"].removeprefix("http://"), timeout=30)
    connection.request("GET", "/map?year=2024")
    answer = connection.getresponse()
    assert answer.status == 301 and answer.getheader("Location") == f"{https}/map?year=2024"
    # HTTPS answers (checked against the certificate) carry the headers.
    context = ssl.create_default_context(cafile=str(tls_deployment["cert"]))
    with urllib.request.urlopen(f"{https}/", context=context, timeout=30) as response:
        headers = {k.lower(): v for k, v in response.headers.items()}
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, name
    assert re.fullmatch(r"max-age=\d{7,}", headers["strict-transport-security"])

    browser_context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN",
                                          ignore_https_errors=True)
    recorded = RecordedPage(browser_context.new_page())
    page = recorded.page
    seen: dict[str, dict] = {}
    page.on("response", lambda r: seen.setdefault(r.url, {k.lower(): v for k, v in r.headers.items()}))
    sign_in(page, "qingshan", PASSWORD, at=f"{https}/overview")
    wait_for_app(page, '[data-testid="stSidebar"] button:has-text("退出登录")', timeout=90_000)
    cookie = None
    for _ in range(50):  # the page's script asks the server for the cookie once the sign-in run ends
        cookie = next((c for c in browser_context.cookies() if c["name"] == "rehab_session"), None)
        if cookie:
            break
        page.wait_for_timeout(200)
    assert cookie is not None, browser_context.cookies()
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie").find("rehab_session") == -1  # no script can read it
    replica_cookie = next(c for c in browser_context.cookies() if c["name"] == "rehab_replica")
    assert replica_cookie["secure"] and replica_cookie["httpOnly"]
    document = seen[f"{https}/overview"]
    for name, value in SECURITY_HEADERS.items():
        assert document.get(name) == value, name
    assert "strict-transport-security" in document

    page.reload()  # the HttpOnly cookie signs the reload in
    wait_for_app(page, '[data-testid="stSidebar"] button:has-text("退出登录")', timeout=90_000)
    assert "qingshan（查看）" in page.locator('[data-testid="stSidebar"]').inner_text()
    page.screenshot(path=str(screenshots_dir / "deploy-tls-signed-in.png"), full_page=True)

    page.get_by_role("button", name="退出登录").click()
    page.get_by_label("密码").wait_for(timeout=30_000)
    for _ in range(50):  # the server expires the cookie a script could not delete
        if "rehab_session" not in {c["name"] for c in browser_context.cookies()}:
            break
        page.wait_for_timeout(200)
    assert "rehab_session" not in {c["name"] for c in browser_context.cookies()}
    assert_clean(recorded)
    browser_context.close()
