"""The official Huawei Cloud SDK as an independent client of the emulator: its signer, its models, its errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkims.v2 import ImsClient as SdkClient
from huaweicloudsdkims.v2 import ListImagesRequest

from pulumi_cloudimages.emulator import PROJECT_A, Emulator

AK, SK = "AKSDK", "SK-SDK-SECRET"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(credentials=[f"{AK}:{SK}:{PROJECT_A}"]) as emu:
        yield emu


def sdk(emulator: Emulator, secret_key: str = SK) -> SdkClient:
    config = HttpConfig.get_default_config()
    config.retry_times = 0
    credentials = BasicCredentials(AK, secret_key, PROJECT_A)
    return (
        SdkClient.new_builder()
        .with_credentials(credentials)
        .with_endpoints([emulator.url])
        .with_http_config(config)
        .build()
    )


def test_the_sdk_lists_with_filters(emulator: Emulator) -> None:
    response = sdk(emulator).list_images(ListImagesRequest(imagetype="gold", platform="Debian", support_kvm="true"))
    names = {image.name for image in response.images}
    assert "Debian 12.0.0 64bit 20240823" in names and "Debian 12.0.0 64bit (withdrawn)" not in names
    assert all(image.platform == "Debian" and image.imagetype == "gold" for image in response.images)


def test_the_sdk_sees_the_same_images_as_our_client(emulator: Emulator) -> None:
    theirs = sdk(emulator).list_images(ListImagesRequest(tag="role=web", sort_key="name", sort_dir="asc")).images
    with emulator.client(access_key=AK, secret_key=SK, project_id=PROJECT_A) as ims:
        ours = ims.list_images(tag="role=web", sort_key="name", sort_dir="asc")
    assert [i.id for i in theirs] == [i.id for i in ours]
    assert [i.created_at for i in theirs] == [i.to_wire()["created_at"] for i in ours]


def test_the_sdk_pages_with_markers(emulator: Emulator) -> None:
    client, marker, seen = sdk(emulator), None, []
    while True:
        page = client.list_images(ListImagesRequest(imagetype="gold", limit=7, marker=marker)).images
        seen += [image.id for image in page]
        if len(page) < 7:
            break
        marker = page[-1].id
    with emulator.client(project_id=PROJECT_A, access_key=AK, secret_key=SK) as ims:
        assert seen == [image.id for image in ims.list_images(imagetype="gold")]
    assert len(seen) > 7 * 5


def test_the_sdk_receives_errors_as_its_own_exceptions(emulator: Emulator) -> None:
    with pytest.raises(ClientRequestException) as caught:
        sdk(emulator).list_images(ListImagesRequest(marker="no-such-image"))
    assert (caught.value.status_code, caught.value.error_code) == (400, "IMG.0027")
    assert caught.value.request_id
    with pytest.raises(ClientRequestException) as refused:
        sdk(emulator, secret_key="WRONG").list_images(ListImagesRequest(limit=1))
    assert (refused.value.status_code, refused.value.error_code) == (401, "APIGW.0301")
    assert refused.value.request_id
