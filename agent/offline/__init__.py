"""The ``offline`` model: a deterministic planner implemented as a LangChain chat model.

``OfflinePlanner(catalog=lambda: state)`` classifies intents with scikit-learn (trained on
``utterances.yaml``), fills tool arguments from the message and the live platform catalog, asks when a
required value is missing or unclear, follows up on earlier turns and summarises tool results.
"""

from agent.offline.model import OfflinePlanner

__all__ = ["OfflinePlanner"]
