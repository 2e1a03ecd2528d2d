"""angui (安规助手): cited answers to Chinese work-safety regulatory questions."""

__version__ = "0.1.0"
