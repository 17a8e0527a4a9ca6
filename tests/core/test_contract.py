"""The conversation contract (assistant_core.contract) agrees with domain.yml, stories, rules, NLU,
content/ and the action server, and no Python outside it retypes an intent, action or slot name."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action

import actions
from assistant_core import contract
from assistant_core.contract import calculator
from assistant_core.settings import ROOT

# Rasa's own actions and intents, which stories may use without a domain entry.
RASA_ACTIONS = {"action_listen", "action_restart", "action_session_start", "action_default_fallback",
                "action_deactivate_loop", "action_back", "action_two_stage_fallback", "action_unlikely_intent",
                "action_extract_slots", "action_revert_fallback_events", "action_default_ask_affirmation",
                "action_default_ask_rephrase"}  # fmt: skip
RASA_INTENTS = {"nlu_fallback", "restart", "back", "out_of_scope", "session_start"}


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def domain() -> dict[str, Any]:
    return load(ROOT / "domain.yml")


def names(items: list[Any]) -> set[str]:
    return {item if isinstance(item, str) else next(iter(item)) for item in items}


def test_domain_declares_exactly_the_contract(domain: dict[str, Any]) -> None:
    assert names(domain["intents"]) == contract.INTENTS
    assert names(domain["entities"]) == contract.ENTITIES
    assert names(domain["actions"]) == contract.ACTIONS
    assert set(domain["slots"]) == contract.SLOTS
    assert set(domain["forms"]) == contract.FORMS
    assert set(domain["responses"]) >= contract.RESPONSES


def test_the_form_asks_the_contract_questions_and_lets_the_leaving_intents_out(domain: dict[str, Any]) -> None:
    assert domain["forms"][calculator.FORM]["required_slots"] == list(calculator.QUESTIONS)
    for slot in calculator.QUESTIONS:
        for mapping in domain["slots"][slot]["mappings"]:
            assert set(mapping.get("not_intent") or ()) == calculator.NOT_INTENT, slot
            assert mapping["conditions"] == [{"active_loop": calculator.FORM, "requested_slot": slot}]


def story_steps() -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = []
    for path in sorted((ROOT / "stories").glob("*.yml")):
        data = load(path) or {}
        for block in (data.get("stories") or []) + (data.get("rules") or []):
            steps += block.get("steps") or []
            steps += block.get("condition") or []
    return steps


def test_stories_and_rules_use_only_contract_names(domain: dict[str, Any]) -> None:
    responses = set(domain["responses"])
    used_intents = {s["intent"] for s in story_steps() if "intent" in s}
    used_actions = {s["action"] for s in story_steps() if "action" in s}
    loops = {s["active_loop"] for s in story_steps() if s.get("active_loop")}
    assert used_intents - contract.INTENTS - RASA_INTENTS == set()
    assert used_actions - contract.ACTIONS - contract.FORMS - responses - RASA_ACTIONS == set()
    assert loops <= contract.FORMS


def test_nlu_examples_are_for_contract_intents() -> None:
    intents = set()
    for path in sorted((ROOT / "nlu").rglob("*.yml")):
        for block in (load(path) or {}).get("nlu") or []:
            if "intent" in block:
                intents.add(block["intent"].split("/")[0])
    assert intents <= contract.INTENTS, intents - contract.INTENTS
    # Everything people type has examples; the rest only comes from our own buttons.
    button_only = {"choose_topic", "feedback", "open_link", "reminder_on", "check_obligation", "registration_guide"}
    assert contract.INTENTS - intents == button_only


def test_nlu_files_are_one_per_feature_and_named_after_it() -> None:
    by_intent = {i: f.name for f in contract.FEATURES for i in f.intents}
    for path in sorted((ROOT / "nlu").rglob("*.yml")):
        features = {
            by_intent.get(block["intent"].split("/")[0], "?")
            for block in (load(path) or {}).get("nlu") or []
            if "intent" in block
        }
        assert features == {path.stem}, (path.relative_to(ROOT), features)


def test_button_payloads_in_responses_name_contract_intents(domain: dict[str, Any]) -> None:
    for name, variants in domain["responses"].items():
        for variant in variants:
            for button in variant.get("buttons") or []:
                # domain.yml doubles JSON braces so Rasa does not read them as slot placeholders
                text = button["payload"].replace("{{", "{").replace("}}", "}")
                parsed = contract.parse_payload(text)
                assert parsed is not None, (name, text)
                assert parsed[0] in contract.INTENTS, (name, text)
                assert set(parsed[1]) <= contract.ENTITIES, (name, text)


def test_the_action_server_registers_exactly_the_contract_actions() -> None:
    found = set()
    for module in pkgutil.iter_modules(actions.__path__):
        loaded = importlib.import_module(f"actions.{module.name}")
        for _, cls in inspect.getmembers(loaded, inspect.isclass):
            if issubclass(cls, Action) and cls.__module__ == loaded.__name__ and not inspect.isabstract(cls):
                try:
                    found.add(cls().name())
                except Exception:
                    continue
    assert found - {""} == contract.ACTIONS


def test_content_has_every_text_the_contract_names() -> None:
    texts = load(ROOT / "content" / "texts.yml")["texts"]
    assert set(contract.bot_texts()) <= set(texts), set(contract.bot_texts()) - set(texts)


def test_payloads_round_trip() -> None:
    built = contract.faq.topic_payload("iuran_bpu")
    assert built == '/choose_topic{"topic":"iuran_bpu"}'
    assert contract.parse_payload(built) == ("choose_topic", {"topic": "iuran_bpu"})
    assert contract.parse_payload("/help") == ("help", {})
    assert contract.parse_payload("/calc_iuran{not json}") is None
    assert contract.parse_payload('/feedback{"rating": 1}') is None
    assert contract.parse_payload("halo /help") is None
    assert contract.is_payload('/calc_iuran{"size":"mikro"}', calculator.INTENT)
    assert not contract.is_payload("/calc_iuranx", calculator.INTENT)


def test_entry_payloads_are_allowed_unoffered_and_nothing_else() -> None:
    expected = {"/greet", "/help", "/calc_iuran", "/check_obligation", "/registration_guide"}
    assert expected == contract.ALWAYS_ALLOWED_PAYLOADS


# --- No retyped names -------------------------------------------------------------------------

CONTRACT_DIR = ROOT / "assistant_core" / "contract"
PYTHON_DIRS = ("actions", "assistant_core", "bot", "rasa_components", "scripts", "dashboard", "supervisor")


# Strings equal to a contract name that are not one, each with what it is.
NOT_NAMES = {
    ("assistant_core/db.py", "feedback"): "the asst_feedback table's name",
    ("scripts/bench.py", "goodbye"): "an English message typed to the `rasa init` bot in the benchmark",
}


def contract_names() -> set[str]:
    return contract.INTENTS | contract.ACTIONS | contract.SLOTS | contract.FORMS


def literal_hits(path: Path, wanted: set[str]) -> list[str]:
    """String literals (docstrings excepted) that are a contract name or a payload for one."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    hits = []
    payload = re.compile(r"/([a-z_]+)(\{.*)?", re.DOTALL)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            value = node.value
            match = payload.fullmatch(value)
            name = match.group(1) if match else value
            if name in wanted and (str(path.relative_to(ROOT)), value) not in NOT_NAMES:
                hits.append(f"{path.relative_to(ROOT)}:{node.lineno}: {value!r}")
    return hits


def test_no_python_outside_the_contract_retypes_an_intent_action_or_slot_name() -> None:
    wanted = contract_names()
    hits = []
    for folder in PYTHON_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")) if (ROOT / folder).exists() else []:
            if CONTRACT_DIR not in path.parents:
                hits += literal_hits(path, wanted)
    assert not hits, "retyped contract names (import them from assistant_core.contract):\n" + "\n".join(hits)


def test_the_literal_finder_finds_retyped_names(tmp_path: Path) -> None:
    sample = ROOT / "var" / "contract_sample.py"
    sample.parent.mkdir(exist_ok=True)
    sample.write_text('"""faq"""\nx = "calc_iuran"\ny = \'/choose_topic{"topic":"a"}\'\nz = "calculator"\n')
    try:
        assert [h.split(": ", 1)[1] for h in literal_hits(sample, contract_names())] == [
            "'calc_iuran'",
            '\'/choose_topic{"topic":"a"}\'',
        ]
    finally:
        sample.unlink()
