"""The evaluation report: HTML with embedded figures, PNG/SVG figures, CSV tables, provenance."""

from .build import build_report

__all__ = ["build_report"]
