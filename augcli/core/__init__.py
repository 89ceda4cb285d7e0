"""The shared core: errors, the file gate, atomic writes, paths, seeding, progress, suggestions."""
