"""`python -m pulumi_cloudimages.cli`: the `cloudimages` command."""

from .app import main

main()
