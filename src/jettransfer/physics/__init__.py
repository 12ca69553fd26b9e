"""Physics: event generation, jet clustering and selection, Lund-plane declustering."""
