"""The write path: load → parse structure → units → embed → store."""
