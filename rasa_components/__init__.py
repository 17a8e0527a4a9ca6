"""Components that run inside the Rasa server: input channel and NLU normalisation.

They import only Rasa, the standard library and the dependency-free modules of assistant_core
(masking, normalise), so they install into the Rasa environment without pulling our other deps.
"""

from rasa_components import speedups  # noqa: F401  (patches Rasa on import; see its docstring)
