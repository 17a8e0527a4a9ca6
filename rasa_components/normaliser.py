"""Rasa NLU component that rewrites slang and abbreviations before tokenisation."""

import logging
from pathlib import Path
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from assistant_core.normalise import lexicon_fingerprint, load_lexicon, normalise

log = logging.getLogger(__name__)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SlangNormaliser(GraphComponent):
    """Maps informal tokens ("brp", "gk", "jamsostek") to their normal form.

    It runs on training examples and live messages alike, so both sides of the model see the
    same vocabulary. The lexicon is read when the model is loaded; a changed lexicon changes
    the fingerprint, so Rasa retrains instead of reusing cached output.
    """

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"lexicon": "content/lexicon.yml"}

    def __init__(self, lexicon: Dict[str, str]) -> None:
        self._lexicon = lexicon

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SlangNormaliser":
        path = Path(config["lexicon"])
        lexicon = load_lexicon(path)
        log.info("Loaded %d slang mappings from %s", len(lexicon), path)
        return cls(lexicon)

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> str | None:
        path = Path(config.get("lexicon", cls.get_default_config()["lexicon"]))
        return lexicon_fingerprint(path) if path.exists() else None

    def _apply(self, message: Message) -> None:
        text = message.get(TEXT)
        # Annotated entities carry character offsets that rewriting would break.
        if not text or message.get(ENTITIES):
            return
        message.set(TEXT, normalise(text, self._lexicon))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self._apply(message)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._apply(message)
        return messages
