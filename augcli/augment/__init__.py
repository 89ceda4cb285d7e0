"""Image augmentation: pipeline files, ops, kernels, the plan of a run, runner, manifest."""
