"""CNN pooling: window geometry, kernels and their registry, options, file handling."""
