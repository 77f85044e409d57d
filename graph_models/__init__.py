"""Graph matchers in PyTorch Geometric and everything that trains or scores them.

Encoders, cross-modal fusion, matchers, losses, retrieval metrics and the dataset adapter
that turns artifact rows into PyG batches live here (see ``DESIGN.md``).
"""
