"""The Pulumi program door, in the program's own process: `get_images` / `get_images_output`, the dynamic
`PinnedImage`, their generated keyword arguments (`_args.py`) and the stack's `cloudimages:` config."""
