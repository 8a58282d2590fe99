"""pointexit: where, when and how much to exchange point-site points."""

__version__ = "0.1.0"
