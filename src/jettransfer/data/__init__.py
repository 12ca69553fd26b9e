"""File formats (one module per format) and the loaders that batch them for training."""
