"""Image augmentation: pipeline files, ops, kernels, the plan (task list), runner, writer."""
