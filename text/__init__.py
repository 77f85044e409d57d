"""The text side: captions and what is read from them.

- :mod:`text.formats`: the readers of the field's caption files (Karpathy JSON, SCAN precomp,
  Flickr token files, COCO captions JSON);
- :mod:`text.scene_graph`: caption parsing into text scene graphs (spaCy or stanza, rules, the
  learned parser);
- :mod:`text.phrases`: phrase-level labels (entities, attribute pairs, triples);
- :mod:`text.negatives`: typed hard-negative captions and the typed diff of two graphs;
- :mod:`text.word_tags`: parts of speech of a graph's own tokens.

It depends on :mod:`pipeline` only.
"""
