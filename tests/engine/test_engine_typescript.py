"""A TypeScript program under the real engine: the SDK generated from the schema the installed plugin serves
(what `pulumi package add` would write: gensdk runs the same codegen, since the Node.js host this engine has,
v3.68.0's, cannot generate; .ci/pulumi-engine), `@pulumi/pulumi` from npm, the plugin on PATH; the README's
`getImagesOutput` and `PinnedImage` code type-checks, previews and runs."""

from __future__ import annotations

import json
import textwrap

from engine.conftest import tool
from engine.scenario import Emulator, NewProject, UserVenv, generate_sdk
from pins import NEWER_ID, PINNED, catalog_document

PROGRAM = textwrap.dedent(
    """\
    import * as pulumi from "@pulumi/pulumi";
    import * as cloudimages from "pulumi-cloudimages";

    const ubuntu = cloudimages.getImagesOutput({
        imagetype: "gold", platform: "Ubuntu", supportKvm: true, nameRegex: "^Ubuntu 22\\\\.04 ", mostRecent: true,
    });
    export const lookedUp = ubuntu.id;

    const config = new pulumi.Config();
    const pinned = new cloudimages.PinnedImage("ubuntu", {
        imagetype: "gold", platform: "Ubuntu", supportKvm: true, nameRegex: "^Ubuntu 22\\\\.04 ", mostRecent: true,
        keepers: { rollout: config.get("imageRollout") ?? "initial" },
    });
    export const imageId = pinned.imageId;                   // give this to the servers
    export const latestId = pinned.latestId;                 // the newest match at the last up or refresh
    export const upgradeAvailable = pinned.upgradeAvailable;
    """
)
PACKAGE = {
    "name": "tsprogram",
    "main": "index.ts",
    "dependencies": {"@pulumi/pulumi": "^3.200.0", "pulumi-cloudimages": "file:sdk"},
    "devDependencies": {"@types/node": "^20", "typescript": "^5"},
}


def test_a_typescript_program_with_the_generated_sdk(new_project: NewProject, user_venv: UserVenv,
                                                     ims: Emulator) -> None:  # fmt: skip
    node = tool("npm")
    project = new_project({"Pulumi.yaml": "name: tsprogram\nruntime: nodejs\n", "index.ts": PROGRAM,
                           "package.json": json.dumps(PACKAGE, indent=2)}, path=(user_venv.bin, node))  # fmt: skip
    sdk = generate_sdk(project.engine, user_venv.bin / "pulumi-resource-cloudimages", "nodejs", project.dir / "sdk")
    manifest = json.loads((sdk / "package.json").read_text())
    assert manifest["name"] == "pulumi-cloudimages" and manifest["pulumi"] == {"resource": True, "name": "cloudimages"}
    # `pulumi package add` gives the SDK a version; gensdk leaves codegen's placeholder, which npm refuses.
    manifest["version"] = "0.1.0"
    (sdk / "package.json").write_text(json.dumps(manifest, indent=4))
    project.command("npm", "install", "--no-audit", "--no-fund", "--loglevel=error")  # builds the SDK (postinstall)
    project.command("npx", "tsc", "--noEmit", "--strict", "--target", "es2020", "--module", "commonjs",
                    "--moduleResolution", "node", "index.ts")  # fmt: skip

    preview = project.run("preview")
    assert "+ 2 to create" in preview.stdout, preview
    project.up()
    assert project.outputs() == {"lookedUp": PINNED["id"], "imageId": PINNED["id"], "latestId": PINNED["id"],
                                 "upgradeAvailable": False}  # fmt: skip
    assert project.resource("ubuntu")["type"] == "cloudimages:index:PinnedImage"

    ims.replace_catalog(catalog_document(newer=True))
    project.config("tsprogram:imageRollout", "2026-q1")
    project.up()
    assert project.outputs()["imageId"] == NEWER_ID == project.outputs()["lookedUp"]
