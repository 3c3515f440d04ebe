"""Great Expectations suites of the export contract, defined in code: one module per
source, one suite per export file (see rules.py for the severity model and rule kinds).

`SUITES` maps each export file path to its suite. Importing this package does not import
Great Expectations (it is slow to import); `expectations.gx` builds the GX objects.
"""

from . import crm, email, payments, reference, support
from .rules import GxExpectation, Outcome, Rule, SetRule, SetRuleKind, Severity, Suite

SUITES: dict[str, Suite] = {
    s.path: s for module in (crm, email, payments, support, reference) for s in module.SUITES
}

__all__ = [
    "SUITES",
    "GxExpectation",
    "Outcome",
    "Rule",
    "SetRule",
    "SetRuleKind",
    "Severity",
    "Suite",
]
