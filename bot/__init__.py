"""Read path: retrieve units, compose cited answers, serve them on a channel."""
