"""Suite of the reference data (reference/fx_rates.csv)."""

from orchestration.lib.contract import BY_PATH

from .rules import POSITIVE_DECIMAL, date, decimal, matches, required, suite

_SPEC = BY_PATH["reference/fx_rates.csv"]

FX_RATES = suite(
    _SPEC.path,
    _SPEC.columns,
    _SPEC.key,
    [
        date("date"),
        required("rate"),
        decimal("rate"),
        matches("rate", POSITIVE_DECIMAL, "not_positive", "{column} is not a number > 0"),
    ],
)

SUITES = (FX_RATES,)
