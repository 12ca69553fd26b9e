"""jettransfer: jet-tagging studies from Pythia events to the papers' tables and figures."""

__version__ = "0.1.0"
