"""The latest gold image of every platform, from one listing, as stack outputs."""

import pulumi

from pulumi_cloudimages import get_images_output

latest = get_images_output(imagetype="gold", status="active", group_by="platform")

pulumi.export(
    "latest_by_platform",
    latest.groups.apply(lambda groups: {platform: {"id": i.id, "name": i.name} for platform, i in groups.items()}),
)
