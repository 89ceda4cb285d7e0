"""Loss evaluation: kernels and registry, the streaming CSV reader, evaluation, reports."""
