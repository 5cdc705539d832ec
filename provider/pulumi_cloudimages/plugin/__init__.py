"""The provider plugin door, `pulumi-resource-cloudimages`, for every other Pulumi language: the gRPC server
(`server.py`), its `PinnedImage` resource, what the engine sends read and masked (`engine.py`), the protobuf
values written directly (`structs.py`), and `schema.py`, which derives `schema.json` (and `_args.py`,
`docs/filters.md`) from the models."""
