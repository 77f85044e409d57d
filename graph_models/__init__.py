"""Graph matchers in PyTorch Geometric and everything that trains or scores them.

Layers, bottom up (this package depends on ``pipeline`` only, never on ``stages``):

- data: :mod:`~graph_models.text_graphs` (captions as typed PyG graphs, the word index, a
  columnar caption store), :mod:`~graph_models.regions` (images as region graphs, the region
  store read by row group), :mod:`~graph_models.batching` (a PyG ``Batch`` from columns),
  :mod:`~graph_models.inputs` (what training and evaluation read from the artifacts);
- models: :mod:`~graph_models.encoders` and :mod:`~graph_models.matchers` (one matcher a file,
  registered by name);
- training: :mod:`~graph_models.losses` (one loss term a file, registered by name, each loss a
  plain function beside its term), :mod:`~graph_models.objective`,
  :mod:`~graph_models.batches` (epoch plans and the loader), :mod:`~graph_models.config`,
  :mod:`~graph_models.checkpoint`, :mod:`~graph_models.engine` (the loop);
- scoring: :mod:`~graph_models.evaluation` (chunked exact scores, the shortlist) and
  :mod:`~graph_models.metrics` (the retrieval protocol, compositional accuracy).

Every module with weights has ``reset_parameters()``, which draws them again as its
constructor did; constructors leave each torch layer to draw its own, so a seed gives the same
weights as it always has.
"""
