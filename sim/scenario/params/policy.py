"""Who does what first in a village."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.scenario.params.base import Strict

Activity = Literal["urgent", "admin_due", "routine", "admin"]


class PolicyParams(Strict):
    priority: list[Activity] = Field(
        ["urgent", "admin_due", "routine", "admin"],
        description="Order in which a free worker picks work; visits fill what is left. "
        "admin_due = admin tasks within due_soon_hours of their deadline.",
    )

    @model_validator(mode="after")
    def _permutation(self) -> PolicyParams:
        if sorted(self.priority) != sorted(["urgent", "admin_due", "routine", "admin"]):
            raise ValueError("priority must list urgent, admin_due, routine and admin once each")
        return self
