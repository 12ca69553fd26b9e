"""Figures, written as PNG and PDF."""
