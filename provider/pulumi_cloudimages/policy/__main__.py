"""The pack's program, as the Python language host runs it (`python -m pulumi.policy <engine> <this folder>`)."""

from pulumi_cloudimages.policy.pack import main

main()
