"""What every action of ours shares: its name comes from the contract, written once."""

from __future__ import annotations

import abc

from rasa_sdk import Action


class ContractAction(Action, abc.ABC):
    """An action named by `contract_name` (a constant of assistant_core.contract).

    Abstract, so rasa-sdk (which registers every concrete Action subclass it imports) skips it.
    """

    @property
    @abc.abstractmethod
    def contract_name(self) -> str: ...

    def name(self) -> str:
        return self.contract_name
