"""Augment runs whose DST is an object store URL: plan, worker, manifest parts, runner."""
