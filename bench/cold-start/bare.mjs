// The baseline: a `node` that loads the same preload and nothing else.
