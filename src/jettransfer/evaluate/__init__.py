"""Scores on held-out jets, ROC metrics and result tables."""
