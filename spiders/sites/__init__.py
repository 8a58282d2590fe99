"""One module per site; each holds only what differs from spiders.base."""
