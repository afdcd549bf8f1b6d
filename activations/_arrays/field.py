"""``ReceptiveField``: the input patch one map cell sees, and the box of a given cell.

:func:`activations.receptive_field` computes it from a model's layers.
"""

from __future__ import annotations

from dataclasses import dataclass

from activations._arrays.checks import check_int

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

    def box(
        self, row: int, col: int, image_shape: tuple[int, int] | None = None
    ) -> tuple[int, int, int, int]:
        """The patch ``[r0, r1) x [c0, c1)`` of cell ``(row, col)`` as ``(r0, r1, c0, c1)``.

        Parameters
        ----------
        row, col : int
            A cell of the map of shape (h, w, c), from 0.
        image_shape : tuple of int, optional
            (H, W) of the image: the box is clipped to it (empty for a cell past it).

        Returns
        -------
        tuple of int
            ``r0 = offset[0] + row * stride[0]``, ``r1 = r0 + size[0]``; columns alike.

        Examples
        --------
        >>> field = ReceptiveField(size=(3, 3), stride=(2, 2), offset=(-1, -1))
        >>> field.box(0, 0), field.box(1, 2, image_shape=(4, 4))
        ((-1, 2, -1, 2), (1, 4, 3, 4))
        """
        r0 = self.offset[0] + check_int(row, "row", 0) * self.stride[0]
        c0 = self.offset[1] + check_int(col, "col", 0) * self.stride[1]
        box = (r0, r0 + self.size[0], c0, c0 + self.size[1])
        if image_shape is None:
            return box
        if not isinstance(image_shape, (tuple, list)) or len(image_shape) != 2:
            raise TypeError(f"Expected `image_shape` (H, W). Received: image_shape={image_shape}")
        h, w = (check_int(n, "image_shape", 1) for n in image_shape)
        r0, r1, c0, c1 = (min(max(x, 0), n) for x, n in zip(box, (h, h, w, w)))
        return r0, r1, c0, c1
