"""The channel-neutral read path: retrieve → gate → compose a typed, cited answer → evaluate."""
