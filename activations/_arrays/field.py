"""``ReceptiveField``: the input patch one map cell sees, and the box of a given cell.

:func:`activations.receptive_field` computes it from a model's layers.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from activations._arrays.checks import check_int
from activations._arrays.display import html_result
from activations._arrays.region import Box

__all__ = ["ReceptiveField"]


@dataclass(frozen=True)
class ReceptiveField:
    """The input patch each cell of a layer's map sees (2-D maps, or 1-D).

    Cell ``(row, col)`` sees rows ``offset[0] + row * stride[0]`` up to (not
    including) that plus ``size[0]``, and columns alike: the bounding box of what
    it reads (a dilated kernel leaves holes; merged branches give the box holding
    theirs). Where the model pads, the box reaches past the image. For a 1-D
    model (input ``(L, C)``) the column axis is trivial (1, 1, 0).

    Attributes
    ----------
    size : tuple of int
        (rows, cols) of the patch.
    stride : tuple of int
        Input pixels between neighbouring cells, per axis.
    offset : tuple of int
        Input (row, col) of the first pixel of cell (0, 0)'s patch; < 0 where padded.
    """

    size: tuple[int, int]
    stride: tuple[int, int]
    offset: tuple[int, int]

    def _repr_html_(self) -> str:
        rows = [[name, *getattr(self, name)] for name in ("size", "stride", "offset")]
        facts = [f"each map cell sees a patch of {self.size[0]}x{self.size[1]} input pixels"]
        return html_result("ReceptiveField", facts, ["", "rows", "cols"], rows)

    def patch(self, row: int, col: int, image_shape: tuple[int, int] | None = None) -> Box:
        """The input patch of cell ``(row, col)``, as the library's one :class:`Box`.

        Parameters
        ----------
        row, col : int
            A cell of the map of shape (h, w, c), from 0.
        image_shape : tuple of int, optional
            (H, W) of the image: the box is clipped to it (empty for a cell past it).

        Returns
        -------
        Box
            ``y0 = offset[0] + row * stride[0]``, ``y1 = y0 + size[0]``; ``x`` alike
            along columns; ends excluded, so ``image[y0:y1, x0:x1]`` is the patch.

        Examples
        --------
        >>> field = ReceptiveField(size=(3, 3), stride=(2, 2), offset=(-1, -1))
        >>> field.patch(0, 0)
        Box(x0=-1, y0=-1, x1=2, y1=2)
        >>> field.patch(1, 2, image_shape=(4, 4))
        Box(x0=3, y0=1, x1=4, y1=4)
        """
        r0 = self.offset[0] + check_int(row, "row", 0) * self.stride[0]
        c0 = self.offset[1] + check_int(col, "col", 0) * self.stride[1]
        box = (r0, r0 + self.size[0], c0, c0 + self.size[1])
        if image_shape is not None:
            if not isinstance(image_shape, (tuple, list)) or len(image_shape) != 2:
                raise TypeError(
                    f"Expected `image_shape` (H, W). Received: image_shape={image_shape}"
                )
            h, w = (check_int(n, "image_shape", 1) for n in image_shape)
            r0, r1, c0, c1 = (min(max(x, 0), n) for x, n in zip(box, (h, h, w, w)))
            box = (r0, r1, c0, c1)
        return Box.from_rows_cols(*box)

    def box(
        self, row: int, col: int, image_shape: tuple[int, int] | None = None
    ) -> tuple[int, int, int, int]:
        """Deprecated: :meth:`patch`, as ``(r0, r1, c0, c1)`` (boxes are x0, y0, x1, y1)."""
        warnings.warn(
            "ReceptiveField.box(row, col) is deprecated: use .patch(row, col), which returns "
            "the library's one Box (x0, y0, x1, y1)",
            DeprecationWarning,
            stacklevel=2,
        )
        x0, y0, x1, y1 = self.patch(row, col, image_shape)
        return y0, y1, x0, x1
