"""One nginx template for the cluster, the benchmark and the deployment, with the same protections."""

from __future__ import annotations

import re
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from supervisor import nginx
from supervisor.process import Supervisor
from tests.e2e.conftest import free_port

PROTECTIONS = (
    "client_max_body_size 1m;",
    "client_body_timeout 10s;",
    "client_header_timeout 10s;",
    "proxy_connect_timeout 2s;",
    "proxy_send_timeout 10s;",
    "proxy_max_temp_file_size 0;",
    'proxy_set_header Connection "";',
    "proxy_set_header Host $host;",
    "proxy_next_upstream error timeout;",
    "proxy_next_upstream_tries 3;",
    "proxy_next_upstream_timeout 10s;",
    "server_tokens off;",
)


def configs(prefix: Path) -> dict[str, nginx.NginxConfig]:
    return {
        "cluster": nginx.cluster_config((7005, 7006), (7055, 7056), 7079, 7080, 7081, 7443, prefix),
        "bench": nginx.bench_config({"ours1": [7005], "ours2": [7005, 7006]}, {"ours1": 7090, "ours2": 7091}, prefix),
        "compose": nginx.compose_config(),
    }


def test_the_committed_deploy_conf_is_the_template_with_the_compose_parameters() -> None:
    assert nginx.DEPLOY_CONF.read_text() == nginx.compose_config().render(), (
        "deploy/nginx.conf is out of date: run `.venv/app/bin/python -m supervisor nginx`"
    )


@pytest.mark.parametrize("name", ["cluster", "bench", "compose"])
def test_every_nginx_has_every_protection_and_refuses_unknown_paths(name: str, tmp_path: Path) -> None:
    conf = configs(tmp_path)[name].render()
    for line in PROTECTIONS:
        assert line in conf, f"{name}: {line}"
    directives = [line.split("#")[0] for line in conf.splitlines()]
    assert not any("non_idempotent" in d for d in directives)  # a POST that reached a replica is never sent twice
    servers = conf.count("    server {")
    assert servers == conf.count("location / {\n            return 404;")


def test_the_benchmark_waits_longer_and_logs_nothing(tmp_path: Path) -> None:
    conf = configs(tmp_path)["bench"].render()
    assert "proxy_read_timeout 120s;" in conf
    assert "access_log off;" in conf and "log_format" not in conf
    assert re.findall(r"listen (\S+);", conf) == ["127.0.0.1:7090", "127.0.0.1:7091"]


@pytest.mark.skipif(shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(), reason="nginx absent")
@pytest.mark.parametrize("name", ["cluster", "bench"])
def test_nginx_accepts_the_rendered_configuration(name: str, tmp_path: Path) -> None:
    conf = nginx.write(configs(tmp_path)[name], tmp_path)
    nginx.check(conf, tmp_path)  # raises NginxError with nginx's message
    broken = tmp_path / "broken.conf"
    broken.write_text(conf.read_text().replace("proxy_read_timeout", "proxy_read_timeuot"))
    with pytest.raises(nginx.NginxError):
        nginx.check(broken, tmp_path)


def test_nginx_is_started_under_the_supervisor(tmp_path: Path) -> None:
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        pytest.skip("nginx absent")
    port = free_port()
    config = nginx.bench_config({"r": [free_port()]}, {"r": port}, tmp_path)
    supervisor = Supervisor(tmp_path / "logs", tmp_path)
    try:
        nginx.start(supervisor, config, tmp_path, [f"http://127.0.0.1:{port}/health"])
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/webhooks/other", timeout=5)
        refused.value.close()
        assert refused.value.code == 404
    finally:
        supervisor.stop_all()
    assert not (tmp_path / "nginx.pid").exists()  # it shut down cleanly on SIGTERM
