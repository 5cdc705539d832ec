"""Kept for stacks already deployed: a dynamic `PinnedImage` stores its provider in the state (`__provider`,
pickled by dill by reference to this module path, as versions before the `program/` folder wrote it), and
`python -m pulumi.dynamic` imports it from here to preview, refresh, update or destroy such a stack."""

from .program.pinned import PinnedImage, PinnedImageProvider

__all__ = ["PinnedImage", "PinnedImageProvider"]
