"""One augment run: plan, dispatch, worker side, walking SRC, naming, output formats, writing."""
