"""One key per purpose, all derived from the master key in one place (issue 20 point 1).

The master key (PSEUDONYM_KEY or var/pseudonym.key) must reach HMAC only through
`assistant_core.keys.derive_key`, each user with its own purpose, so a leaked webhook secret or
forget token says nothing about the master key or the other secrets. The pseudonyms stay
bit-for-bit what they were: changing them would orphan every stored conversation.
"""

from __future__ import annotations

import ast
import hashlib
import hmac
from pathlib import Path

import pytest

from assistant_core.keys import LABELS, PSEUDONYM_INPUT_PREFIXES, PURPOSES, derive_key
from assistant_core.pseudonym import conversation_id, forget_token, local_conversation_id, rest_conversation_id
from assistant_core.settings import load_settings
from bot.__main__ import webhook_secret

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ["assistant_core", "bot", "actions", "dashboard", "supervisor", "rasa_components", "scripts"]
MASTER = b"0123456789abcdef" * 4

# Functions that take the master key and derive their own key from it inside.
TAKES_THE_MASTER_KEY = {
    "derive_key",
    "conversation_id",
    "local_conversation_id",
    "rest_conversation_id",
    "forget_token",
    "sender_token",
    "SafeRestInput",
    "cls",
}
# The one place the master key leaves as it is: the cluster hands it to its child processes.
HANDOFF = {("supervisor/cluster.py", "decode")}


def source_files() -> list[Path]:
    return sorted(p for package in SOURCE for p in (ROOT / package).rglob("*.py"))


def call_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def test_each_purpose_has_its_own_key_and_none_is_the_master_key_but_the_pseudonyms() -> None:
    derived = {purpose: derive_key(MASTER, purpose) for purpose in PURPOSES}
    assert set(derived) == {"pseudonym", "telegram-webhook-secret", "forget-token", "sender-token"}
    assert len(set(derived.values())) == len(derived)
    for purpose, key in derived.items():
        if purpose != "pseudonym":
            assert len(key) == 32 and key != MASTER and key.hex().encode() != MASTER
    assert derive_key(b"another master key 0123456789", "forget-token") != derived["forget-token"]
    with pytest.raises(ValueError, match="unknown key purpose"):
        derive_key(MASTER, "dashboard")


def test_the_webhook_secret_and_the_forget_token_are_derived_and_differ(tmp_path: Path) -> None:
    settings = load_settings({"PSEUDONYM_KEY": MASTER.decode(), "VAR_DIR": str(tmp_path)})
    secret, token = webhook_secret(settings), forget_token(settings.pseudonym_key)
    assert secret == derive_key(MASTER, "telegram-webhook-secret").hex()
    assert token == derive_key(MASTER, "forget-token").hex()
    assert len({secret, token, MASTER.decode(), MASTER.hex()}) == 4


def test_pseudonyms_and_tokens_are_unchanged_so_stored_conversations_stay_reachable(tmp_path: Path) -> None:
    # Computed with the code before the derivation moved into assistant_core.keys.
    assert conversation_id(MASTER, 42, 42, True) == "c90d386d671d61b58ea54d43cfb7e341"
    assert conversation_id(MASTER, -100, 7, False) == "6b46c4cd89fa8d352e84c3b4ae360e83"
    assert local_conversation_id(MASTER, "ani") == "6fd242821a3f5e98c8f7f0b871dfd68b"
    assert rest_conversation_id(MASTER, "6281234509876") == "rest-bfee462c7fa89e9c5c2628096a5988c1"
    assert forget_token(MASTER) == "6cc1a521f0c2113d40631a0e99f77e78c9cdb0a74c6477529e09f9c237c585d7"
    settings = load_settings({"PSEUDONYM_KEY": MASTER.decode(), "VAR_DIR": str(tmp_path)})
    assert webhook_secret(settings) == "4f73d3d07dd6c655e24a75647364cf33a1321e1c1d32e4ad3847506002ad33d7"


def test_no_derived_label_can_be_a_pseudonym_input() -> None:
    """The pseudonyms are HMACs under the master key itself, of inputs that start with "tg:",
    "local:" or "rest:" (the REST sender is chosen by the client). A label with such a prefix would
    let a client obtain a derived secret as a pseudonym: none may have one."""
    assert set(LABELS) == set(PURPOSES) - {"pseudonym"}
    for purpose, label in LABELS.items():
        assert not label.startswith(PSEUDONYM_INPUT_PREFIXES), purpose
    assert hmac.new(MASTER, b"tg:42", hashlib.sha256).hexdigest()[:32] == conversation_id(MASTER, 42, 42, True)


def test_hmac_is_keyed_only_with_a_derived_key() -> None:
    """Outside assistant_core/keys.py, every HMAC takes its key straight from derive_key(...)."""
    raw = []
    for path in source_files():
        relative = path.relative_to(ROOT).as_posix()
        if relative == "assistant_core/keys.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), relative)):
            if not isinstance(node, ast.Call) or call_name(node.func) not in {"new", "digest", "HMAC"}:
                continue
            if not (isinstance(node.func, ast.Attribute) and call_name(node.func.value) == "hmac"):
                continue
            key = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "key"), None)
            if not (isinstance(key, ast.Call) and call_name(key.func) == "derive_key"):
                raw.append(f"{relative}:{node.lineno}")
    assert raw == []


def test_the_master_key_is_only_handed_to_functions_that_derive_their_own_key() -> None:
    """`.pseudonym_key` (the master key) is read only as an argument of a function that derives
    from it, compared with None, or handed to the cluster's child processes."""
    misuse = []
    for path in source_files():
        relative = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(), relative)
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Attribute) and node.attr == "pseudonym_key"):
                continue
            if not isinstance(node.ctx, ast.Load):
                continue
            parent = parents[node]
            if isinstance(parent, ast.Call) and node in parent.args and call_name(parent.func) in TAKES_THE_MASTER_KEY:
                continue
            if isinstance(parent, ast.Compare) and all(isinstance(op, ast.Is | ast.IsNot) for op in parent.ops):
                continue
            if isinstance(parent, ast.Attribute) and (relative, parent.attr) in HANDOFF:
                continue
            misuse.append(f"{relative}:{node.lineno}")
    assert misuse == []
