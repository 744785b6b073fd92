"""Coding: units of analysis, rules, structure, learning from coding, re-anchoring."""

from ..core.units import UNITS, code_units, merge_spans, segment, units

__all__ = ["UNITS", "code_units", "merge_spans", "segment", "units"]
