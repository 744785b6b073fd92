"""What every layer needs: errors, the model and codings schema, code paths, speaker turns,
units of analysis, and the scoring primitives shared by coding and analysis.

Nothing in ``core`` imports another part of the package.
"""
