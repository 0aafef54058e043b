"""Infrastructure for the pages every reader without a session shares: one snapshot per
rendering, splicing and compression, the store. Imports nothing from the domain apps."""
