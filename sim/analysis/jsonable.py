"""Plain JSON values from numbers, arrays and tables: NaN and inf become null.

Why here: summaries, references and run folders are all strict JSON; the experiment layer
(regression references) and the io layer (run folders) share one conversion.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def jsonable(x: Any) -> Any:
    """NaN and inf become null so every file is strict JSON."""
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [jsonable(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x
