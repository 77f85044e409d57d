"""Typed hard-negative captions: edits of a caption's scene graph, realised in its own words,
and the typed diff that verifies them."""
