"""The latest public (gold) Ubuntu 22.04 image for an x86 KVM server, exported with its name and OS version."""

import pulumi

from pulumi_cloudimages import get_images

ubuntu = get_images(
    imagetype="gold",
    platform="Ubuntu",
    support_kvm=True,
    architecture="x86",
    name_regex=r"^Ubuntu 22\.04 ",
    most_recent=True,  # newest by creation time; ties broken by name, then ID
)

# An ECS instance would take it as: huaweicloud.compute.Instance("web", image_id=ubuntu.id, ...)
pulumi.export("image_id", ubuntu.id)
pulumi.export("image_name", ubuntu.image.name if ubuntu.image else None)
pulumi.export("os_version", ubuntu.image.os_version if ubuntu.image else None)
