"""Our team's newest private web-server image, by tag and name pattern, optionally pinned.

Set `pinnedImageId` in the stack config to keep an image until you choose to move on: a newer
build then shows in `latest_image_id` and `upgrade_available` instead of replacing servers.
"""

import pulumi

from pulumi_cloudimages import get_images

config = pulumi.Config()
web = get_images(
    imagetype="private",
    status="active",
    tag="role=web",
    name_regex=r"^web-server-\d{4}-\d{2}-\d{2}$",
    most_recent=True,
    pinned_id=config.get("pinnedImageId"),
)

pulumi.export("image_id", web.id)
pulumi.export("image_name", web.image.name if web.image else None)
pulumi.export("latest_image_id", web.latest_id)
pulumi.export("upgrade_available", web.id != web.latest_id)
