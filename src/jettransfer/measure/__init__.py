"""What a trained tagger costs to run: parameters, FLOPs per jet, inference latency per jet.

  flops           FLOPs of one forward pass, counted by torch's own FlopCounterMode, per jet,
                  in both conventions (2 FLOPs per multiply-add, and the papers' 1 per MAC)
  latency         median and interquartile range of timed forward passes, per batch and per jet
  example_inputs  batches of a model's input family, from real jets or from synthetic jets of a
                  preset, so every family can be measured without data
  memory          a process's peak resident memory

jettransfer.stages.measure puts them together for a trained run.
"""
