"""Test your own Pulumi program offline: `ProgramStack` runs it under Pulumi's mocks against the emulator, as a
stack that keeps its state between `up`, `preview`, `refresh` and `destroy`; `run_program` is the one-shot form.

```python
from pulumi_cloudimages.testing import ProgramStack, run_program

def program():                      # what your __main__.py does
    ubuntu = PinnedImage("ubuntu", imagetype="gold", platform="Ubuntu", most_recent=True)
    pulumi.export("image_id", ubuntu.image_id)

def test_my_program():
    with ProgramStack(program, config={"cloudimages:projectId": "0a1b..."}) as stack:
        first = stack.up()["image_id"]
        stack.emulator.replace_catalog(newer_catalog)
        assert stack.up()["image_id"] == first              # the pin holds
        stack.refresh()
        assert stack.resources["ubuntu"]["upgrade_available"]
```

The program's lookups reach a real emulator over HTTP (started for the stack unless one is given), with
`cloudimages:endpoint` pointing at it. Every other resource is recorded by the mocks, as the engine would
register it. A dynamic resource such as `PinnedImage` goes through its own provider as the engine drives it:
configured with the stack's config, secret wrappers stripped (the dynamic provider does not accept secrets),
Check (a failure fails the preview too), then Diff against the stored state (no change, no call), Create or
Update; `refresh` runs Read, `destroy` Delete. Each operation runs on a thread of its own, with its own event
loop and context, so Pulumi's global state (mocks, config, root stack) of the caller is left as it was.
Pulumi's runtime state is process-wide, so operations of different stacks run one at a time.
"""

from .stack import CheckFailedError, ProgramMocks, ProgramStack, ProgramTimeoutError, install_mocks, run_program

__all__ = ["CheckFailedError", "ProgramMocks", "ProgramStack", "ProgramTimeoutError", "install_mocks", "run_program"]
