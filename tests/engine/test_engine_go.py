"""A Go program under the real engine: the Go SDK generated from the schema the installed plugin serves (gensdk:
pkg/v3's codegen, what `pulumi package gen-sdk --language go` runs; the Go host this engine has, v3.66.0's, cannot
generate; .ci/pulumi-engine) builds with `go build` and passes `go vet`; a program using it runs `pulumi up`; the
README's Go code compiles against it."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from engine.conftest import tool
from engine.scenario import ROOT, Emulator, NewProject, Project, UserVenv, generate_sdk, run, user_environment
from pins import PINNED

PROGRAM = textwrap.dedent(
    """\
    package main

    import (
        "github.com/pulumi/pulumi/sdk/v3/go/pulumi"
        "github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

        "pulumi-cloudimages/sdk/go/cloudimages"
    )

    func main() {
        pulumi.Run(func(ctx *pulumi.Context) error {
            web, err := cloudimages.GetImages(ctx, &cloudimages.GetImagesArgs{
                Tag:        pulumi.StringRef("role=web"),
                NameRegex:  pulumi.StringRef(`^web-server-\\d`),
                MostRecent: pulumi.BoolRef(true),
            }, nil)
            if err != nil {
                return err
            }
            ctx.Export("webImageId", pulumi.StringPtrFromPtr(web.Id))

            ubuntu, err := cloudimages.NewPinnedImage(ctx, "ubuntu", &cloudimages.PinnedImageArgs{
                Imagetype:  cloudimages.ImageTypeGold,
                Platform:   cloudimages.PlatformUbuntu,
                SupportKvm: pulumi.Bool(true),
                NameRegex:  pulumi.String(`^Ubuntu 22\\.04 `),
                MostRecent: pulumi.Bool(true),
                Keepers:    pulumi.StringMap{"rollout": pulumi.String(config.Get(ctx, "imageRollout"))},
            })
            if err != nil {
                return err
            }
            ctx.Export("imageId", ubuntu.ImageId)
            ctx.Export("latestId", ubuntu.LatestId)
            ctx.Export("upgradeAvailable", ubuntu.UpgradeAvailable)
            return nil
        })
    }
    """
)


def go_mod(sdk: Path) -> str:
    requirement = "require pulumi-cloudimages/sdk/go v0.0.0"
    return f"module goprogram\n\ngo 1.22\n\n{requirement}\n\nreplace pulumi-cloudimages/sdk/go => {sdk}\n"


@pytest.fixture(scope="module")
def go_sdk(engine: Path, user_venv: UserVenv, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated Go SDK, with a go.mod (as `pulumi package add` writes), tidied, built and vetted."""
    go = tool("go")
    sdk = generate_sdk(engine, user_venv.bin / "pulumi-resource-cloudimages", "go", tmp_path_factory.mktemp("go"))
    assert (sdk / "cloudimages" / "pinnedImage.go").exists()
    (sdk / "go.mod").write_text("module pulumi-cloudimages/sdk/go\n\ngo 1.22\n")
    env = user_environment(go, GOTOOLCHAIN="local")
    run(["go", "mod", "tidy"], cwd=sdk, env=env)
    run(["go", "build", "./..."], cwd=sdk, env=env)
    vet = run(["go", "vet", "./..."], cwd=sdk, env=env)
    assert vet.output.strip() == "", vet
    return sdk


def go_project(new_project: NewProject, user_venv: UserVenv, sdk: Path, files: dict[str, str]) -> Project:
    go = tool("go")
    project = new_project({"Pulumi.yaml": "name: goprogram\nruntime: go\n", "go.mod": go_mod(sdk), **files},
                          path=(user_venv.bin, go), env={"GOTOOLCHAIN": "local"})  # fmt: skip
    project.command("go", "mod", "tidy")
    return project


def test_a_go_program_with_the_generated_sdk(new_project: NewProject, user_venv: UserVenv, ims: Emulator,
                                             go_sdk: Path) -> None:  # fmt: skip
    project = go_project(new_project, user_venv, go_sdk, {"main.go": PROGRAM})
    vet = project.command("go", "vet", ".")
    assert vet.output.strip() == "", vet

    project.up()
    outputs = project.outputs()
    assert outputs["imageId"] == outputs["latestId"] == PINNED["id"] and outputs["upgradeAvailable"] is False
    assert outputs["webImageId"]  # PROJECT_A's newest web-server build (the stack config names PROJECT_A)
    assert project.resource("ubuntu")["type"] == "cloudimages:index:PinnedImage"


def readme_go_blocks() -> list[str]:
    """The Go code of the README's "Using it from TypeScript, Go, C# and YAML"."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Using it from TypeScript, Go") : text.index("## Keeping an image")]
    return re.findall(r"```go\n(.*?)```", section, re.S)


def test_the_readme_go_code_compiles(new_project: NewProject, user_venv: UserVenv, go_sdk: Path) -> None:
    blocks = readme_go_blocks()
    assert len(blocks) == 2
    functions = "\n".join(
        f"func readme{n}(ctx *pulumi.Context) error {{\n{block}\treturn nil\n}}\n" for n, block in enumerate(blocks)
    )
    source = (
        'package main\n\nimport (\n\t"github.com/pulumi/pulumi/sdk/v3/go/pulumi"\n'
        '\t"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"\n\n\t"pulumi-cloudimages/sdk/go/cloudimages"\n)\n\n'
        "var _ = config.Get\n\nfunc main() {}\n\n" + functions
    )
    project = go_project(new_project, user_venv, go_sdk, {"main.go": source})
    vet = project.command("go", "vet", ".", check=False)
    assert vet.code == 0, vet
