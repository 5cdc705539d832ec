"""The Pulumi policy pack door: the rule book (`cloudimages-policy.yaml`) applied to every resource of a Pulumi
program before it ships, as `pulumi preview --policy-pack` and `pulumi up --policy-pack` run it. This folder is
the pack (`PulumiPolicy.yaml`, `__main__.py`); `pack.py` builds its policies on `outdated/gate.py`, the verdict
the Terraform plan gate gives too. Needs `pulumi-cloudimages[policy]` (pulumi-policy, PyYAML)."""
