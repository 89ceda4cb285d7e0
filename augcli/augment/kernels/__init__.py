"""Pure numpy kernels: affine maps, the warp (fill modes, resampling), noise, channels; no I/O."""
