"""The pin: the one core of `PinnedImage` that both its adapters serve (the Python dynamic resource in
`program/`, the provider plugin's resource in `plugin/`). `state.py` holds the facts of a pin's state without the
Pulumi SDK; `pinning.py` adds Pulumi's unknowns and errors over the core."""
