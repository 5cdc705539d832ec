"""The latest public (gold) Ubuntu 22.04 image for an x86 KVM server, pinned in the stack's state.

A newer image never replaces the server by surprise: `pulumi refresh` shows `upgrade_available`, and
moving on is a config change, `pulumi config set imageRollout 2026-q1` (a keeper), then `pulumi up`.
"""

import pulumi

from pulumi_cloudimages import PinnedImage

ubuntu = PinnedImage(
    "ubuntu-22.04",
    imagetype="gold",
    platform="Ubuntu",
    support_kvm=True,
    architecture="x86",
    name_regex=r"^Ubuntu 22\.04 ",
    most_recent=True,  # newest by creation time when the pin is (re)made
    keepers={"rollout": pulumi.Config().get("imageRollout") or "initial"},
)

# An ECS instance would take it as: huaweicloud.compute.Instance("web", image_id=ubuntu.image_id, ...)
pulumi.export("image_id", ubuntu.image_id)
pulumi.export("image_name", ubuntu.image.apply(lambda image: image["name"]))
pulumi.export("upgrade_available", ubuntu.upgrade_available)
