"""Neural networks, built by name through `jettransfer.models.registry`."""
