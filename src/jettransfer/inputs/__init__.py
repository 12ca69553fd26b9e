"""Model inputs: one batch type per input family, and the loaders that slice packed files into
batches with their targets.

  graph          GraphBatch (Lund trees, particle clouds for dynamic-graph models)
  particle_set   ParticleSetBatch (padded [B, P, F] features, mask, four-momenta)
  event_graph    EventGraphBatch (reconstructed objects, fully connected, edge and global features)

Every loader yields (batch, targets): `targets` is a dict of tensors sliced by the same index as
the batch, always with "label" and "id" (the jet's or event's stable id).
"""
