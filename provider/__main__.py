"""The provider plugin, run from this folder as the Pulumi engine runs a source plugin (see PulumiPlugin.yaml)."""

from pulumi_cloudimages.plugin.server import main

main()
