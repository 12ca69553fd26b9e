"""Figures, written as PNG and PDF, in the config's plot style (see style.py)."""
