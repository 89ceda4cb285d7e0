"""Executors: what runs a plan's tasks (the local process pool, or a Dask cluster).

:mod:`.job` holds the :class:`~.job.Job` they run and the :class:`~.job.Executor` protocol;
:mod:`.registry` finds them by ``--executor`` name, each declared by its module's ``SPEC``
(:mod:`.spec`): :mod:`.local` (:mod:`.processes`, the process pool) and :mod:`.dask`, which runs
batches through :mod:`.batching` (batch sizes, retries after worker deaths, stopping).
"""
