"""Routes split by noun; each module serves a noun's pages and its JSON twins."""
