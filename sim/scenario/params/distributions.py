"""Random durations: one schema model per family, told apart by ``kind``.

Why a discriminated union: with one flat model every family accepted every parameter, so
``{kind: uniform, mean: 3}`` validated and sampled 0 h (low and high defaulted to 0). Now each
family takes exactly its own parameters and a stray one is an error naming the family.
A mapping without ``kind`` is a lognormal (the common case in the scenario files).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Discriminator, Field, Tag, model_validator

from sim.scenario.params.base import NonNegative, Strict

DEFAULT_KIND = "lognormal"


class Lognormal(Strict):
    """Lognormal given by its mean and coefficient of variation (cv 0 is a fixed value)."""

    kind: Literal["lognormal"] = Field("lognormal", description="Family: lognormal (mean, cv).")
    mean: NonNegative = Field(description="Mean (hours unless the field name says otherwise).")
    cv: NonNegative = Field(0.5, description="Coefficient of variation.")


class Exponential(Strict):
    """Exponential given by its mean (memoryless: the queueing-theory reference case)."""

    kind: Literal["exponential"] = Field(description="Family: exponential (mean).")
    mean: NonNegative = Field(description="Mean (hours unless the field name says otherwise).")


class Fixed(Strict):
    """Always the same value."""

    kind: Literal["fixed"] = Field(description="Family: fixed (mean is the value).")
    mean: NonNegative = Field(description="The value (hours unless the field name says otherwise).")


class Uniform(Strict):
    """Uniform between low and high."""

    kind: Literal["uniform"] = Field(description="Family: uniform (low, high).")
    low: NonNegative = Field(description="Lower bound.")
    high: NonNegative = Field(description="Upper bound (at least low).")

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"uniform needs high >= low (low {self.low:g}, high {self.high:g})")
        return self


class Empirical(Strict):
    """Draws with replacement from observed values."""

    kind: Literal["empirical"] = Field(description="Family: empirical (values).")
    values: list[NonNegative] = Field(min_length=1, description="Sample to draw from with replacement.")


FAMILIES = ("lognormal", "exponential", "fixed", "uniform", "empirical")


def kind_of(value: Any) -> str:
    """The tag of a mapping or model; a mapping without ``kind`` is a lognormal."""
    if isinstance(value, dict):
        kind = value.get("kind", DEFAULT_KIND)
        return kind if kind in FAMILIES else str(kind)
    return getattr(value, "kind", DEFAULT_KIND)


Distribution = Annotated[
    Union[  # noqa: UP007 - Tag needs the Annotated members spelled out
        Annotated[Lognormal, Tag("lognormal")],
        Annotated[Exponential, Tag("exponential")],
        Annotated[Fixed, Tag("fixed")],
        Annotated[Uniform, Tag("uniform")],
        Annotated[Empirical, Tag("empirical")],
    ],
    Discriminator(
        kind_of,
        custom_error_type="distribution_kind",
        custom_error_message="kind must be one of: " + ", ".join(FAMILIES),
    ),
]
AnyDistribution = Lognormal | Exponential | Fixed | Uniform | Empirical


def lognormal(mean: float, cv: float) -> Lognormal:
    """Shorthand for the schema defaults."""
    return Lognormal(mean=mean, cv=cv)
