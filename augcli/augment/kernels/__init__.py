"""Pure numpy kernels: geometry (matrices, warp, fill modes) and noise. No randomness, no I/O."""
