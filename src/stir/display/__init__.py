"""What a Jupyter notebook shows for stir's objects: HTML and inline SVG, no JavaScript.

`Module._repr_html_`, `Tensor._repr_html_` and `History._repr_html_` import their builder
here on first use; the builders take the objects duck-typed and import nothing that imports
them, so the import graph stays one-way. Everything is self-contained (inline styles and
SVG, no external assets), escaped, and in neutral colours that read on light and dark
Jupyter themes.

- svg.py: the shared look (box, fonts, colours), number formatting, colour maps, and the
  SVG pictures: sparkline, heatmap, line-chart panel.
- module_html.py: a module as a collapsible table of its layers, shapes and parameters.
- tensor_html.py: a tensor's shape, dtype, device, autograd state, summary statistics and,
  when small, a sparkline (1-D) or heatmap (2-D) of its values.
- history_html.py: a training history's curves as small multiples with the best epoch
  marked, and its last and best values.
- figures.py: stir.plot figures in a kernel shown exactly once, as the cell's result or
  at the end of the cell.
"""
