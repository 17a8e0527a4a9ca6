"""The load balancer configuration `make cluster` writes, and the settings it insists on."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from assistant_core.endpoints import endpoints
from assistant_core.settings import load_settings
from supervisor.cluster import DEFAULT_DATABASE_URL, Cluster, ClusterError, Layout, cluster_env, nginx_config

LAYOUT = Layout(
    rasa_ports=(7005, 7006, 7007), action_ports=(7055, 7056), public_port=7079, rasa_lb_port=7080, action_lb_port=7081
)


def servers(conf: str) -> dict[str, list[str]]:
    """Each server block's listen address and its locations, in order."""
    found = {}
    for block in conf.split("    server {")[1:]:
        listen = re.search(r"listen ([^;]+);", block)
        assert listen, block
        found[listen.group(1)] = re.findall(r"location ([^{]+?) \{", block)
    return found


def test_every_replica_is_an_upstream_and_only_the_channels_are_exposed(tmp_path: Path) -> None:
    conf = nginx_config(LAYOUT, tmp_path)
    rasa = re.search(r"upstream rasa \{(.*?)\}", conf, re.S)
    actions = re.search(r"upstream actions \{(.*?)\}", conf, re.S)
    assert rasa and actions
    assert re.findall(r"127\.0\.0\.1:(\d+)", rasa.group(1)) == ["7005", "7006", "7007"]
    assert re.findall(r"127\.0\.0\.1:(\d+)", actions.group(1)) == ["7055", "7056"]
    assert servers(conf)["127.0.0.1:7080"] == ["= /health", "/webhooks/rest/", "/"]
    assert "proxy_next_upstream error timeout;" in conf  # never non_idempotent: a sent POST is not repeated


def test_with_bind_host_on_every_interface_only_the_webhook_is_public(tmp_path: Path) -> None:
    """Issue 20 point 9: the REST channel (any REST conversation, the forget endpoint) stayed on the
    public port beside the Telegram webhook; now it is on loopback whatever BIND_HOST says."""
    listening = servers(nginx_config(LAYOUT, tmp_path, listen_host="0.0.0.0"))
    assert listening["0.0.0.0:7079"] == ["= /telegram", "= /health", "/"]
    public = [listen for listen in listening if not listen.startswith("127.0.0.1:")]
    assert public == ["0.0.0.0:7079"]
    assert listening["127.0.0.1:7080"] == ["= /health", "/webhooks/rest/", "/"]
    assert listening["127.0.0.1:7081"] == ["= /webhook", "= /health", "/"]


@pytest.mark.skipif(shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(), reason="nginx absent")
def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / kind).mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx_config(LAYOUT, tmp_path))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_replicas_refuse_sqlite_and_in_process_locks(tmp_path: Path) -> None:
    env = {"VAR_DIR": str(tmp_path), "PSEUDONYM_KEY": "k" * 20}
    with pytest.raises(ClusterError, match="PostgreSQL"):
        Cluster(env)
    with pytest.raises(ClusterError, match="Redis"):
        Cluster({**env, "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/x"})


def test_make_cluster_defaults_to_the_local_servers_and_keeps_configured_ones() -> None:
    assert cluster_env({})["DATABASE_URL"] == DEFAULT_DATABASE_URL
    assert cluster_env({"DATABASE_URL": "sqlite:///x.db"})["DATABASE_URL"] == DEFAULT_DATABASE_URL
    configured = {"DATABASE_URL": "postgresql://u@db:5432/bot", "REDIS_URL": "redis://cache:6379/3"}
    assert cluster_env(configured) == configured


def test_every_process_shares_the_key_and_calls_actions_through_the_balancer(tmp_path: Path) -> None:
    env = {
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/x",
        "REDIS_URL": "redis://127.0.0.1:6379/2",
    }
    cluster = Cluster(env, LAYOUT)
    # No PSEUDONYM_KEY given: the one generated under VAR_DIR is handed to every process.
    assert cluster.env["PSEUDONYM_KEY"] == (tmp_path / "pseudonym.key").read_text().strip()
    config = endpoints(load_settings(cluster.env))
    assert config["action_endpoint"] == {"url": "http://127.0.0.1:7081/webhook"}
    assert config["lock_store"]["type"].endswith("FallbackRedisLockStore")
    assert config["tracker_store"]["type"].endswith("CheckedSQLTrackerStore")
    assert load_settings(cluster.env).rest_webhook == "http://127.0.0.1:7080/webhooks/rest/webhook"
