"""The run record: manifest, run identity, resume proofs, shards, merge and verify."""
