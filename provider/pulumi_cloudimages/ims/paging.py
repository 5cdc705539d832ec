"""Marker paging over one query: what to ask next, and when to stop. Shared by both clients."""

from __future__ import annotations

from ..errors import InvalidQueryError, InvalidResponseError, shown
from .image import Image, ImagePage
from .query import ImageQuery

DEFAULT_PAGE_SIZE = 500  # the service's documented default, sent explicitly so a short page means "the end"


class Pager:
    """Follows `marker` paging (or `page_info.next_marker` when the service gives one) to the end.

    `max_results` caps the total, and the last request asks only for what is still wanted.
    A marker seen twice raises instead of looping.
    """

    def __init__(self, query: ImageQuery, max_results: int | None = None) -> None:
        whole = isinstance(max_results, int) and not isinstance(max_results, bool)
        if max_results is not None and not (whole and max_results >= 1):
            raise InvalidQueryError(f"max_results={shown(max_results)}: expected a whole number of 1 or more")
        self.query = query
        self.page_size = query.limit or DEFAULT_PAGE_SIZE
        self.remaining = max_results
        self.marker = query.marker
        self.done = False
        self._asked = self.page_size
        self._seen: set[str] = set()

    def next_query(self) -> ImageQuery:
        self._asked = self.page_size if self.remaining is None else min(self.page_size, self.remaining)
        return self.query.model_copy(update={"limit": self._asked, "marker": self.marker})

    def accept(self, page: ImagePage) -> list[Image]:
        """The images of `page` to hand out; decides the next marker or the end."""
        images = page.images if self.remaining is None else page.images[: self.remaining]
        if self.remaining is not None:
            self.remaining -= len(images)
        next_marker = page.page_info.next_marker if page.page_info else None
        if next_marker is None and len(page.images) >= self._asked:
            next_marker = page.images[-1].id
            if next_marker is None:
                raise InvalidResponseError("the last image of a full page has no id, so paging cannot go on")
        if not page.images or next_marker is None or self.remaining == 0:
            self.done = True
            return images
        if next_marker in self._seen:
            raise InvalidResponseError(
                f"the service returned the paging marker {next_marker!r} twice; stopping instead of looping"
            )
        self._seen.add(next_marker)
        self.marker = next_marker
        return images
