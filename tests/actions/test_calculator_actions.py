"""The calculator's actions with real content and a real rasa-sdk Tracker."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.calculator import ASK_ACTIONS, ActionCalcCancel, ActionCalcResult, ActionCalcStart, ValidateCalcForm

DOMAIN: dict[str, Any] = {"forms": {"calc_form": {"required_slots": ["calc_target"]}}, "slots": {}}


@pytest.fixture(autouse=True)
def frozen_date(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("ASSISTANT_TODAY", "2026-11-26")
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setenv("PSEUDONYM_KEY", "k" * 20)
    services.engine.cache_clear()


def tracker(
    text: str,
    slots: dict[str, Any] | None = None,
    intent: str = "calc_iuran",
    loop: str | None = "calc_form",
    parse: dict[str, Any] | None = None,
) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": [], **(parse or {})}
    return Tracker("calc-1", slots or {}, latest, [], False, None, {"name": loop} if loop else {}, "action_listen")


def run(action: Any, t: Tracker) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, DOMAIN))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def validate(slot: str, text: str, slots: dict[str, Any], **kwargs: Any) -> tuple[list[dict[str, Any]], dict]:
    form = ValidateCalcForm()
    dispatcher = CollectingDispatcher()
    method = getattr(form, f"validate_{slot}")
    result = asyncio.run(method(text, dispatcher, tracker(text, slots, **kwargs), DOMAIN))
    return dispatcher.messages, result


def test_first_message_prefills_answers() -> None:
    _, slots = run(ActionCalcStart(), tracker("Gaji karyawan saya 3,5 juta, 4 orang, berapa iurannya sebulan?"))
    assert slots["calc_target"] == "pu" and slots["calc_workers"] == 4.0
    assert slots["calc_wages"] == [3_500_000] * 4


def test_prefilled_values_pass_validation_unchanged() -> None:
    _, result = validate("calc_workers", 4.0, {"calc_target": "pu"})  # type: ignore[arg-type]
    assert result == {"calc_workers": 4.0}


def test_answer_is_read_and_bad_answer_reprompts_with_example_on_second_try() -> None:
    _, ok = validate("calc_wages", "3,5jt", {"calc_target": "pu", "calc_workers": 2.0}, intent="faq")
    assert ok["calc_wages"] == [3_500_000, 3_500_000]
    first, result = validate("calc_wages", "umr", {"calc_target": "pu", "calc_workers": 2.0}, intent="out_of_scope")
    assert result["calc_wages"] is None and "berbeda di setiap daerah" in first[0]["text"]
    assert "Contoh jawaban" not in first[0]["text"]
    second, result = validate(
        "calc_wages", "35", {"calc_target": "pu", "calc_workers": 2.0, "calc_fails": 1.0}, intent="out_of_scope"
    )
    assert result["calc_fails"] == 2.0 and "Contoh jawaban" in second[0]["text"]


def test_question_in_the_middle_is_answered_then_asked_again() -> None:
    ranking = [
        {"intent_response_key": "faq/iuran_jkm_pu", "confidence": 0.9},
        {"intent_response_key": "faq/jkm_apa", "confidence": 0.05},
    ]
    parse = {"response_selector": {"faq": {"response": ranking[0], "ranking": ranking}}}
    messages, result = validate("calc_risk", "iuran jkm brp persen", {"calc_target": "pu"}, intent="faq", parse=parse)
    assert result == {"calc_risk": None}
    assert "0,3%" in messages[0]["text"]


def test_bad_value_is_explained_even_when_the_classifier_calls_it_a_question() -> None:
    # Seen in CI: a retrained model ranked "-3" as a FAQ question with high confidence.
    ranking = [{"intent_response_key": "faq/mitos_lain", "confidence": 0.95}]
    parse = {"response_selector": {"faq": {"response": ranking[0], "ranking": ranking}}}
    messages, result = validate("calc_workers", "-3", {"calc_target": "pu"}, intent="faq", parse=parse)
    assert result["calc_workers"] is None and result["calc_fails"] == 1.0
    assert "negatif" in messages[0]["text"] and len(messages) == 1


def test_correction_of_an_earlier_answer() -> None:
    messages, result = validate("calc_risk", "eh salah, gajinya 4 juta", {"calc_target": "pu", "calc_workers": 2.0})
    assert result["calc_wages"] == [4_000_000, 4_000_000] and result["calc_risk"] is None
    assert "perbarui" in messages[0]["text"]


def test_risk_question_shows_rates_from_facts_and_buttons() -> None:
    messages, _ = run(ASK_ACTIONS["calc_risk"](), tracker(""))
    assert "0,24%" in messages[0]["text"] and "1,74%" in messages[0]["text"]
    assert [b["title"] for b in messages[0]["buttons"]][-1] == "Belum tahu"


def test_employee_result() -> None:
    slots = {
        "calc_target": "pu",
        "calc_workers": 4.0,
        "calc_wages": [3_500_000] * 4,
        "calc_risk": "low",
        "calc_size": "kecil",
    }
    messages, reset = run(ActionCalcResult(), tracker("Kecil", slots, loop=None))
    text = messages[0]["text"]
    # 4 x 3,5 juta: JKK 0,54% = 75.600; JKM 0,3% = 42.000; JHT 3,7% = 518.000 + 2% = 280.000
    assert "Rp75.600" in text and "Rp42.000" in text and "Rp518.000" in text and "Rp280.000" in text
    assert "Total sebulan: Rp915.600" in text
    assert "\n• JKK" in text and "\n• JKM" in text and "\n• JHT" in text  # one program per line
    assert "15 Desember 2026" in text and "PP 44/2015" in text
    # Per worker (3,5 juta): JKK 18.900, JKM 10.500, JHT 129.500 + 70.000 -> employer 158.900, worker 70.000
    assert "Gaji Rp3.500.000 (4 orang): pemberi kerja Rp158.900, pekerja Rp70.000" in text
    assert "JHT Rp129.500 + Rp70.000" in text
    assert all(value is None for value in reset.values())


def test_employee_result_with_different_wages_has_one_line_per_wage() -> None:
    slots = {
        "calc_target": "pu",
        "calc_workers": 2.0,
        "calc_wages": [3_000_000, 12_000_000],
        "calc_risk": "very_low",
        "calc_size": "menengah",
    }
    messages, _ = run(ActionCalcResult(), tracker("Menengah", slots, loop=None))
    text = messages[0]["text"]
    # 3 juta: JKK 0,24% 7.200; JKM 9.000; JHT 111.000 + 60.000; JP 2% 60.000 + 1% 30.000
    assert "Gaji Rp3.000.000: pemberi kerja Rp187.200, pekerja Rp90.000" in text
    # 12 juta: JKK 28.800; JKM 36.000; JHT 444.000 + 240.000; JP capped at 11.086.300: 221.726 + 110.863
    assert "Gaji Rp12.000.000: pemberi kerja Rp730.526, pekerja Rp350.863" in text
    assert "JP Rp221.726 + Rp110.863" in text


def test_owner_result_with_discount() -> None:
    slots = {"calc_target": "bpu", "calc_income": 1_000_000.0, "calc_jht": True, "calc_sector": "other"}
    messages, _ = run(ActionCalcResult(), tracker("Lainnya", slots, loop=None))
    text = messages[0]["text"]
    assert "Total sebulan: Rp28.400" in text  # 5.000 + 3.400 + 20.000
    assert "\n• JKM" in text and "\n• JHT" in text
    assert "diskon 50%" in text and "31 Desember 2026" in text


def test_cancel() -> None:
    messages, slots = run(ActionCalcCancel(), tracker("batal", {"calc_target": "pu"}, intent="cancel"))
    assert "dibatalkan" in messages[0]["text"] and slots["calc_target"] is None
    messages, _ = run(ActionCalcCancel(), tracker("batal", intent="cancel", loop=None))
    assert "Tidak ada hitungan" in messages[0]["text"]


def test_obligation_check_flow() -> None:
    from actions.guides import ActionObligation

    messages, _ = run(ActionObligation(), tracker("/check_obligation", intent="check_obligation", loop=None))
    assert "Belum tahu" in [b["title"] for b in messages[0]["buttons"]]
    unknown = {"entities": [{"entity": "size", "value": "unknown"}]}
    messages, _ = run(ActionObligation(), tracker("x", intent="check_obligation", loop=None, parse=unknown))
    assert "Rp2.000.000.000" in messages[0]["text"]  # PP 7/2021 turnover ceiling for micro
    micro = {"entities": [{"entity": "size", "value": "mikro"}]}
    messages, _ = run(ActionObligation(), tracker("x", intent="check_obligation", loop=None, parse=micro))
    text = messages[0]["text"]
    assert "JKK dan JKM" in text and "Rp16.800" in text and "JKP" in text
    assert messages[0]["buttons"][0]["payload"] == '/calc_iuran{"size":"mikro"}'


def test_calculator_started_from_obligation_check_knows_the_size() -> None:
    parse = {"entities": [{"entity": "size", "value": "kecil"}]}
    _, slots = run(ActionCalcStart(), tracker('/calc_iuran{"size":"kecil"}', parse=parse))
    assert slots["calc_target"] == "pu" and slots["calc_size"] == "kecil"


def test_registration_guide_flow_never_asks_for_identity() -> None:
    from actions.guides import ActionRegistrationGuide

    messages, _ = run(ActionRegistrationGuide(), tracker("/registration_guide", intent="registration_guide", loop=None))
    assert len(messages[0]["buttons"]) == 2
    who = {"entities": [{"entity": "who", "value": "bpu"}]}
    messages, _ = run(ActionRegistrationGuide(), tracker("x", intent="registration_guide", loop=None, parse=who))
    assert "Aplikasi JMO" in [b["title"] for b in messages[0]["buttons"]]
    both = {"entities": [{"entity": "who", "value": "bpu"}, {"entity": "channel", "value": "jmo"}]}
    messages, _ = run(ActionRegistrationGuide(), tracker("x", intent="registration_guide", loop=None, parse=both))
    text = messages[0]["text"]
    assert "JMO" in text and "Rp16.800" in text and "jangan di obrolan ini" in text
    link = next(b for b in messages[0]["buttons"] if b["payload"].startswith("/open_link"))
    assert link["payload"] == '/open_link{"link":"situs_resmi"}'


def test_link_button_replies_with_the_official_link() -> None:
    from actions.guides import ActionOpenLink

    chosen = {"entities": [{"entity": "link", "value": "situs_resmi"}]}
    messages, _ = run(ActionOpenLink(), tracker("x", intent="open_link", loop=None, parse=chosen))
    assert 'href="https://www.bpjsketenagakerjaan.go.id"' in messages[0]["text"]
    assert messages[0]["buttons"][0]["payload"] == "https://www.bpjsketenagakerjaan.go.id"
    forged = {"entities": [{"entity": "link", "value": "phishing"}]}
    messages, _ = run(ActionOpenLink(), tracker("x", intent="open_link", loop=None, parse=forged))
    assert messages[0] == {**messages[0], "response": "utter_help"}


def test_unreadable_head_count_while_it_is_being_asked() -> None:
    # Rasa has already put the raw text into the slot being asked; it must not be trusted as a number.
    messages, result = validate(
        "calc_workers", "banyak deh", {"calc_target": "pu", "calc_workers": "banyak deh"}, intent="deny"
    )
    assert result["calc_workers"] is None and messages


def test_the_asked_answer_is_found_in_a_longer_sentence() -> None:
    text = "Gaji karyawan saya 3,5 juta, 4 orang, berapa iurannya sebulan?"
    _, result = validate("calc_workers", text, {"calc_target": "pu", "calc_workers": text}, intent="calc_iuran")
    assert result["calc_workers"] == 4.0 and result["calc_wages"] == [3_500_000] * 4


def test_pressing_calculate_again_mid_way_starts_over() -> None:
    _, result = validate("calc_risk", "/calc_iuran", {"calc_target": "pu", "calc_workers": 2.0})
    assert result["calc_target"] is None and result["calc_workers"] is None


def test_named_business_gets_a_suggested_risk_group_with_its_source() -> None:
    messages, result = validate("calc_risk", "usaha saya laundry kiloan", {"calc_target": "pu"}, intent="faq")
    assert result == {"calc_risk": None}, "a suggestion is not a choice: the owner confirms it"
    text = messages[0]["text"]
    assert "Rendah" in text and "0,54%" in text and "Perusahaan binatu, laundry" in text and "PP 44/2015" in text
    first = messages[0]["buttons"][0]
    assert first["title"] == "Rendah (disarankan)" and first["payload"] == "Rendah"
    # Pressing the suggested button answers the question.
    _, chosen = validate("calc_risk", first["payload"], {"calc_target": "pu"})
    assert chosen["calc_risk"] == "low"


def test_business_in_two_groups_is_asked_not_guessed() -> None:
    messages, result = validate("calc_risk", "sy punya bengkel motor", {"calc_target": "pu"})
    assert result == {"calc_risk": None}
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert "dua kelompok" in messages[0]["text"] and titles[-1] == "Belum tahu"
    follow_up, _ = validate("calc_risk", titles[1], {"calc_target": "pu"})
    assert "Tinggi" in follow_up[0]["text"] and "1,27%" in follow_up[0]["text"]


def test_short_answer_classified_as_a_greeting_is_still_the_answer() -> None:
    form = ValidateCalcForm()
    slots = {"calc_target": "pu", "calc_workers": 4.0, "requested_slot": "calc_size"}
    dispatcher = CollectingDispatcher()
    t = tracker("Kecil", slots, intent="greet")
    assert asyncio.run(form.extract_calc_size(dispatcher, t, DOMAIN)) == {"calc_size": "Kecil"}
    # A real greeting, or the /start payload, still leaves the form (nothing extracted).
    assert asyncio.run(form.extract_calc_size(dispatcher, tracker("halo kak", slots, intent="greet"), DOMAIN)) == {}
    assert asyncio.run(form.extract_calc_size(dispatcher, tracker("/greet", slots, intent="greet"), DOMAIN)) == {}
    # Only the question being asked is rescued.
    assert asyncio.run(form.extract_calc_risk(dispatcher, t, DOMAIN)) == {}


def test_question_is_not_repeated_after_a_suggestion_with_answer_buttons() -> None:
    suggestion = {
        "event": "bot",
        "text": "Untuk usaha laundry...",
        "data": {"buttons": [{"title": "Rendah (disarankan)", "payload": "Rendah"}]},
    }
    faq = {
        "event": "bot",
        "text": "Iuran JKM...",
        "data": {"buttons": [{"title": "JKM", "payload": '/choose_topic{"topic":"jkm_apa"}'}]},
    }
    user = {"event": "user", "text": "laundry"}
    for events, asked in (([user, suggestion], False), ([user, faq], True), ([suggestion, user], True)):
        t = Tracker("calc-1", {"calc_target": "pu"}, {"text": "x"}, events, False, None, {"name": "calc_form"}, "x")
        dispatcher = CollectingDispatcher()
        asyncio.run(ASK_ACTIONS["calc_risk"]().run(dispatcher, t, DOMAIN))
        assert bool(dispatcher.messages) is asked


def test_owner_result_names_the_bracket_it_used() -> None:
    # Lampiran II PP 44/2015: Rp1.500.000 falls in the bracket based at Rp1.600.000 -> JKK 16.000, JHT 32.000
    slots = {"calc_target": "bpu", "calc_income": 1_500_000.0, "calc_jht": True, "calc_sector": "other"}
    messages, _ = run(ActionCalcResult(), tracker("Lainnya", slots, loop=None))
    text = messages[0]["text"]
    assert "Rp1.500.000 sebulan, masuk tingkat Rp1.500.000 - Rp1.699.999" in text
    assert "dasar iuran Rp1.600.000" in text and "Lampiran II PP 44/2015" in text
    assert "JKK: Rp8.000 (tanpa diskon Rp16.000)" in text and "JHT: Rp32.000" in text
    assert "Total sebulan: Rp43.400" in text  # 8.000 + 3.400 + 32.000 (Nov 2026, PP 50/2025 discount)
