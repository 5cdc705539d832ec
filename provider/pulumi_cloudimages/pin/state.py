"""What a PinnedImage's state holds, in every door's and reader's words: the type token, the keepers and the
outputs create, update, refresh and import write. Plain facts without the Pulumi SDK, so that a reader of state
files (`outdated/`) can tell a pin from another resource without loading it."""

from ..naming import PACKAGE

PINNED_IMAGE = f"{PACKAGE}:index:PinnedImage"  # the resource's type token in the schema and the plugin
KEEPERS = "keepers"
KEEPERS_DESCRIPTION = "A map of strings whose change resolves the image again (moves the pin)."
# What create, update, refresh and import write besides the inputs, and what each means (the schema's words).
OUTPUTS: dict[str, str] = {
    "image_id": "The pinned image.",
    "image": "The pinned image's attributes, by the keys of getImages' image; secret when an input was.",
    "latest_id": "The newest match at the last create, update or refresh (the guards respected).",
    "upgrade_available": "Whether latest_id is a later build than image_id (an older one never is an upgrade).",
    "pinned_exists": "Whether the pinned image was still visible at the last create, update or refresh.",
    "pinned_at": "When the pin was last resolved (UTC).",
    "revoked": "Why the pinned image is now on the revocation list (exclude_ids, exclude_file) as of the last "
    "refresh, or null: the pin stays, change a keeper to move it.",
    "chosen_in": "Where the image was chosen: the region, and a fingerprint of the project and endpoint (never "
    "the settings themselves). A pin chosen elsewhere than the provider's config now points is chosen again.",
}
# Outputs that every version has written and that together tell a PinnedImage's state from another resource's.
STATE_MARKERS = ("image_id", "pinned_at", "upgrade_available")
