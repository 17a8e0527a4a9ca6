"""The FAQ blender (rasa_components/faq_blend.py), trained on a small data set in the Rasa
environment: it learns every label, survives a save and load as plain arrays, moves Rasa's
rankings toward its own belief by its weight, and leaves what it does not know alone."""

from __future__ import annotations

import textwrap

from tests.core.rasa_env import needs_rasa, result, start

SCRIPT = textwrap.dedent(
    """
    import json, tempfile
    from pathlib import Path
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from rasa_components.faq_blend import FaqBlender

    def example(text, intent, key=None):
        data = {"text": text, "intent": intent}
        if key:
            data["intent_response_key"] = key
        return Message(data=data)

    examples = []
    for text in ["iuran jkm berapa", "berapa iuran jaminan kematian", "jkm bayar brp persen", "tarif jkm"]:
        examples.append(example(text, "faq", "faq/iuran_jkm"))
    for text in ["cara daftar bpjs", "daftar bpjs tk gimana", "mendaftar peserta baru", "registrasi bpjs"]:
        examples.append(example(text, "faq", "faq/daftar"))
    for text in ["halo", "hai kak", "selamat pagi", "halo min"]:
        examples.append(example(text, "greet"))
    responses = {"utter_faq/iuran_jkm": [{"text": "x"}], "utter_faq/daftar": [{"text": "y"}]}
    data = TrainingData(examples, responses=responses)

    storage = LocalModelStorage(Path(tempfile.mkdtemp()))
    resource = Resource("blend")
    context = ExecutionContext(GraphSchema({}), "test")

    def rasa_parse(text):
        # Rasa unsure between the two entries, slightly preferring the wrong one.
        return Message(data={
            "text": text,
            "intent": {"name": "faq", "confidence": 0.9},
            "intent_ranking": [{"name": "faq", "confidence": 0.9}, {"name": "greet", "confidence": 0.1}],
            "response_selector": {"all_retrieval_intents": ["faq"], "faq": {
                "response": {"intent_response_key": "faq/daftar", "confidence": 0.55},
                "ranking": [{"intent_response_key": "faq/daftar", "confidence": 0.55},
                            {"intent_response_key": "faq/iuran_jkm", "confidence": 0.45}]}},
        })

    out = {}
    trained = FaqBlender.create({"weight": 0.5}, storage, resource, context)
    trained.train(data)
    loaded = FaqBlender.load({"weight": 0.5}, storage, resource, context)
    out["same_after_load"] = [
        round(trained._probabilities(t)[k], 9) == round(loaded._probabilities(t)[k], 9)
        for t in ["iuran jkm brp", "daftar gmn"] for k in ["faq/iuran_jkm", "faq/daftar", "greet"]
    ]
    out["stored_files"] = sorted(p.name for p in storage._directory_for_resource(resource).iterdir())
    for weight in [0.0, 0.5, 1.0]:
        blender = FaqBlender.load({"weight": weight}, storage, resource, context)
        message = rasa_parse("iuran jkm brp")
        blender.process([message])
        selector = message.get("response_selector")["faq"]
        out[f"w{weight}"] = {
            "intent": message.get("intent")["name"],
            "top": selector["response"]["intent_response_key"],
            "confidence": selector["response"]["confidence"],
            "ranking_sum": sum(r["confidence"] for r in selector["ranking"]),
            "responses": selector["response"]["responses"],
        }
    two = Message(data={"text": "iuran jkm berapa persen? terus cara daftar bpjs tk gimana?"})
    one = Message(data={"text": "iuran jkm berapa persen"})
    FaqBlender.load({}, storage, resource, context).process([two, one])
    out["parts"] = [(p["text"], p["intent"], p["ranking"][0]["key"]) for p in two.get("faq_parts")]
    out["parts_sum"] = [round(sum(r["confidence"] for r in p["ranking"]), 6) for p in two.get("faq_parts")]
    out["one_parts"] = one.get("faq_parts")
    unknown = Message(data={"text": "/choose_topic", "intent": {"name": "choose_topic", "confidence": 1.0}})
    FaqBlender.load({}, storage, resource, context).process([unknown])
    out["unknown_intent"] = unknown.get("intent")["name"]
    untrained = FaqBlender.load({}, LocalModelStorage(Path(tempfile.mkdtemp())), Resource("none"), context)
    passthrough = rasa_parse("iuran jkm brp")
    untrained.process([passthrough])
    out["untrained_top"] = passthrough.get("response_selector")["faq"]["response"]["intent_response_key"]
    print("RESULT " + json.dumps(out))
    """
)


@needs_rasa
def test_blender_learns_saves_and_blends_by_weight() -> None:
    out = result(start(SCRIPT), timeout=300)
    assert all(out["same_after_load"]), out["same_after_load"]
    assert out["stored_files"] == ["arrays.npz", "meta.json"]  # plain data: loading runs no stored code
    # weight 0: Rasa's own ranking stands (renormalised); weight 1: the linear model decides.
    assert out["w0.0"]["top"] == "faq/daftar"
    assert abs(out["w0.0"]["confidence"] - 0.55) < 1e-6
    assert out["w1.0"]["top"] == "faq/iuran_jkm"
    assert out["w0.5"]["top"] == "faq/iuran_jkm"  # the linear model is surer than Rasa's 0.55/0.45
    for weight in ["w0.0", "w0.5", "w1.0"]:
        assert out[weight]["intent"] == "faq"
        assert abs(out[weight]["ranking_sum"] - 1.0) < 1e-6
    assert out["w1.0"]["responses"] == [{"text": "x"}]  # the chosen entry's responses, not the old one's
    assert out["unknown_intent"] == "choose_topic"
    # Each question of a two-question message, scored on its own (issue "Open world" point 4).
    assert out["parts"] == [
        ["iuran jkm berapa persen?", "faq", "iuran_jkm"],
        ["terus cara daftar bpjs tk gimana?", "faq", "daftar"],
    ]
    assert all(0 < total <= 1.0 + 1e-6 for total in out["parts_sum"])
    assert out["one_parts"] is None
    assert out["untrained_top"] == "faq/daftar"
